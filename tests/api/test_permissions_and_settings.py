"""Who may change overage (customers only when the provider allows it), and the settings route."""
import dataclasses

import pytest

from connect_ext import wiring
from connect_ext.api import dependencies
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper, TokenCipher, credential_key
from sandbox.partner_center import demo
from testkit.callers import OWNER, RESELLER_A, customer
from testkit.clock import START, FakeDatetimeClock
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
        # A customer reads its own words, never the setting's name (issue 19, item 1).
        'reason': 'Your provider manages your overage setting.',
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


# -- the App+User refresh token (issue 13, item 1) -----------------------------------------------

def refresh_token_of(api):
    response = api.get('/api/settings', who=OWNER)
    assert response.status_code == 200
    return response.json()['partner_center']['refresh_token'], response.text


def keeper_on(store, settings, clock, *, encryption_key=''):
    pc = settings.partner_center
    return RefreshTokenKeeper(
        store.credentials, TokenCipher.for_secrets(encryption_key, pc.client_secret),
        key=credential_key(pc), configured=pc.refresh_token, clock=clock,
    )


def test_the_settings_say_the_refresh_token_is_renewed_in_the_store_once_used(
    api, store, settings, pc_settings, refresh_tokens,
):
    before, _ = refresh_token_of(api)
    assert before == {'source': 'configured', 'renewed_at': None, 'used_at': None, 'warnings': []}

    client = PartnerCenterClient(pc_settings, refresh_tokens=refresh_tokens)
    api.app.dependency_overrides[dependencies.get_partner_center_client] = lambda: client
    assert api.get('/api/settings/connection', who=OWNER).status_code == 200

    after, text = refresh_token_of(api)
    assert after['source'] == 'renewed'
    assert after['renewed_at'] is not None
    assert after['renewed_at'] == after['used_at']
    assert after['warnings'] == []
    renewed = refresh_tokens.current().token
    for secret in (renewed, settings.partner_center.refresh_token, pc_settings.client_secret):
        assert secret not in text


def test_the_settings_warn_when_the_refresh_token_went_60_days_without_use(api, store, settings):
    when = FakeDatetimeClock(START)
    keeper = keeper_on(store, settings, when)
    keeper.renewed('rt-renewed-on-march-1st')
    api.app.dependency_overrides[dependencies.get_refresh_token_keeper] = lambda: keeper

    when.advance(59 * 86400)
    assert refresh_token_of(api)[0]['warnings'] == []

    when.advance(86400)
    state, text = refresh_token_of(api)
    assert state['source'] == 'renewed'
    assert state['used_at'] == START.isoformat()
    [warning] = state['warnings']
    assert (warning['code'], warning['severity']) == ('REFRESH_TOKEN_LONG_UNUSED', 'warning')
    assert warning['message'] == ('The Partner Center refresh token has gone 60 days or more without '
                                  'use (last used 2025-03-01).')
    assert '90 days' in warning['reason']
    assert 'connection test' in warning['action']
    assert 'rt-renewed-on-march-1st' not in text


def test_the_settings_say_when_the_stored_token_cannot_be_decrypted(api, store, settings):
    when = FakeDatetimeClock()
    keeper_on(store, settings, when, encryption_key='the key before').renewed('rt-under-the-old-key')
    keeper = keeper_on(store, settings, when, encryption_key='the key after')
    api.app.dependency_overrides[dependencies.get_refresh_token_keeper] = lambda: keeper

    state, text = refresh_token_of(api)

    assert state['source'] == 'unreadable'
    assert [w['code'] for w in state['warnings']] == ['REFRESH_TOKEN_UNREADABLE']
    warning = state['warnings'][0]
    assert 'the token encryption key' in warning['reason']
    assert 'the refresh token as configured in its settings' in warning['message']
    # The names are for the administrator, beside the words (issue 19, item 6).
    assert warning['params']['settings'] == [
        'TOKEN_ENCRYPTION_KEY', 'PARTNER_CENTER_CLIENT_SECRET', 'PARTNER_CENTER_REFRESH_TOKEN']
    assert 'TOKEN_ENCRYPTION_KEY' not in warning['message'] + warning['reason'] + warning['action']
    for secret in ('rt-under-the-old-key', 'the key before', 'the key after'):
        assert secret not in text


