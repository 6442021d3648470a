"""``/customers/{id}/overage/handover`` through the web API: ask (nothing sent to Microsoft), read,
cancel; every refusal as the caller sees it; the request's state in the words of who reads it."""
import dataclasses

import pytest

from connect_ext.api import dependencies
from connect_ext.api.handover_schemas import HandoverBody
from connect_ext.compat import parse
from connect_ext.service.handover import HandoverService
from sandbox.partner_center import demo, holders
from testkit.callers import RESELLER_A, RESELLER_B, customer
from testkit.customers import HELD, READY


ASK = {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID, 'enable_when_released': True}


def url(customer_id):
    return f'/api/customers/{customer_id}/overage/handover'


def microsoft_writes(sim):
    return sim.calls.matching('PUT', '/overage')


def watch_once(service, store):
    """The watch, once, on the web API's service (as the sync or the sandbox would run it)."""
    handovers = HandoverService(service)
    for record in store.handovers.claim(worker_id='t', batch_size=5, lease_seconds=60):
        handovers.watch(record)
        store.handovers.release(record.customer_id, record.request_id, 't', checked_at=store.now())


@pytest.fixture
def customers_may_change(api, settings, service):
    allowed = dataclasses.replace(settings, customers_may_change=True)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: allowed
    service.settings = allowed


def test_asking_records_the_request_and_answers_it(api, sim, store):
    """conformance: PC-90"""
    response = api.put(url(HELD), json=ASK)

    assert response.status_code == 201, response.json()
    body = response.json()
    parse(HandoverBody, body)
    assert (body['state'], body['open'], body['can_cancel']) == ('waiting', True, True)
    assert body['target'] == {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID,
                              'create_azure_subscription': False}
    assert body['holder'] == {'partner_id': demo.OTHER_PARTNER_MPN_ID,
                              'azure_subscription_id': demo.HELD_OTHER_ENTITLEMENT_ID}
    assert body['requested_by']['type'] == 'owner'
    notice = body['notice']
    assert notice['code'] == 'HANDOVER_WAITING'
    assert 'Ask the customer to ask the partner that collects its overage now' in notice['action']
    assert 'set overage to None' in notice['action']
    assert 'the three parties involved' in notice['reason']
    assert microsoft_writes(sim) == []
    assert api.get(url(HELD)).json() == body


def test_asking_for_a_customer_no_other_partner_holds_is_refused(api, sim, store):
    response = api.put(url(READY), json={**ASK, 'azure_subscription_id': demo.READY_ENTITLEMENT_ID})

    assert response.status_code == 409
    error = response.json()['error']
    assert error['code'] == 'HANDOVER_NOT_NEEDED'
    assert 'nothing was sent to Microsoft' in error['action']
    assert store.handovers.get(READY) is None
    assert api.get(url(READY)).json()['error']['code'] == 'HANDOVER_NOT_FOUND'
    assert api.get(url(READY)).status_code == 404


def test_one_request_per_customer(api):
    assert api.put(url(HELD), json=ASK).status_code == 201

    again = api.put(url(HELD), json={'create_azure_subscription': True, 'enable_when_released': False})

    assert again.status_code == 409
    assert again.json()['error']['code'] == 'HANDOVER_ALREADY_REQUESTED'
    assert api.get(url(HELD)).json()['target']['create_azure_subscription'] is False


def test_cancelling_ends_it_once(api, store):
    api.put(url(HELD), json=ASK)

    cancelled = api.request('DELETE', url(HELD))

    assert cancelled.status_code == 200
    body = cancelled.json()
    assert (body['state'], body['open'], body['can_cancel']) == ('cancelled', False, False)
    assert body['notice']['code'] == 'HANDOVER_CANCELLED'
    gone = api.request('DELETE', url(HELD))
    assert (gone.status_code, gone.json()['error']['code']) == (404, 'HANDOVER_NOT_FOUND')
    outcomes = [entry.outcome for entry in store.list_audit(customer_id=HELD).items]
    assert outcomes == ['cancelled', 'requested']


@pytest.mark.parametrize('body', [
    {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID, 'create_azure_subscription': True,
     'enable_when_released': True},
    {'enable_when_released': True},
    {'azure_subscription_id': None, 'enable_when_released': True},
    {'azure_subscription_id': 'not-a-guid', 'enable_when_released': True},
    {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID + '\n', 'enable_when_released': True},
    {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID},
    {**ASK, 'enable_when_releasd': True},
], ids=['both targets', 'no target', 'null target', 'not a guid', 'final newline',
        'no enable_when_released', 'unknown field'])
