"""The customer directory: the store first, then Connect (assets, tier configs), remembered."""
import pytest
from connect.client import ClientError, R

from connect_ext.customers.directory import CustomerDirectory, pick_asset
from connect_ext.overage.facts import CustomerRef
from testkit.callers import RESELLER_A_ACCOUNT
from testkit.customers import READY


NEW = 'TA-4000-0000-0001'
TENANT = 'a1b2c3d4-0000-4000-8000-00000000abcd'
OTHER_TENANT = 'a1b2c3d4-0000-4000-8000-00000000ef01'
TIER2 = 'TA-8000-0000-0001'
PRODUCT = 'PRD-561-716-033'


def asset(asset_id='AS-4000-0000-0001', *, status='active', tenant=TENANT, tier2=None,
          param='ms_customer_id', items=()):
    tiers = {
        'customer': {'id': NEW, 'name': 'New Customer Ltd', 'contact_info': {'country': 'pl'}},
        'tier1': {'id': RESELLER_A_ACCOUNT, 'name': 'Reseller A'},
    }
    if tier2:
        tiers['tier2'] = {'id': tier2}
    return {
        'id': asset_id, 'status': status, 'product': {'id': PRODUCT},
        'params': [{'id': param, 'value': tenant}] if tenant else [],
        'tiers': tiers, 'items': list(items),
    }


@pytest.fixture
def directory(store, connect_client, settings):
    return CustomerDirectory(store, connect_client, settings)


def mock_tier_configs(connect, configs=(), tier1=RESELLER_A_ACCOUNT, **kwargs):
    """The tier-1 account's configurations as the directory asks for them (conformance: CX-05)."""
    connect('tier').configs.filter(
        R().account.id.eq(tier1) & R().product.id.eq(PRODUCT) & R().tier_level.eq(1)
        & R().status.oneof(['active', 'processing']),
    ).mock(return_value=list(configs) if not kwargs else configs, **kwargs)


def mock_assets(connect, customer_id, assets, **kwargs):
    connect('subscriptions').assets.filter(R().tiers.customer.id.eq(customer_id)).mock(
        return_value=assets, **kwargs,
    )


def test_a_complete_stored_customer_needs_no_connect(directory, connect):
    ref = directory.customer(READY)  # the mocker has nothing registered: a call would fail

    assert ref.customer_id == READY
    assert ref.tenant_id == 'c0570000-0000-4000-8000-000000000001'


def test_an_unknown_customer_is_read_from_connect_and_remembered(directory, connect, store):
    mock_assets(connect, NEW, [
        asset('AS-1', status='terminated', tenant=OTHER_TENANT),
        asset('AS-2', status='active', tenant=None),
        asset('AS-3', status='active', tenant=TENANT.upper()),
    ])
    mock_tier_configs(connect)

    ref = directory.customer(NEW)

    assert ref == CustomerRef(NEW, TENANT, 'New Customer Ltd', 'PL', RESELLER_A_ACCOUNT, None, None)
    record = store.get_customer(NEW)
    assert (record.tenant_id, record.tier1_id, record.country) == (TENANT, RESELLER_A_ACCOUNT, 'PL')
    assert directory.customer(NEW) == ref  # second time from the store (no mock left to answer)


@pytest.mark.parametrize('tier2', [None, TIER2], ids=['one-tier', 'two-tier'])
def test_the_tier_1_resellers_partner_id_comes_from_its_tier_config(
        directory, connect, store, tier2):
    """Tier 1 is the account one step above the customer, with or without a tier 2; an active
    configuration wins over one being processed (conformance: CX-05)."""
    mock_assets(connect, NEW, [asset(tier2=tier2)])
    mock_tier_configs(connect, [
        {'id': 'TC-2', 'status': 'processing', 'params': [{'id': 'tier1_mpn', 'value': '1111111'}]},
        {'id': 'TC-1', 'status': 'active', 'params': [{'id': 'tier1_mpn', 'value': ' 7654321 '}]},
    ])

    ref = directory.customer(NEW)

    assert (ref.tier2_id, ref.reseller_mpn) == (tier2, '7654321')
    record = store.get_customer(NEW)
    assert (record.reseller_mpn, record.reseller_mpn_checked_at is not None) == ('7654321', True)
    assert directory.customer(NEW) == ref  # from the store: the mocks answer once


