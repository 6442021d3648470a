"""One customer's overage through the real service and the Partner Center simulator: read it, its
options, change it (200, 202, If-Match), and its history."""
import pytest
from connect.client import R

from connect_ext.api.schemas import (
    ChangeResultBody,
    HistoryPage,
    OverageOptionsBody,
    OverageStateBody,
)
from connect_ext.compat import parse
from connect_ext.notifications.events import event_type
from sandbox.partner_center import demo
from testkit.callers import OWNER, OWNER_ACCOUNT, RESELLER_A, RESELLER_A_ACCOUNT, RESELLER_A_TIER
from testkit.customers import ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, NO_TENANT, READY


def put(api, customer_id, azure_subscription_id, **kwargs):
    return api.put(
        f'/api/customers/{customer_id}/overage',
        json={'azure_subscription_id': azure_subscription_id}, **kwargs,
    )


def test_the_state_is_read_from_microsoft_with_its_etag(api, sim):
    response = api.get(f'/api/customers/{ENABLED}/overage')

    assert response.status_code == 200
    body = response.json()
    parse(OverageStateBody, body)
    assert body['customer']['id'] == ENABLED
    assert (body['status'], body['enabled']) == ('enabled', True)
    assert body['azure_subscription_id'] == demo.ENABLED_ENTITLEMENT_ID
    assert body['azure_subscription']['id'] == demo.ENABLED_ENTITLEMENT_ID
    assert [sub['offer_id'] for sub in body['ovg_subscriptions']] == [demo.OVG_OFFER_ID]
    assert response.headers['ETag'] == body['etag']
    assert sim.calls.matching('GET', '/overage')  # read now, not from the store


def test_reading_the_state_updates_the_overview(api, store):
    api.get(f'/api/customers/{ENABLED}/overage')

    record = store.get_customer(ENABLED)
    assert record.overage_status == 'enabled'
    assert record.azure_entitlement_id == demo.ENABLED_ENTITLEMENT_ID
    assert record.checked_at is not None


def test_the_options_list_the_azure_subscriptions_that_may_receive_overage(api):
    response = api.get(f'/api/customers/{READY}/overage/options')

    assert response.status_code == 200
    body = response.json()
    parse(OverageOptionsBody, body)
    [plan] = body['azure_plans']
    assert plan['subscription_id'] == demo.READY_PLAN_ID
    assert {(sub['id'], sub['eligible']) for sub in plan['azure_subscriptions']} == {
        (demo.READY_ENTITLEMENT_ID, True), (demo.READY_SECOND_ENTITLEMENT_ID, True),
    }
    assert body['can_enable'] is True
    assert response.headers['ETag'] == body['etag']


def test_enabling_answers_the_new_state_and_what_was_done(api, sim, store, notifications):
    response = put(api, READY, demo.READY_ENTITLEMENT_ID, who=RESELLER_A)

    assert response.status_code == 200
    body = response.json()
    parse(ChangeResultBody, body)
    assert (body['status'], body['azure_subscription_id']) == ('enabled', demo.READY_ENTITLEMENT_ID)
    assert body['change']['action'] == 'enable'
    assert body['change']['outcome'] == 'succeeded'
    assert response.headers['ETag'] == body['etag']
    [write] = sim.calls.matching('PUT', '/overage')
    assert write.status == 200
    assert [event_type(event) for event in notifications] == ['overage.enable.succeeded']
    [entry] = store.list_audit(customer_id=READY).items
    assert (entry.actor_type, entry.actor_id, entry.action) == (
        'reseller', RESELLER_A_ACCOUNT, 'enable',
    )


def test_moving_and_disabling(api, sim):
    first = put(api, READY, demo.READY_ENTITLEMENT_ID)
    moved = put(api, READY, demo.READY_SECOND_ENTITLEMENT_ID, headers={
        'If-Match': first.headers['ETag'],
    })
    disabled = put(api, READY, None, headers={'If-Match': moved.headers['ETag']})

    assert [r.status_code for r in (first, moved, disabled)] == [200, 200, 200]
    assert moved.json()['change']['action'] == 'move'
    assert moved.json()['azure_subscription_id'] == demo.READY_SECOND_ENTITLEMENT_ID
    assert disabled.json()['change']['action'] == 'disable'
    assert (disabled.json()['status'], disabled.json()['enabled']) == ('disabled', False)
    assert len(sim.calls.matching('PUT', '/overage')) == 3


def test_asking_for_the_current_state_writes_nothing(api, sim):
    response = put(api, ENABLED, demo.ENABLED_ENTITLEMENT_ID)

    assert response.status_code == 200
    assert response.json()['change']['outcome'] == 'no_change'
    assert sim.calls.matching('PUT', '/overage') == []


