"""Who may call what: every caller against every route, with the exact answer.

A customer the caller may not see answers byte for byte like a customer that does not exist.
"""
import pytest
from connect.client import R

from connect_ext.api.auth import caller_from_context
from connect_ext.errors.error import OverageError
from connect_ext.overage.access import may_see
from connect_ext.overage.facts import Caller, CustomerRef
from sandbox.partner_center import demo
from testkit.callers import (
    OWNER,
    OWNER_ACCOUNT,
    RESELLER_A,
    RESELLER_A_ACCOUNT,
    RESELLER_A_TIER,
    RESELLER_B,
    VENDOR,
    customer,
)
from testkit.customers import CUSTOMERS, ENABLED, HELD, READY, UNKNOWN


READY_ASSET = 'AS-1000-0000-0001'

FORBIDDEN_VENDOR = {'error': {
    'code': 'FORBIDDEN',
    'message': 'Your account may not do this: only the distributor that owns the extension, its '
               'resellers and their customers may use the Overage Manager.',
    'reason': 'The distributor manages the extension; resellers and customers reach only their '
              'own customers and pages.',
    'action': "Ask the distributor's administrator if you need this access.",
    'details': {'account_id': 'VA-000-001', 'account_role': 'vendor'},
}}


def not_found(customer_id):
    return {'error': {
        'code': 'CUSTOMER_NOT_FOUND',
        'message': f'No customer {customer_id} is known to the Overage Manager.',
        'reason': 'The id is not a Connect customer account (TA-...) that your account can reach.',
        'action': 'Check the customer id, or open the customer from the Manage Overage list.',
        'details': {'customer_id': customer_id},
    }}


def forbidden(problem, role):
    return {'error': {
        'code': 'FORBIDDEN',
        'message': f'Your account may not do this: {problem}.',
        'reason': 'The distributor manages the extension; resellers and customers reach only their '
                  'own customers and pages.',
        'action': "Ask the distributor's administrator if you need this access.",
        'details': {'role': role},
    }}


ASSET_NOT_FOUND = {'error': {
    'code': 'ASSET_NOT_FOUND',
    'message': f'No subscription {READY_ASSET} is known to the Overage Manager.',
    'reason': 'The id is not a Connect subscription (AS-...) of a customer that your account can '
              'reach.',
    'action': 'Check the subscription id, or open the customer from the Manage Overage list.',
    'details': {'asset_id': READY_ASSET},
}}


def customer_routes(customer_id):
    return [
        ('GET', f'/api/customers/{customer_id}/overage', None),
        ('GET', f'/api/customers/{customer_id}/overage/options', None),
        ('PUT', f'/api/customers/{customer_id}/overage', {'azure_subscription_id': None}),
        ('GET', f'/api/customers/{customer_id}/overage/history', None),
    ]


CUSTOMER_CELLS = [
    # (caller, customer asked for, visible?)
    ('owner', OWNER, READY, True),
    ('owner-other-reseller', OWNER, HELD, True),
    ('reseller-own', RESELLER_A, READY, True),
    ('reseller-other', RESELLER_A, HELD, False),
    ('reseller-b-own', RESELLER_B, HELD, True),
    ('reseller-b-other', RESELLER_B, READY, False),
    ('customer-self', customer(READY), READY, True),
    ('customer-other', customer(READY), ENABLED, False),
]


@pytest.mark.parametrize(('who', 'customer_id', 'visible'),
                         [cell[1:] for cell in CUSTOMER_CELLS],
                         ids=[cell[0] for cell in CUSTOMER_CELLS])
@pytest.mark.parametrize('route', range(4), ids=['state', 'options', 'put', 'history'])
def test_customer_routes_answer_only_visible_customers(api, who, customer_id, visible, route):
    method, url, body = customer_routes(customer_id)[route]

    response = api.request(method, url, who=who, json=body)

    if visible and method == 'PUT' and who.get('tier_account_id'):
        # Seen, but customers change nothing unless the provider allows it (CUSTOMERS_MAY_CHANGE).
        assert response.status_code == 403
        assert response.json()['error']['code'] == 'CUSTOMER_CHANGES_DISABLED'
    elif visible and method == 'PUT' and customer_id == HELD:
        # Seen, and refused by Microsoft's rule: another partner holds this customer's overage.
        assert response.status_code == 409
        assert response.json()['error']['code'] == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    elif visible:
        assert response.status_code == 200, response.json()
        payload = response.json()
        assert payload.get('customer', {}).get('id', customer_id) == customer_id
    else:
        assert response.status_code == 404
        assert response.json() == not_found(customer_id)