def test_a_changed_tier_config_is_read_again_and_its_new_value_wins(directory, connect, store):
    """conformance: CX-06."""
    store.upsert_customer(NEW, tenant_id=TENANT, tier1_id=RESELLER_A_ACCOUNT, reseller_mpn='1',
                          reseller_mpn_checked_at=store.now())
    assert directory.tier_config_changed(RESELLER_A_ACCOUNT) == 1
    mock_assets(connect, NEW, [asset()])
    mock_tier_configs(connect, [])

    ref = directory.customer(NEW)

    assert ref.reseller_mpn is None
    assert store.get_customer(NEW).reseller_mpn is None


def test_an_unreadable_tier_config_leaves_the_partner_id_unknown_and_asks_again(
        directory, connect, store):
    mock_assets(connect, NEW, [asset(tier2=TIER2)])
    mock_tier_configs(connect, {'error_code': 'AUTH_001', 'errors': ['no']}, status_code=403)

    ref = directory.customer(NEW)

    assert (ref.tenant_id, ref.reseller_mpn) == (TENANT, None)
    assert store.get_customer(NEW).reseller_mpn_checked_at is None


def test_a_stored_customer_without_tenant_is_completed_from_connect(directory, connect, store):
    store.upsert_customer(NEW, name='Known Name', tier1_id=RESELLER_A_ACCOUNT)
    mock_assets(connect, NEW, [asset(param='microsoft_tenant_id')])
    mock_tier_configs(connect)

    ref = directory.customer(NEW)

    assert ref.tenant_id == TENANT
    assert ref.name == 'New Customer Ltd'  # Connect's current name wins


def test_connect_failing_falls_back_to_what_the_store_knows(directory, connect, store):
    store.upsert_customer(NEW, name='Known Name', tier1_id=RESELLER_A_ACCOUNT)
    mock_assets(connect, NEW, {'error_code': 'X', 'errors': ['down']}, status_code=500)

    ref = directory.customer(NEW)

    assert (ref.customer_id, ref.name, ref.tenant_id) == (NEW, 'Known Name', None)


def test_connect_failing_for_an_unknown_customer_is_an_error(directory, connect):
    mock_assets(connect, NEW, {'error_code': 'X', 'errors': ['down']}, status_code=500)

    with pytest.raises(ClientError):
        directory.customer(NEW)


def test_a_customer_without_subscriptions_is_unknown(directory, connect, store):
    mock_assets(connect, NEW, [])

    assert directory.customer(NEW) is None
    assert store.get_customer(NEW) is None


def test_an_asset_leads_to_its_customer_and_is_remembered_when_ovg(directory, connect, store):
    connect('subscriptions').assets['AS-4000-0000-0001'].get(return_value=asset(
        items=[{'id': 'I-1', 'display_name': 'Teams Phone OVG (NCE)', 'quantity': '1'}],
    ))

    ref = directory.asset_customer('AS-4000-0000-0001')

    assert (ref.customer_id, ref.tenant_id) == (NEW, TENANT)
    assert store.get_customer(NEW).ovg_asset_ids == ('AS-4000-0000-0001',)


def test_an_asset_without_tenant_id_borrows_the_known_one(directory, connect, store):
    store.upsert_customer(NEW, tenant_id=OTHER_TENANT, tier1_id=RESELLER_A_ACCOUNT)
    connect('subscriptions').assets['AS-4000-0000-0002'].get(
        return_value=asset('AS-4000-0000-0002', tenant=None, items=[{'display_name': 'M365 E3'}]),
    )

    ref = directory.asset_customer('AS-4000-0000-0002')

    assert ref.tenant_id == OTHER_TENANT
    assert store.get_customer(NEW).ovg_asset_ids == ()


def test_an_unknown_asset_is_none(directory, connect):
    connect('subscriptions').assets['AS-0'].get(status_code=404, return_value={
        'error_code': 'ASSET_001', 'errors': ['not found'],
    })

    assert directory.asset_customer('AS-0') is None


def test_pick_asset_prefers_a_tenant_id_then_an_active_one():
    params = ('ms_customer_id',)
    assets = [asset('AS-1', status='active', tenant=None),
              asset('AS-2', status='terminated', tenant=OTHER_TENANT),
              asset('AS-3', status='active', tenant=TENANT)]

    assert pick_asset(assets, params)['id'] == 'AS-3'
    assert pick_asset(assets[:2], params)['id'] == 'AS-2'
    assert pick_asset([], params) is None