def test_a_change_microsoft_does_not_show_yet_answers_202(api, sim):
    sim.world.propagation_delay = 3600.0  # the write is accepted; reads show it an hour later

    response = put(api, READY, demo.READY_ENTITLEMENT_ID)

    assert response.status_code == 202
    body = response.json()
    parse(ChangeResultBody, body)
    assert body['change']['outcome'] == 'unconfirmed'
    assert response.headers['ETag'] == body['etag']


def test_a_matching_if_match_lets_the_change_through(api):
    etag = api.get(f'/api/customers/{READY}/overage').headers['ETag']

    response = put(api, READY, demo.READY_ENTITLEMENT_ID, headers={'If-Match': etag})

    assert response.status_code == 200
    assert response.headers['ETag'] != etag


@pytest.mark.parametrize('if_match', ['*', ' * ', '"x", {etag}', '{etag},"y"', 'W/"x", {etag}',
                                      ', {etag},'])
def test_if_match_any_or_a_list_holding_the_etag_lets_the_change_through(api, if_match):
    """RFC 9110 §13.1.1: ``*`` matches an existing state; a list matches when any member does."""
    etag = api.get(f'/api/customers/{READY}/overage').headers['ETag']

    response = put(api, READY, demo.READY_ENTITLEMENT_ID,
                   headers={'If-Match': if_match.format(etag=etag)})

    assert response.status_code == 200


@pytest.mark.parametrize('if_match', ['W/{etag}', '', '   ', ',', '{bare}', '{etag} {etag}',
                                      '"x"', '"{bare}', '*, {etag}'])
def test_a_weak_empty_or_malformed_if_match_matches_nothing(api, sim, if_match):
    """Strong comparison only: a weak tag never matches; a field that is no list of entity tags is
    a failed precondition (412), never "no precondition", and nothing is written."""
    etag = api.get(f'/api/customers/{READY}/overage').headers['ETag']
    sim.calls.clear()

    response = put(api, READY, demo.READY_ENTITLEMENT_ID,
                   headers={'If-Match': if_match.format(etag=etag, bare=etag.strip('"'))})

    assert response.status_code == 412
    assert response.headers['ETag'] == etag
    assert not sim.calls.matching('PUT', '/overage')


def test_a_stale_if_match_is_refused_with_412_and_the_current_etag(api, sim):
    stale = api.get(f'/api/customers/{READY}/overage').headers['ETag']
    current = put(api, READY, demo.READY_ENTITLEMENT_ID).headers['ETag']

    response = put(api, READY, demo.READY_SECOND_ENTITLEMENT_ID, headers={'If-Match': stale})

    assert response.status_code == 412
    assert response.json() == {'error': {
        'code': 'STALE_STATE',
        'message': "The customer's overage changed since you loaded it.",
        'reason': "The change was based on an older reading of the customer's overage, so it was "
                  "not applied, to avoid overwriting someone else's change.",
        'action': "Reload the customer's overage, check the current state, and make the change "
                  'again if it is still needed.',
        'details': {'etag': current},
    }}
    assert response.headers['ETag'] == current
    assert len(sim.calls.matching('PUT', '/overage')) == 1  # only the first change


def test_the_history_is_newest_first_and_paged(api):
    put(api, READY, demo.READY_ENTITLEMENT_ID)
    put(api, READY, demo.READY_SECOND_ENTITLEMENT_ID)
    put(api, READY, None)

    first = api.get(f'/api/customers/{READY}/overage/history', params={'limit': 2})
    second = api.get(f'/api/customers/{READY}/overage/history', params={'limit': 2, 'offset': 2})

    assert first.status_code == 200
    parse(HistoryPage, first.json())
    assert [entry['action'] for entry in first.json()['items']] == ['disable', 'move']
    assert [entry['action'] for entry in second.json()['items']] == ['enable']
    assert first.headers['Content-Range'] == 'items 0-1/3'
    enable = second.json()['items'][0]
    assert enable['actor'] == {'type': 'owner', 'id': OWNER_ACCOUNT, 'name': 'UR-000'}
    assert enable['before'] == {'enabled': False, 'azure_subscription_id': None}
    assert enable['requested'] == {'enabled': True,
                                   'azure_subscription_id': demo.READY_ENTITLEMENT_ID}
    assert enable['outcome'] == 'succeeded'
    assert enable['error'] is None


