"""The Connect customers of the tests' world, each tied to a demo-world Microsoft tenant, and the
store seeded with them (what the web API's customer directory then finds).
"""
from typing import Any, Dict

from connect_ext.overage.facts import CustomerRef
from connect_ext.store import Store
from sandbox.partner_center import demo
from testkit.callers import (
    DISTRIBUTOR_TIER2,
    RESELLER_A_ACCOUNT,
    RESELLER_A_API_KEY,
    RESELLER_A_TIER,
    RESELLER_B_ACCOUNT,
    RESELLER_B_API_KEY,
    RESELLER_B_TIER,
)


READY = 'TA-1000-0000-0001'
ENABLED = 'TA-1000-0000-0002'
HELD = 'TA-1000-0000-0003'
NO_AZURE_PLAN = 'TA-1000-0000-0004'
INDIRECT = 'TA-1000-0000-0010'
NO_TENANT = 'TA-1000-0000-0099'
UNKNOWN = 'TA-9999-9999-9999'

# Connect customer -> (tenant id, name, country, tier1, tier2, reseller partner id)
CUSTOMERS: Dict[str, tuple] = {
    READY: (demo.READY_CUSTOMER_ID, 'Ready Corp', 'US', RESELLER_A_TIER, None, None),
    ENABLED: (demo.ENABLED_CUSTOMER_ID, 'Enabled Ltd', 'GB', RESELLER_A_TIER, None, None),
    HELD: (demo.HELD_CUSTOMER_ID, 'Held GmbH', 'DE', RESELLER_B_TIER, None, None),
    NO_AZURE_PLAN: (demo.NO_AZURE_PLAN_CUSTOMER_ID, 'Planless SA', 'FR', RESELLER_B_TIER, None,
                    None),
    INDIRECT: (demo.RESELLER_CUSTOMER_ID, 'Indirect BV', 'NL', RESELLER_A_TIER,
               DISTRIBUTOR_TIER2, demo.RESELLER_MPN_ID),
    NO_TENANT: (None, 'Tenantless Inc', 'US', RESELLER_A_TIER, None, None),
}


def seed(store: Store) -> None:
    """Record :data:`CUSTOMERS` in ``store``, each with one OVG subscription."""
    for customer_id, (tenant, name, country, tier1, tier2, mpn) in CUSTOMERS.items():
        store.upsert_customer(
            customer_id, tenant_id=tenant, name=name, country=country, tier1_id=tier1,
            tier2_id=tier2, reseller_mpn=mpn, ovg_subscription_count=1,
            # As the directory leaves them once it looked the partner id up in Connect.
            reseller_mpn_checked_at=store.now(),
        )


# The product of the tests' Connect subscriptions.
PRODUCT_ID = 'PRD-100-200-300'


def asset_of(customer_id: str) -> str:
    """The OVG subscription of one of :data:`CUSTOMERS` in :func:`connect_world`."""
    return 'AS-' + customer_id[3:]


def connect_world():
    """Connect as the tests' resellers see it: :data:`CUSTOMERS` each with one OVG subscription
    bought through its tier-1 (and tier-2) account, and the two resellers' own accounts with
    their installation API keys (conformance: CX-01, CX-02)."""
    from sandbox.connect.world import DISTRIBUTOR, RESELLER, ConnectWorld
    from testkit.callers import OWNER_ACCOUNT

    world = ConnectWorld(provider=(OWNER_ACCOUNT, 'ACME'))
    world.add_principal('ApiKey SU-000:XXX', OWNER_ACCOUNT, DISTRIBUTOR, name='ACME')
    for tier, name in ((RESELLER_A_TIER, 'Reseller A'), (RESELLER_B_TIER, 'Reseller B'),
                       (DISTRIBUTOR_TIER2, 'Distributor tier 2')):
        world.add_tier_account(tier, name, scopes=('tier1', 'tier2'))
    for account, key, tier, name in ((RESELLER_A_ACCOUNT, RESELLER_A_API_KEY, RESELLER_A_TIER, 'A'),
                                     (RESELLER_B_ACCOUNT, RESELLER_B_API_KEY, RESELLER_B_TIER, 'B')):
        principal = world.add_principal(key, account, RESELLER, name=f'Reseller {name}',
                                        tier_account_id=tier)
        world.add_installation('EIN-700-00' + account[-1], principal)
    world.add_product(PRODUCT_ID, 'NCE Microsoft 365')
    world.add_item(PRODUCT_ID, '0001', 'Teams Phone OVG', mpn='CFQ7TTC0J1FV:0001_P1M:Monthly',
                   display_name='Teams Phone OVG (NCE COM)')
    for customer_id, (tenant, name, country, tier1, tier2, _mpn) in CUSTOMERS.items():
        world.add_tier_account(customer_id, name, country=country)
        world.add_asset(asset_of(customer_id), PRODUCT_ID, customer=customer_id, tier1=tier1,
                        tier2=tier2, items={f'{PRODUCT_ID}-0001': 1},
                        params={'ms_customer_id': tenant} if tenant else {})
    return world


def customer_ref(tenant_id, customer_id='TA-0001-0001-0001', **extra: Any) -> CustomerRef:
    """A customer as the overage service is handed it (a direct customer of reseller
    ``TA-RES-0001`` unless ``extra`` says otherwise)."""
    values = {
        'customer_id': customer_id, 'tenant_id': tenant_id, 'name': 'Demo customer',
        'country': 'US', 'tier1_id': 'TA-RES-0001', 'tier2_id': None,
    }
    values.update(extra)
    return CustomerRef(**values)
