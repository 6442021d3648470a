"""The Connect simulator answers connect-openapi-client exactly as the real API would."""
import pytest
import requests
from connect.client import ClientError, ConnectClient, R

from sandbox.connect.server import ConnectServer
from sandbox.connect.world import CUSTOMER, DISTRIBUTOR, RESELLER, ConnectWorld


DISTRIBUTOR_KEY = 'ApiKey SU-1:distributor'
RESELLER_KEY = 'ApiKey SU-2:reseller'
CUSTOMER_KEY = 'ApiKey SU-3:customer'
PRODUCT = 'PRD-100-200-300'
OVG_ITEM = f'{PRODUCT}-0001'
PLAIN_ITEM = f'{PRODUCT}-0002'
RESELLER_TA = 'TA-0000-0000-0002'
BULK = 7  # extra customers, to page over


def build_world() -> ConnectWorld:
    world = ConnectWorld()
    world.add_principal(DISTRIBUTOR_KEY, 'PA-000-001', DISTRIBUTOR, name='Distributor')
    world.add_tier_account('TA-0000-0000-0001', 'Direct channel', scopes=('tier1',))
    world.add_tier_account(RESELLER_TA, 'Reseller', scopes=('tier1',))
    world.add_principal(RESELLER_KEY, 'PA-000-002', RESELLER, name='Reseller',
                        tier_account_id=RESELLER_TA)
    world.add_product(PRODUCT, 'NCE Microsoft 365')
    world.add_item(PRODUCT, '0001', 'Teams Phone OVG', mpn='CFQ7TTC0OVG1:0001_P1M:Monthly',
                   display_name='Teams Phone (NCE COM OVG 1MO)')
    world.add_item(PRODUCT, '0002', 'Business Standard', mpn='CFQ7TTC0M365:0001_P1Y:Monthly')
    world.add_tier_config(RESELLER_TA, PRODUCT, params={'tier1_mpn': '4820002'},
                          config_id='TC-000-000-001')
    world.add_tier_account('TA-1', 'Contoso', country='us')
    world.add_tier_account('TA-2', 'Wingtip', country='DE')
    world.add_principal(CUSTOMER_KEY, 'TA-1', CUSTOMER, name='Contoso', tier_account_id='TA-1')
    world.add_asset('AS-1', PRODUCT, customer='TA-1', tier1='TA-0000-0000-0001',
                    items={OVG_ITEM: 25, PLAIN_ITEM: 5}, params={'ms_customer_id': 'tenant-1'})
    world.add_asset('AS-2', PRODUCT, customer='TA-2', tier1=RESELLER_TA,
                    items={PLAIN_ITEM: 1}, status='terminated')
    for number in range(BULK):
        world.add_tier_account(f'TA-9{number:03d}', f'Bulk customer {number}')
    world.add_request('AS-1', 'purchase', request_id='PR-1-001')
    world.add_request('AS-2', 'cancel', status='approved', request_id='PR-2-001')
    return world


@pytest.fixture(scope='module')
def connect():
    with ConnectServer(build_world()) as server:
        yield server


@pytest.fixture
def calls(connect):
    connect.calls.clear()
    connect.faults.clear()
    yield connect.calls
    connect.faults.clear()


def client_for(connect, key=DISTRIBUTOR_KEY) -> ConnectClient:
    return ConnectClient(key, endpoint=connect.endpoint, use_specs=False, max_retries=0)


def test_assets_filtered_by_customer_as_the_client_writes_it(connect, calls):
    client = client_for(connect)
    found = list(client('subscriptions').assets.filter(R().tiers.customer.id.eq('TA-1')))
    assert [asset['id'] for asset in found] == ['AS-1']
    assert calls.all()[-1].query.startswith('eq(tiers.customer.id,TA-1)')
    same = list(client.assets.filter(tiers__customer__id='TA-1', status__in=('active',)))
    assert [asset['id'] for asset in same] == ['AS-1']


def test_an_asset_holds_connects_shape(connect, calls):
    asset = client_for(connect)('subscriptions').assets['AS-1'].get()
    assert asset['tiers']['customer']['contact_info']['country'] == 'US'
    item = next(item for item in asset['items'] if item['id'] == OVG_ITEM)
    assert item['display_name'] == 'Teams Phone (NCE COM OVG 1MO)'
    assert 'name' not in item  # asset items carry no name in Connect
    assert (item['quantity'], item['item_type'], item['period']) == (25.0, 'reservation', 'monthly')
    assert {'id': 'ms_customer_id', 'value': 'tenant-1'}.items() <= asset['params'][0].items()