@pytest.mark.parametrize('who', [RESELLER_A, customer(READY)], ids=['reseller', 'customer'])
def test_a_hidden_customer_answers_exactly_like_an_unknown_one(api, connect, store, who):
    """A customer asking for another id, and a reseller asking for one Connect does not show it
    (conformance: CX-02), are answered before the directory looks anything up: the distributor's
    Connect client is not called (the mocker would fail on it) and nothing is recorded."""
    hidden = ENABLED if who.get('tier_account_id') else HELD

    unknown_answer = api.get(f'/api/customers/{UNKNOWN}/overage', who=who)
    hidden_answer = api.get(f'/api/customers/{hidden}/overage', who=who)

    assert unknown_answer.status_code == hidden_answer.status_code == 404
    assert unknown_answer.json() == not_found(UNKNOWN)
    assert hidden_answer.json() == not_found(hidden)
    assert unknown_answer.headers.keys() == hidden_answer.headers.keys()
    assert store.get_customer(UNKNOWN) is None


def test_a_customer_asking_for_another_is_refused_before_any_lookup(api, sim):
    response = api.get(f'/api/customers/{UNKNOWN}/overage', who=customer(READY))

    assert response.status_code == 404
    assert response.json() == not_found(UNKNOWN)
    assert sim.calls.all() == []  # neither Connect (no mock started) nor Microsoft was asked


@pytest.mark.parametrize(('who', 'expected_ids'), [
    (OWNER, {READY, ENABLED, HELD, 'TA-1000-0000-0004', 'TA-1000-0000-0010', 'TA-1000-0000-0099'}),
    (RESELLER_A, {READY, ENABLED, 'TA-1000-0000-0010', 'TA-1000-0000-0099'}),
    (RESELLER_B, {HELD, 'TA-1000-0000-0004'}),
    (customer(READY), {READY}),
    (customer(UNKNOWN), set()),
], ids=['owner', 'reseller-a', 'reseller-b', 'customer', 'unknown-customer'])
def test_the_customer_list_holds_only_visible_customers(api, who, expected_ids):
    response = api.get('/api/customers', who=who)

    assert response.status_code == 200
    body = response.json()
    assert {item['id'] for item in body['items']} == expected_ids
    assert body['total'] == len(expected_ids)


def asset_payload(customer_id, tier1):
    return {
        'id': READY_ASSET,
        'status': 'active',
        'product': {'id': 'PRD-100-200-300'},
        'params': [{'id': 'ms_customer_id', 'value': demo.READY_CUSTOMER_ID}],
        'tiers': {
            'customer': {'id': customer_id, 'name': 'Ready Corp',
                         'contact_info': {'country': 'us'}},
            'tier1': {'id': tier1},
        },
        'items': [{'id': 'PRD-100-200-300-0001', 'display_name': 'Teams Phone OVG (NCE COM)',
                   'quantity': '1'}],
    }


@pytest.mark.parametrize(('who', 'visible'), [
    (OWNER, True),
    (RESELLER_A, True),
    (RESELLER_B, False),
    (customer(READY), True),
    (customer(ENABLED), False),
], ids=['owner', 'reseller-own', 'reseller-other', 'customer-self', 'customer-other'])
def test_the_asset_route_answers_only_for_visible_customers(api, connect, store, who, visible):
    """A reseller is refused when its own installation client cannot read the subscription,
    before the distributor's client reads it (conformance: CX-02)."""
    if who is not RESELLER_B:
        connect('subscriptions').assets[READY_ASSET].get(
            return_value=asset_payload(READY, RESELLER_A_TIER),
        )

    response = api.get(f'/api/assets/{READY_ASSET}/overage', who=who)

    if visible:
        assert response.status_code == 200, response.json()
        assert response.json()['customer']['id'] == READY
    else:
        assert response.status_code == 404
        assert response.json() == ASSET_NOT_FOUND
    assert (store.seen_at(RESELLER_A_ACCOUNT, READY) is not None) is (who is RESELLER_A)


@pytest.mark.parametrize(('who', 'status'), [
    (OWNER, 200), (RESELLER_A, 200), (customer(READY), 403),
], ids=['owner', 'reseller', 'customer'])
def test_only_the_distributor_and_resellers_list_items(api, connect, who, status):
    if status == 200:
        connect.products['PRD-100-200-300'].get(return_value={'id': 'PRD-100-200-300', 'name': 'M365'})
        connect.products['PRD-100-200-300'].items.filter(
            R().name.ilike('*OVG*') | R().display_name.ilike('*OVG*'),
        ).mock(return_value=[])

    response = api.get('/api/items', params={'product_id': 'PRD-100-200-300'}, who=who)

    assert response.status_code == status
    if status == 403:
        assert response.json() == forbidden('customers cannot list catalogue items', 'customer')
    else:
        assert response.json() == {'items': [], 'total': 0}