def test_the_audit_names_the_signed_in_user_from_connects_token(api, store):
    import base64
    import json

    claims = base64.urlsafe_b64encode(json.dumps({'u': {'oid': 'UR-1', 'name': 'Ann Admin'}})
                                      .encode()).decode().rstrip('=')
    put(api, READY, demo.READY_ENTITLEMENT_ID, headers={'connect-auth': f'h.{claims}.s'})

    [entry] = store.list_audit(customer_id=READY).items
    assert entry.actor_name == 'Ann Admin'


def test_a_failed_change_is_in_the_history_with_its_error(api):
    put(api, HELD, demo.READY_ENTITLEMENT_ID)

    [entry] = api.get(f'/api/customers/{HELD}/overage/history').json()['items']
    assert entry['outcome'] == 'failed'
    assert entry['error']['code'] == 'OVERAGE_HELD_BY_OTHER_PARTNER'


def test_an_indirect_customers_change_names_the_resellers_partner_id(api, sim):
    response = put(api, INDIRECT, demo.RESELLER_ENTITLEMENT_ID)

    assert response.status_code == 200, response.json()
    assert len(sim.calls.matching('PUT', '/overage')) == 1
    # Microsoft recorded the change under the indirect reseller's partner id.
    assert response.json()['partner_id'] == demo.RESELLER_MPN_ID


def test_a_customer_without_tenant_id_is_explained(api, sim):
    response = api.get(f'/api/customers/{NO_TENANT}/overage')

    assert response.status_code == 422
    error = response.json()['error']
    assert error['code'] == 'TENANT_ID_UNKNOWN'
    assert error['message'] == ('The customer has no Microsoft tenant id yet (Connect customer '
                                f'{NO_TENANT}).')
    assert sim.calls.all() == []


def test_a_blocking_prerequisite_refuses_the_change_before_microsoft(api, sim):
    response = put(api, NO_AZURE_PLAN, demo.READY_ENTITLEMENT_ID)

    assert response.status_code == 422
    assert response.json()['error']['code'] == 'NO_ACTIVE_AZURE_PLAN'
    assert sim.calls.matching('PUT', '/overage') == []


def test_the_asset_route_answers_the_customers_state_and_records_the_subscription(
    api, connect, store,
):
    asset_id = 'AS-5000-0000-0001'
    connect('subscriptions').assets[asset_id].get(return_value={
        'id': asset_id, 'status': 'active', 'product': {'id': 'PRD-100-200-300'},
        'params': [{'id': 'ms_customer_id', 'value': demo.ENABLED_CUSTOMER_ID.upper()}],
        'tiers': {'customer': {'id': ENABLED, 'name': 'Enabled Ltd'},
                  'tier1': {'id': RESELLER_A_TIER}},
        'items': [{'id': 'PRD-100-200-300-0001', 'display_name': 'Teams Phone OVG',
                   'quantity': 1}],
    })

    response = api.get(f'/api/assets/{asset_id}/overage')

    assert response.status_code == 200
    assert response.json()['customer']['id'] == ENABLED
    assert response.json()['status'] == 'enabled'
    assert store.get_customer(ENABLED).ovg_asset_ids == (asset_id,)


def test_an_unknown_asset_is_not_found(api, connect):
    connect('subscriptions').assets['AS-0000-0000-0404'].get(status_code=404, return_value={
        'error_code': 'ASSET_001', 'errors': ['Not found'],
    })

    response = api.get('/api/assets/AS-0000-0000-0404/overage')

    assert response.status_code == 404
    assert response.json()['error']['code'] == 'ASSET_NOT_FOUND'


def test_an_unknown_customer_is_looked_up_in_connect_once(api, connect, store):
    new_customer = 'TA-3000-0000-0001'
    connect('subscriptions').assets.filter(R().tiers.customer.id.eq(new_customer)).mock(
        return_value=[{
            'id': 'AS-3000-0000-0001', 'status': 'active', 'product': {'id': 'PRD-1'},
            'params': [{'id': 'microsoft_tenant_id', 'value': demo.READY_CUSTOMER_ID}],
            'tiers': {'customer': {'id': new_customer, 'name': 'New Co',
                                   'contact_info': {'country': 'IE'}},
                      'tier1': {'id': RESELLER_A_TIER}},
        }],
    )

    first = api.get(f'/api/customers/{new_customer}/overage', who=OWNER)
    second = api.get(f'/api/customers/{new_customer}/overage', who=OWNER)

    assert first.status_code == second.status_code == 200
    assert first.json()['customer'] == {
        'id': new_customer, 'name': 'New Co', 'tenant_id': demo.READY_CUSTOMER_ID,
        'country': 'IE', 'tier1_id': RESELLER_A_TIER, 'tier2_id': None,
    }
    assert store.get_customer(new_customer).tenant_id == demo.READY_CUSTOMER_ID
