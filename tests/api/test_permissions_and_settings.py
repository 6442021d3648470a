"""Who may change overage (customers only when the provider allows it), and the settings route."""
import dataclasses

import pytest

from connect_ext import wiring
from connect_ext.api import dependencies
from sandbox.partner_center import demo
from testkit.callers import OWNER, RESELLER_A, customer
from testkit.customers import READY


def overage_url(customer_id):
    return f'/api/customers/{customer_id}/overage'


@pytest.mark.parametrize(('who', 'can_change'), [
    (OWNER, True), (RESELLER_A, True), (customer(READY), False),
], ids=['owner', 'reseller', 'customer'])
def test_the_state_says_whether_the_caller_may_change_it(api, who, can_change):
    response = api.get(overage_url(READY), who=who)

    assert response.status_code == 200
    assert response.json()['permissions'] == {'can_change': can_change}


def test_a_customer_is_refused_a_change_by_default_and_nothing_is_written(api, sim, store):
    response = api.put(
        overage_url(READY), who=customer(READY), json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID},
    )

    assert response.status_code == 403
    assert response.json() == {'error': {
        'code': 'CUSTOMER_CHANGES_DISABLED',
        'message': 'Customers cannot change their own overage here.',
        'reason': 'The provider has not allowed customers to change overage themselves (the '
                  'CUSTOMERS_MAY_CHANGE setting).',
        'action': 'Ask your provider to enable, move or disable overage for you.',
        'details': {},
    }}
    assert [call for call in sim.calls.all() if call.method == 'PUT'] == []
    assert store.list_audit(customer_id=READY).items == []


def test_a_customer_changes_its_own_overage_when_the_provider_allows_it(api, settings, overrides):
    allowed = dataclasses.replace(settings, customers_may_change=True)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: allowed

    state = api.get(overage_url(READY), who=customer(READY))
    assert state.json()['permissions'] == {'can_change': True}
    response = api.put(
        overage_url(READY), who=customer(READY), json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID},
    )

    assert response.status_code == 200, response.json()
    assert response.json()['status'] == 'enabled'


def test_the_owner_sees_the_configuration_without_any_secret(api, settings):
    configured = dataclasses.replace(
        settings, webhook_url='https://hooks.example.test/overage', webhook_secret='hook-secret',
    )
    api.app.dependency_overrides[dependencies.get_settings] = lambda: configured

    response = api.get('/api/settings', who=OWNER)

    assert response.status_code == 200
    body = response.json()
    assert body['sku_marker'] == 'OVG'
    assert body['blocked_countries'] == ['CN', 'CU', 'IR', 'KP', 'RU']
    assert body['webhook_url'] == 'https://hooks.example.test/overage'
    assert body['webhook_signed'] is True
    assert body['store'] == 'sqlite'
    assert (body['store_durable'], body['store_warning']) == (False, None)  # not under the runner
    assert body['partner_center']['mode'] == 'app+user'
    pc = settings.partner_center
    for secret in ('hook-secret', pc.client_secret, pc.refresh_token):
        assert secret not in response.text


@pytest.mark.parametrize('who', [RESELLER_A, customer(READY)], ids=['reseller', 'customer'])
def test_only_the_owner_sees_the_configuration(api, who):
    response = api.get('/api/settings', who=who)

    assert response.status_code == 403
    assert response.json()['error']['code'] == 'FORBIDDEN'


def test_under_the_runner_a_sqlite_store_is_reported_with_what_to_set(api, settings, monkeypatch):
    monkeypatch.setattr(wiring, 'under_runner', lambda: True)

    body = api.get('/api/settings', who=OWNER).json()

    assert (body['store'], body['store_durable']) == ('sqlite', False)
    assert 'STORE_IS_DURABLE' in body['store_warning']
    assert 'postgresql+psycopg://' in body['store_warning']

    said_durable = dataclasses.replace(settings, store_is_durable=True)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: said_durable
    body = api.get('/api/settings', who=OWNER).json()
    assert (body['store_durable'], body['store_warning']) == (True, None)