@pytest.mark.parametrize(('who', 'status', 'role'), [
    (OWNER, 200, None), (RESELLER_A, 403, 'reseller'), (customer(READY), 403, 'customer'),
], ids=['owner', 'reseller', 'customer'])
def test_only_the_distributor_tests_the_partner_center_connection(api, who, status, role):
    response = api.get('/api/settings/connection', who=who)

    assert response.status_code == status
    if status == 403:
        assert response.json() == forbidden('only the distributor may test the credentials', role)
    else:
        assert response.json() == {'ok': True, 'mode': 'app+user'}


@pytest.mark.parametrize(('method', 'url', 'body'), [
    ('GET', '/api/customers', None),
    *customer_routes(READY),
    ('GET', f'/api/assets/{READY_ASSET}/overage', None),
    ('GET', '/api/items', None),
    ('GET', '/api/settings/connection', None),
    ('GET', '/api/settings', None),
], ids=['list', 'state', 'options', 'put', 'history', 'asset', 'items', 'connection', 'settings'])
@pytest.mark.parametrize('who', [
    VENDOR,
    {'account_id': 'PA-999-999', 'account_role': 'distributor', 'call_type': 'user'},
], ids=['vendor', 'other-distributor'])
def test_anyone_else_is_forbidden_on_every_route(api, sim, method, url, body, who):
    response = api.request(method, url, who=who, json=body)

    assert response.status_code == 403
    expected = FORBIDDEN_VENDOR['error']
    assert response.json()['error'] == {
        **expected, 'details': {'account_id': who['account_id'], 'account_role': who['account_role']},
    }
    assert sim.calls.all() == []


# --- the rules themselves --------------------------------------------------------------------

def context(**values):
    from connect.eaas.core.inject.models import Context

    base = {'extension_id': 'SRVC-1', 'environment_id': 'ENV-1', 'environment_type': 'production',
            'user_id': 'UR-1', 'account_id': None, 'account_role': None, 'call_source': 'ui',
            'call_type': 'user'}
    base.update(values)
    return Context(**base)


@pytest.mark.parametrize(('values', 'expected'), [
    ({'call_type': 'admin', 'account_id': OWNER_ACCOUNT, 'account_role': 'distributor'},
     Caller('owner', OWNER_ACCOUNT)),
    ({'account_id': RESELLER_A_ACCOUNT, 'account_role': 'reseller'},
     Caller('reseller', RESELLER_A_ACCOUNT)),
    ({'account_id': RESELLER_A_ACCOUNT, 'account_role': 'Reseller'},
     Caller('reseller', RESELLER_A_ACCOUNT)),
    # A customer home page is the customer, even when the owner's account serves it.
    ({'call_type': 'admin', 'account_id': OWNER_ACCOUNT, 'tier_account_id': READY},
     Caller('customer', READY)),
    ({'account_id': RESELLER_A_ACCOUNT, 'account_role': 'reseller', 'tier_account_id': READY},
     Caller('customer', READY)),
])
def test_the_caller_comes_from_the_call_context(values, expected):
    assert caller_from_context(context(**values)) == expected


@pytest.mark.parametrize('values', [
    {'account_id': 'VA-1', 'account_role': 'vendor'},
    {'account_id': 'PA-2', 'account_role': 'distributor'},
    {'account_role': 'reseller'},
    {},
])
def test_callers_outside_the_rules_are_forbidden(values):
    with pytest.raises(OverageError) as raised:
        caller_from_context(context(**values))
    assert (raised.value.code, raised.value.http_status) == ('FORBIDDEN', 403)


@pytest.mark.parametrize(('caller', 'visible'), [
    (Caller('owner', 'PA-1'), True),
    (Caller('reseller', 'PA-SHOWN'), True),
    # A reseller's account is never compared with the tier accounts of the chain.
    (Caller('reseller', 'TA-T1'), False),
    (Caller('reseller', 'TA-T2'), False),
    (Caller('reseller', 'PA-OTHER'), False),
    (Caller('reseller', ''), False),
    (Caller('customer', 'TA-C'), True),
    (Caller('customer', 'TA-OTHER'), False),
    (Caller('vendor', 'VA-1'), False),
])
def test_who_may_see_a_customer(caller, visible):
    """conformance: CX-01 (a reseller is its own ``PA-`` account; Connect decides what it sees)."""
    ref = CustomerRef('TA-C', 'tenant', tier1_id='TA-T1', tier2_id='TA-T2',
                      visible_to=frozenset({'PA-SHOWN'}))
    assert may_see(caller, ref) is visible


def test_a_refused_reseller_probe_records_nothing(api, connect, store):
    """A customer Connect does not show reseller A: 404 before the directory is asked (the
    distributor's client is mocked with nothing: a lookup would answer 500), and the customer
    appears in nobody's overview (issue "Nothing leaks", item 4)."""
    probed = 'TA-5000-0000-0001'

    response = api.get(f'/api/customers/{probed}/overage', who=RESELLER_A)

    assert response.status_code == 404
    assert store.get_customer(probed) is None
    assert api.get('/api/customers', who=OWNER).json()['total'] == len(CUSTOMERS)