def test_request_items_use_strings_and_capitals_like_connects_requests(connect, calls):
    request = client_for(connect).requests['PR-1-001'].get()
    assert (request['type'], request['status']) == ('purchase', 'pending')
    assert request['asset']['status'] == 'processing'
    item = next(item for item in request['asset']['items'] if item['id'] == OVG_ITEM)
    assert (item['quantity'], item['old_quantity'], item['item_type']) == ('25', '0', 'Reservation')
    cancel = client_for(connect).requests['PR-2-001'].get()
    assert cancel['asset']['items'][0]['quantity'] == '0'
    pending = list(client_for(connect).requests.filter(R().asset.tiers.customer.id.eq('TA-1'),
                                                       status='pending'))
    assert [r['id'] for r in pending] == ['PR-1-001']


def test_paging_walks_every_page_and_count_reads_the_content_range(connect, calls):
    client = client_for(connect)
    accounts = list(client('tier').accounts.all().limit(3))
    assert len(accounts) == 4 + BULK
    assert len([call for call in calls.all() if call.path.endswith('/tier/accounts')]) == 4
    assert client('tier').accounts.all().count() == 4 + BULK
    assert client('tier').accounts.filter(R().name.ilike('bulk*')).count() == BULK
    response = requests.get(f'{connect.endpoint}/tier/accounts?limit=2&offset=2',
                            headers={'Authorization': DISTRIBUTOR_KEY}, timeout=5)
    assert response.headers['Content-Range'] == f'items 2-3/{4 + BULK}'
    assert len(response.json()) == 2


def test_ordering_and_slicing_follow_the_client(connect, calls):
    client = client_for(connect)
    last_three = client('tier').accounts.filter(R().name.ilike('bulk*')).order_by('-id')[0:3]
    assert [account['id'] for account in last_three] == ['TA-9006', 'TA-9005', 'TA-9004']
    assert client('tier').accounts.all().search('wingtip').first()['id'] == 'TA-2'


def test_catalogue_items_filter_on_display_name(connect, calls):
    client = client_for(connect)
    items = list(client.products[PRODUCT].items.filter(R().display_name.ilike('*OVG*')))
    assert [item['id'] for item in items] == [OVG_ITEM]
    assert client.products[PRODUCT].items[PLAIN_ITEM].get()['name'] == 'Business Standard'
    assert client.products[PRODUCT].get()['name'] == 'NCE Microsoft 365'


def test_tier_config_of_the_reseller_holds_its_partner_id(connect, calls):
    query = R().account.id.eq(RESELLER_TA) & R().product.id.eq(PRODUCT)
    config = client_for(connect)('tier').configs.filter(query).first()
    assert config['id'] == 'TC-000-000-001'
    assert [(p['id'], p['value']) for p in config['params']] == [('tier1_mpn', '4820002')]


def test_a_request_conversation_takes_and_lists_messages(connect, calls):
    client = client_for(connect)
    conversation = client.conversations.filter(instance_id='PR-1-001').first()
    assert conversation['instance_id'] == 'PR-1-001'
    posted = client.conversations[conversation['id']].messages.create(payload={'text': 'A note'})
    assert (posted['text'], posted['account']['id']) == ('A note', 'PA-000-001')
    listed = list(client.conversations[conversation['id']].messages.all())
    assert [message['id'] for message in listed][-1] == posted['id']
    assert connect.world.notes_of('PR-1-001')[-1]['text'] == 'A note'


def test_a_private_message_is_read_by_its_authors_account_only(connect, calls):
    """conformance: CX-09."""
    client = client_for(connect)
    conversation = client.conversations.filter(instance_id='PR-2-001').first()
    private = client.conversations[conversation['id']].messages.create(
        payload={'text': 'Only ours', 'type': 'private'},
    )
    shared = client.conversations[conversation['id']].messages.create(
        payload={'text': 'Everyone', 'type': 'message'},
    )
    reseller = client_for(connect, RESELLER_KEY)

    seen = [m['id'] for m in reseller.conversations[conversation['id']].messages.all()]
    assert private['type'] == 'private'
    assert shared['id'] in seen
    assert private['id'] not in seen
    assert private['id'] in [m['id'] for m in client.conversations[conversation['id']].messages.all()]
    with pytest.raises(ClientError) as raised:
        client.conversations[conversation['id']].messages.create(payload={'text': 'x', 'type': 'loud'})
    assert raised.value.status_code == 400


def test_a_reseller_key_sees_only_its_own_chain(connect, calls):
    """conformance: CX-01, CX-02 (the reseller's own PA- account, shown its tier account's chains)."""
    client = client_for(connect, RESELLER_KEY)
    assert [a['id'] for a in client.assets.all()] == ['AS-2']
    assert {a['id'] for a in client('tier').accounts.all()} == {RESELLER_TA, 'TA-2'}
    with pytest.raises(ClientError) as raised:
        client.assets['AS-1'].get()
    assert raised.value.status_code == 404
    assert client.conversations.filter(instance_id='PR-1-001').count() == 0
    assert [c['id'] for c in client('tier').configs.all()] == ['TC-000-000-001']