def test_bad_input_gets_a_clear_error_and_records_nothing(api, sim, store, body):
    response = api.put(url(HELD), json=body)

    assert response.status_code == 422
    assert response.json()['error']['code'] == 'VALIDATION_FAILED'
    assert store.handovers.get(HELD) is None
    assert sim.calls.matching('GET', '/overage') == []


def test_the_customers_reseller_may_ask_and_another_reseller_sees_nothing(api, store):
    assert api.put(url(HELD), json=ASK, who=RESELLER_A).status_code == 404
    assert store.handovers.get(HELD) is None

    response = api.put(url(HELD), json=ASK, who=RESELLER_B)

    assert response.status_code == 201, response.json()
    assert response.json()['requested_by']['type'] == 'reseller'
    assert api.get(url(HELD), who=RESELLER_A).status_code == 404


def test_a_customer_asks_only_when_the_provider_allows_it(api, store, sim):
    refused = api.put(url(HELD), json=ASK, who=customer(HELD))

    assert refused.status_code == 403
    assert refused.json()['error']['code'] == 'CUSTOMER_CHANGES_DISABLED'
    assert store.handovers.get(HELD) is None


def test_the_customer_reads_its_own_words_and_no_partner_id(api, customers_may_change):
    response = api.put(url(HELD), json=ASK, who=customer(HELD))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body['holder'], body['current_holder']) == (None, None)
    assert body['notice']['message'].startswith('Your provider is waiting')
    assert 'Ask the partner that collects your overage now' in body['notice']['action']
    assert demo.OTHER_PARTNER_MPN_ID not in response.text
    assert body['can_cancel'] is True


def test_the_page_shows_how_it_ended_once_released(api, sim, store, service):
    """conformance: PC-91"""
    api.put(url(HELD), json=ASK)
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    watch_once(service, store)

    body = api.get(url(HELD)).json()
    assert (body['state'], body['open']) == ('enabled', False)
    assert body['change']['outcome'] == 'succeeded'
    assert body['notice']['code'] == 'HANDOVER_ENABLED'
    assert body['released_at'] is not None
    overage = api.get(f'/api/customers/{HELD}/overage').json()
    assert overage['status'] == 'enabled'


def test_the_page_says_when_a_rule_stopped_it(api, sim, store, service):
    api.put(url(HELD), json=ASK)
    sim.world.set_status(sim.world.entitlements[demo.HELD_ENTITLEMENT_ID], 'disabled')
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    watch_once(service, store)

    body = api.get(url(HELD)).json()
    assert body['state'] == 'stopped'
    assert body['stop']['code'] in {'AZURE_SUBSCRIPTION_NOT_ELIGIBLE', 'NO_ACTIVE_AZURE_SUBSCRIPTION'}
    assert body['stop']['message'] in body['notice']['message']
    assert microsoft_writes(sim) == []


def test_the_page_says_when_the_holder_moved_without_releasing(api, sim, store, service):
    """conformance: PC-94"""
    api.put(url(HELD), json=ASK)
    holders.move(sim.world, demo.HELD_CUSTOMER_ID, '5350999', 'e0710000-0000-4000-8000-000000000999')

    watch_once(service, store)

    body = api.get(url(HELD)).json()
    assert (body['state'], body['holder_changed']) == ('waiting', True)
    assert body['current_holder']['partner_id'] == '5350999'
    assert body['notice']['code'] == 'HANDOVER_HOLDER_CHANGED'
    assert 'without being released' in body['notice']['message']


def test_a_resellers_request_is_enabled_as_the_reseller(api, sim, store, service):
    assert api.put(url(HELD), json=ASK, who=RESELLER_B).status_code == 201
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    watch_once(service, store)

    body = api.get(url(HELD), who=RESELLER_B).json()
    assert (body['state'], body['change']['outcome']) == ('enabled', 'succeeded')
    change = store.list_audit(customer_id=HELD).items[0]
    assert (change.action, change.actor_type, change.actor_id) == (
        'enable', 'reseller', RESELLER_B['account_id'])


def test_a_reseller_connect_no_longer_shows_the_customer_to_is_stopped(api, sim, store, service):
    assert api.put(url(HELD), json=ASK, who=RESELLER_B).status_code == 201
    store.forget_seen(RESELLER_B['account_id'], [HELD])  # the customer moved to another reseller
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    watch_once(service, store)

    record = store.handovers.get(HELD)
    assert (record.state, record.stop_code) == ('stopped', 'CALLER_NOT_ALLOWED')
    assert microsoft_writes(sim) == []