def test_app_only_settings_have_no_refresh_token(api, settings):
    app_only = dataclasses.replace(
        settings, partner_center=dataclasses.replace(settings.partner_center, refresh_token=''),
    )
    api.app.dependency_overrides[dependencies.get_settings] = lambda: app_only
    del api.app.dependency_overrides[dependencies.get_refresh_token_keeper]  # wiring decides

    body = api.get('/api/settings', who=OWNER).json()

    assert body['partner_center']['mode'] == 'app-only'
    assert body['partner_center']['refresh_token'] is None


def test_a_dead_refresh_token_tells_the_administrator_how_to_renew_it(api, sim, pc_settings):
    """conformance: PC-51, PC-55"""
    sim.world.refresh_token_lifetime = 1e-6  # every refresh token of the world is long dead
    client = PartnerCenterClient(pc_settings)
    api.app.dependency_overrides[dependencies.get_partner_center_client] = lambda: client

    response = api.get('/api/settings/connection', who=OWNER)

    assert response.status_code == 502
    error = response.json()['error']
    assert error['code'] == 'PARTNER_CENTER_REFRESH_TOKEN_EXPIRED'
    assert error['message'].startswith("Microsoft no longer accepts the extension's Partner Center "
                                       'refresh token')
    assert 'AADSTS700082' in error['reason']
    assert "put the new refresh token in the extension's settings" in error['action']
    assert error['details']['settings'] == ['PARTNER_CENTER_REFRESH_TOKEN']
    assert error['details']['microsoft']['code'] == 'invalid_grant'
    for secret in (pc_settings.refresh_token, pc_settings.client_secret):
        assert secret not in response.text


# --- who calls, and what applies to a reseller --------------------------------------------------

@pytest.mark.parametrize(('who', 'expected'), [
    (OWNER, {'role': 'owner', 'account_id': 'PA-000-000', 'customer_id': None, 'may_change': True}),
    (RESELLER_A, {'role': 'reseller', 'account_id': 'PA-700-001', 'customer_id': None,
                  'may_change': True}),
    (customer(READY), {'role': 'customer', 'account_id': READY, 'customer_id': READY,
                       'may_change': False}),
], ids=['owner', 'reseller', 'customer'])
def test_the_caller_route_says_who_connect_says_is_calling(api, who, expected):
    """The customer home page is for the tier account Connect names with the call, whatever account
    the call comes from (conformance: CX-12)."""
    response = api.get('/api/caller', who=who)

    assert response.status_code == 200
    assert response.json() == expected


def test_a_vendor_is_not_a_caller_of_the_extension(api):
    response = api.get('/api/caller', who={'account_id': 'VA-1', 'account_role': 'vendor',
                                           'call_type': 'user'})
    assert response.status_code == 403


@pytest.mark.parametrize(('who', 'status'), [
    (OWNER, 200), (RESELLER_A, 200), (customer(READY), 403),
], ids=['owner', 'reseller', 'customer'])
def test_a_reseller_gets_what_applies_to_it_and_no_secret(api, settings, who, status):
    api.app.dependency_overrides[dependencies.get_settings] = lambda: dataclasses.replace(
        settings, webhook_url='https://hooks.example.org/x?token=s3cret', webhook_secret='s3cret',
        customers_may_change=True,
    )

    response = api.get('/api/settings/applicable', who=who)

    assert response.status_code == status
    if status == 200:
        assert response.json() == {'sku_marker': 'OVG', 'reseller_mpn_param': 'tier1_mpn',
                                   'product_ids': [], 'customers_may_change': True}
    assert 's3cret' not in response.text
    assert 'hooks.example.org' not in response.text
