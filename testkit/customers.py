"""The Connect customers of the tests' world, each tied to a demo-world Microsoft tenant, and the
store seeded with them (what the web API's customer directory then finds).
"""
from typing import Any, Dict

from connect_ext.overage.facts import CustomerRef
from connect_ext.store import Store
from sandbox.partner_center import demo
from testkit.callers import DISTRIBUTOR_TIER2, RESELLER_A_ACCOUNT, RESELLER_B_ACCOUNT


READY = 'TA-1000-0000-0001'
ENABLED = 'TA-1000-0000-0002'
HELD = 'TA-1000-0000-0003'
NO_AZURE_PLAN = 'TA-1000-0000-0004'
INDIRECT = 'TA-1000-0000-0010'
NO_TENANT = 'TA-1000-0000-0099'
UNKNOWN = 'TA-9999-9999-9999'

# Connect customer -> (tenant id, name, country, tier1, tier2, reseller partner id)
CUSTOMERS: Dict[str, tuple] = {
    READY: (demo.READY_CUSTOMER_ID, 'Ready Corp', 'US', RESELLER_A_ACCOUNT, None, None),
    ENABLED: (demo.ENABLED_CUSTOMER_ID, 'Enabled Ltd', 'GB', RESELLER_A_ACCOUNT, None, None),
    HELD: (demo.HELD_CUSTOMER_ID, 'Held GmbH', 'DE', RESELLER_B_ACCOUNT, None, None),
    NO_AZURE_PLAN: (demo.NO_AZURE_PLAN_CUSTOMER_ID, 'Planless SA', 'FR', RESELLER_B_ACCOUNT, None,
                    None),
    INDIRECT: (demo.RESELLER_CUSTOMER_ID, 'Indirect BV', 'NL', RESELLER_A_ACCOUNT,
               DISTRIBUTOR_TIER2, demo.RESELLER_MPN_ID),
    NO_TENANT: (None, 'Tenantless Inc', 'US', RESELLER_A_ACCOUNT, None, None),
}


def seed(store: Store) -> None:
    """Record :data:`CUSTOMERS` in ``store``, each with one OVG subscription."""
    for customer_id, (tenant, name, country, tier1, tier2, mpn) in CUSTOMERS.items():
        store.upsert_customer(
            customer_id, tenant_id=tenant, name=name, country=country, tier1_id=tier1,
            tier2_id=tier2, reseller_mpn=mpn, ovg_subscription_count=1,
        )


def customer_ref(tenant_id, customer_id='TA-0001-0001-0001', **extra: Any) -> CustomerRef:
    """A customer as the overage service is handed it (a direct customer of reseller
    ``TA-RES-0001`` unless ``extra`` says otherwise)."""
    values = {
        'customer_id': customer_id, 'tenant_id': tenant_id, 'name': 'Demo customer',
        'country': 'US', 'tier1_id': 'TA-RES-0001', 'tier2_id': None,
    }
    values.update(extra)
    return CustomerRef(**values)