def test_a_customer_key_sees_only_its_own_subscriptions(connect, calls):
    client = client_for(connect, CUSTOMER_KEY)
    assert [a['id'] for a in client.assets.all()] == ['AS-1']
    assert [a['id'] for a in client('tier').accounts.all()] == ['TA-1']
    assert client('tier').configs.all().count() == 0


@pytest.mark.parametrize(('call', 'status', 'code', 'message'), [
    (lambda c: c.assets['AS-404'].get(), 404, 'OBJ_404', 'Object AS-404 not found.'),
    (lambda c: c.products['PRD-404'].items.all().count(), 404, 'OBJ_404',
     'Object PRD-404 not found.'),
    (lambda c: list(c.assets.filter(R().unknown.eq(1))), 400, 'RQL_001',
     'Filtering by unknown is not supported.'),
    (lambda c: c.assets.all().limit(5000).first(), 200, None, None),
    (lambda c: c.conversations['CO-404'].messages.create(payload={'text': 'x'}), 404, 'OBJ_404',
     'Object CO-404 not found.'),
    (lambda c: c.collection('nothing-here').all().count(), 404, 'API_404',
     'No such endpoint: /connect/public/v1/nothing-here'),
])
def test_errors_have_connects_shape_and_reach_the_client_as_client_error(
        connect, calls, call, status, code, message):
    client = client_for(connect)
    if status == 200:
        assert call(client)['id']  # limit is only applied to a page; first() asks for one
        return
    with pytest.raises(ClientError) as raised:
        call(client)
    assert (raised.value.status_code, raised.value.error_code) == (status, code)
    assert raised.value.errors == [message]


def test_an_empty_message_is_refused_with_a_validation_error(connect, calls):
    client = client_for(connect)
    conversation = client.conversations.filter(instance_id='PR-2-001').first()
    with pytest.raises(ClientError) as raised:
        client.conversations[conversation['id']].messages.create(payload={'text': '  '})
    assert (raised.value.status_code, raised.value.error_code) == (400, 'VAL_001')


def test_a_too_large_page_is_refused(connect, calls):
    response = requests.get(f'{connect.endpoint}/assets?limit=5000',
                            headers={'Authorization': DISTRIBUTOR_KEY}, timeout=5)
    assert response.status_code == 400
    assert response.json() == {'error_code': 'RQL_001',
                               'errors': ['limit must be between 0 and 1000, not 5000.']}


def test_without_a_known_api_key_every_call_is_unauthorized(connect, calls):
    with pytest.raises(ClientError) as raised:
        client_for(connect, 'ApiKey SU-9:unknown').assets.all().count()
    assert (raised.value.status_code, raised.value.error_code) == (401, 'AUTH_001')
    response = requests.get(f'{connect.endpoint}/assets', timeout=5)
    assert response.status_code == 401
    assert calls.all()[-1].account_id is None


def test_injected_faults_answer_once_then_the_api_works_again(connect, calls):
    connect.faults.fail('GET', '/assets', 503, error_code='SIM_503', message='Down for a moment')
    client = client_for(connect)
    with pytest.raises(ClientError) as raised:
        client.assets.all().count()
    assert (raised.value.status_code, raised.value.errors) == (503, ['Down for a moment'])
    assert client.assets.all().count() == 2
    assert [call.status for call in calls.matching('GET', '/assets')] == [503, 200]


def test_approving_a_request_applies_it_to_the_asset():
    world = build_world()
    world.add_request('AS-1', 'change', request_id='PR-1-002',
                      items={OVG_ITEM: (30, 25), 'PRD-100-200-300-0002': (5, 5)})
    world.set_request_status('PR-1-002', 'approved')
    quantities = {item['id']: item['quantity'] for item in world.assets['AS-1']['items']}
    assert quantities[OVG_ITEM] == 30.0
    world.add_request('AS-1', 'cancel', request_id='PR-1-003')
    approved = world.set_request_status('PR-1-003', 'approved')
    assert world.assets['AS-1']['status'] == 'terminated'
    assert approved['asset']['status'] == 'terminated'


def test_the_builder_refuses_what_connect_cannot_hold():
    world = ConnectWorld()
    with pytest.raises(ValueError):
        world.add_principal('k', 'PA-1', 'vendor')
    with pytest.raises(ValueError):
        world.add_principal('k', 'TA-1', RESELLER)
    world.add_tier_account('TA-1', 'A')
    world.add_product(PRODUCT, 'P')
    world.add_item(PRODUCT, '0001', 'I', mpn='M')
    world.add_asset('AS-1', PRODUCT, customer='TA-1', tier1='TA-1', items={OVG_ITEM: 1})
    with pytest.raises(ValueError):
        world.add_request('AS-1', 'upgrade')
