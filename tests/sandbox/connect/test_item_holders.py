"""The Connect simulator counts the active subscriptions holding an item as the extension asks it."""
import pytest
import requests
from connect.client import ConnectClient

from connect_ext.customers.holders import count_holders, holders_query
from sandbox.connect.server import ConnectServer
from sandbox.connect.world import DISTRIBUTOR, RESELLER, ConnectWorld


DISTRIBUTOR_KEY = 'ApiKey SU-1:distributor'
RESELLER_KEY = 'ApiKey SU-2:reseller'
PRODUCT = 'PRD-100-200-300'
OVG_ITEM = f'{PRODUCT}-0001'
PLAIN_ITEM = f'{PRODUCT}-0002'
DIRECT_TA = 'TA-0000-0000-0001'
RESELLER_TA = 'TA-0000-0000-0002'


def build_world() -> ConnectWorld:
    world = ConnectWorld()
    world.add_principal(DISTRIBUTOR_KEY, 'PA-000-001', DISTRIBUTOR, name='Distributor')
    world.add_tier_account(DIRECT_TA, 'Direct channel', scopes=('tier1',))
    world.add_tier_account(RESELLER_TA, 'Reseller', scopes=('tier1',))
    world.add_principal(RESELLER_KEY, 'PA-000-002', RESELLER, name='Reseller',
                        tier_account_id=RESELLER_TA)
    world.add_product(PRODUCT, 'NCE Microsoft 365')
    world.add_item(PRODUCT, '0001', 'Teams Phone OVG', mpn='CFQ7TTC0OVG1:0001_P1M:Monthly')
    world.add_item(PRODUCT, '0002', 'Business Standard', mpn='CFQ7TTC0M365:0001_P1Y:Monthly')
    for number in range(1, 6):
        world.add_tier_account(f'TA-{number}', f'Customer {number}')
    # Three active holders (two direct, one of the reseller), one terminated, one without it.
    world.add_asset('AS-1', PRODUCT, customer='TA-1', tier1=DIRECT_TA, items={OVG_ITEM: 1})
    world.add_asset('AS-2', PRODUCT, customer='TA-2', tier1=DIRECT_TA,
                    items={OVG_ITEM: 3, PLAIN_ITEM: 2})
    world.add_asset('AS-3', PRODUCT, customer='TA-3', tier1=RESELLER_TA, items={OVG_ITEM: 1})
    world.add_asset('AS-4', PRODUCT, customer='TA-4', tier1=DIRECT_TA, items={OVG_ITEM: 1},
                    status='terminated')
    world.add_asset('AS-5', PRODUCT, customer='TA-5', tier1=RESELLER_TA, items={PLAIN_ITEM: 1})
    return world


@pytest.fixture(scope='module')
def connect():
    with ConnectServer(build_world()) as server:
        yield server


def client_for(connect, key=DISTRIBUTOR_KEY) -> ConnectClient:
    return ConnectClient(key, endpoint=connect.endpoint, use_specs=False, max_retries=0)


def test_a_count_is_one_limit_zero_call_answered_in_the_content_range(connect):
    """conformance: CX-13 (no rows, the total of the active holders in Content-Range)."""
    connect.calls.clear()

    assert count_holders(client_for(connect), OVG_ITEM) == 3
    assert count_holders(client_for(connect), PLAIN_ITEM) == 2  # AS-2 and the reseller's AS-5

    response = requests.get(
        f'{connect.endpoint}/subscriptions/assets',
        params=f'{holders_query(OVG_ITEM)}&limit=0',
        headers={'Authorization': DISTRIBUTOR_KEY}, timeout=5,
    )
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers['Content-Range'] == 'items 0-0/3'
    counted = connect.calls.matching('GET', '/subscriptions/assets')
    assert len(counted) == 3
    assert 'limit=0' in counted[0].query
    assert counted[0].query.startswith(f'and(eq(items.global_id,{OVG_ITEM}),eq(status,active))')


def test_a_reseller_counts_only_the_subscriptions_connect_shows_it(connect):
    """conformance: CX-13, CX-02."""
    assert count_holders(client_for(connect, RESELLER_KEY), OVG_ITEM) == 1
    assert count_holders(client_for(connect, RESELLER_KEY), PLAIN_ITEM) == 1


def test_an_item_no_active_subscription_holds_counts_zero(connect):
    """conformance: CX-13."""
    assert count_holders(client_for(connect), f'{PRODUCT}-0404') == 0


def test_a_count_connect_refuses_is_unknown_not_zero(connect):
    """conformance: CX-13 (the simulator fails a count with 503 once: the count is None)."""
    connect.faults.fail('GET', '/subscriptions/assets', 503)
    try:
        assert count_holders(client_for(connect), OVG_ITEM) is None
    finally:
        connect.faults.clear()
