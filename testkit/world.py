"""Benchmark-sized worlds: numbered customers in both simulators, and their rows in the store.

Customer ``number`` has a stable tenant id, Azure plan, Azure subscriptions (entitlements) and
Connect tier account, so a run can be read in the simulators' logs and repeated.
"""
from datetime import UTC, datetime
from typing import Any, Dict, Optional, Sequence

from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.store import Store
from connect_ext.vocabulary import OWNER
from sandbox.partner_center import demo
from sandbox.partner_center.world import World


# ------------------------------------------------------------------------------------ ids


def guid(kind: int, number: int) -> str:
    """A stable GUID per kind of object and number (readable in the simulator's logs)."""
    return f'{kind:08x}-0000-4000-8000-{number:012x}'


TENANT, PLAN, ENTITLEMENT, OVG_SUBSCRIPTION = 0xC0570BE0, 0xB1A70BE0, 0xE0710BE0, 0x5B5C0BE0


def tenant_id(number: int) -> str:
    return guid(TENANT, number)


def plan_id(number: int) -> str:
    return guid(PLAN, number)


def entitlement_id(number: int, index: int = 0) -> str:
    return guid(ENTITLEMENT, number * 16 + index)


def customer_id(number: int) -> str:
    """The Connect tier account id of customer ``number``."""
    return f'TA-{number // 10**8 % 10**4:04d}-{number // 10**4 % 10**4:04d}-{number % 10**4:04d}'


def asset_id(number: int, index: int = 0) -> str:
    """The Connect subscription (asset) ``index`` of customer ``number``."""
    return f'AS-{number // 10**4 % 10**4:04d}-{number % 10**4:04d}-{index:04d}'


# The extension's owner in these worlds: the sandbox's distributor account.
OWNER_CALLER = Caller(role=OWNER, account_id='PA-000-001')


def customer_ref(number: int, **extra: Any) -> CustomerRef:
    """Customer ``number`` as the service is handed it."""
    values = {'customer_id': customer_id(number), 'tenant_id': tenant_id(number),
              'name': f'Benchmark customer {number}', 'country': 'US', 'tier1_id': 'TA-0000-0000-0001'}
    values.update(extra)
    return CustomerRef(**values)


# ------------------------------------------------------------------------------------ Partner Center


def distributor_world(**world_options: Any) -> World:
    """A Partner Center world with the demo distributor (its app, Admin Agent) and OVG SKU."""
    world = World(**world_options)
    world.add_partner(
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_MPN_ID, demo.DISTRIBUTOR_NAME,
        client_id=demo.DISTRIBUTOR_CLIENT_ID, client_secret=demo.DISTRIBUTOR_CLIENT_SECRET,
        refresh_token=demo.DISTRIBUTOR_REFRESH_TOKEN,
    )
    world.add_sku(demo.OVG_PRODUCT_ID, demo.OVG_SKU_ID, demo.OVG_OFFER_NAME,
                  consumption_type='overage')
    return world


def add_ready_customer(world: World, number: int, *, entitlements: int = 2) -> None:
    """A customer that may get overage: our OVG subscription, our Azure plan with
    ``entitlements`` active Azure subscriptions, overage never set."""
    tenant = tenant_id(number)
    world.add_customer(tenant, f'Benchmark customer {number}')
    world.add_subscription(tenant, demo.DISTRIBUTOR_TENANT_ID, demo.OVG_OFFER_ID,
                           demo.OVG_OFFER_NAME, consumption_type='overage', quantity=10,
                           subscription_id=guid(OVG_SUBSCRIPTION, number))
    plan = world.add_azure_plan(tenant, demo.DISTRIBUTOR_TENANT_ID, subscription_id=plan_id(number))
    for index in range(entitlements):
        world.add_entitlement(tenant, plan, name=f'Azure subscription {index + 1}',
                              entitlement_id=entitlement_id(number, index))


def ready_world(customers: int, *, entitlements: int = 2, **world_options: Any) -> World:
    """The distributor's world with customers 1..``customers``, each ready for overage."""
    world = distributor_world(**world_options)
    for number in range(1, customers + 1):
        add_ready_customer(world, number, entitlements=entitlements)
    return world


# ------------------------------------------------------------------------------------ Connect


def connect_world(customers: Sequence[int]):
    """The Connect side of the numbered customers: the sandbox's distributor (API key,
    installation), its Microsoft 365 product with OVG items, and per customer a tier account."""
    from sandbox import seed
    from sandbox.connect.world import DISTRIBUTOR, ConnectWorld

    world = ConnectWorld(provider=(seed.DISTRIBUTOR_ACCOUNT_ID, demo.DISTRIBUTOR_NAME))
    distributor = world.add_principal(seed.DISTRIBUTOR_API_KEY, seed.DISTRIBUTOR_ACCOUNT_ID,
                                      DISTRIBUTOR, name=demo.DISTRIBUTOR_NAME)
    world.add_installation(seed.DISTRIBUTOR_INSTALLATION_ID, distributor)
    world.add_tier_account(seed.DIRECT_TIER_ACCOUNT_ID, 'Direct channel', scopes=('tier1',))
    world.add_product(seed.M365_PRODUCT_ID, seed.M365_PRODUCT_NAME)
    for local_id, name, display_name, mpn in seed.M365_ITEMS:
        world.add_item(seed.M365_PRODUCT_ID, local_id, name, display_name=display_name, mpn=mpn)
    for number in customers:
        world.add_tier_account(customer_id(number), f'Benchmark customer {number}')
    return world


def add_ovg_purchase(world, number: int, index: int) -> Dict[str, Any]:
    """A pending purchase of a new subscription with an OVG item for customer ``number``."""
    from sandbox import seed

    asset = asset_id(number, index)
    world.add_asset(asset, seed.M365_PRODUCT_ID, customer=customer_id(number),
                    tier1=seed.DIRECT_TIER_ACCOUNT_ID, status='processing',
                    items={seed.OVG_MONTHLY_ITEM_ID: 5, seed.BUSINESS_STANDARD_ITEM_ID: 5},
                    params={'ms_customer_id': tenant_id(number)})
    return world.add_request(asset, 'purchase', status='pending')


# ------------------------------------------------------------------------------------ the store


def customer_row(number: int, *, name: Optional[str] = None, status: str = 'unknown',
                 now: Optional[datetime] = None, **extra: Any) -> Dict[str, Any]:
    """A row of the ``customers`` table, every column the store itself would fill."""
    from connect_ext.store.models import search_key

    now = now or datetime.now(UTC)
    name = name or f'Benchmark customer {number}'
    row = {
        'customer_id': customer_id(number), 'tenant_id': tenant_id(number), 'name': name,
        'search_name': search_key(name), 'country': 'US', 'tier1_id': 'TA-0000-0000-0001',
        'tier2_id': None, 'reseller_mpn': None, 'ovg_subscription_count': 1,
        'ovg_asset_ids': [], 'overage_status': status, 'azure_entitlement_id': None,
        'overage_partner_id': None, 'flags': [], 'checked_at': None, 'sync_claimed_until': None,
        # The reseller's partner id was looked up (there is none: a direct sale).
        'reseller_mpn_checked_at': now,
        'sync_claimed_by': None, 'created_at': now, 'updated_at': now, 'version': 1,
    }
    row.update(extra)
    return row


def bulk_insert_customers(store: Store, rows: Sequence[Dict[str, Any]], chunk: int = 5000) -> None:
    """One multi-row INSERT per ``chunk`` rows through SQLAlchemy Core (executemany), not
    ``upsert_customer`` one by one; the word search's rows (``customer_words``) with them, as the
    store writes them for each name."""
    from connect_ext.store.models import Customer, CustomerWord
    from connect_ext.store.words import word_rows

    table = Customer.__table__
    with store.engine.begin() as connection:
        for start in range(0, len(rows), chunk):
            part = list(rows[start:start + chunk])
            connection.execute(table.insert(), part)
            words = [word for row in part
                     for word in word_rows(row['customer_id'], row.get('search_name') or '')]
            if words:
                connection.execute(CustomerWord.__table__.insert(), words)


def bulk_insert_customer_accounts(store: Store, account_id: str, customer_ids: Sequence[str],
                                  chunk: int = 5000) -> None:
    """Connect showed ``customer_ids`` to ``account_id`` (a reseller) now: the store's
    ``customer_accounts`` rows in multi-row INSERTs, not :meth:`Store.record_seen`'s upserts."""
    from connect_ext.store.models import CustomerAccount
    from connect_ext.store.visibility import seen_rows

    now = store.now()
    with store.engine.begin() as connection:
        for start in range(0, len(customer_ids), chunk):
            connection.execute(CustomerAccount.__table__.insert(),
                               seen_rows(connection, account_id, customer_ids[start:start + chunk], now))


def record_customers(store: Store, numbers: Sequence[int]) -> None:
    """Bulk-record the numbered customers (with tenant ids) in the store's customer table."""
    bulk_insert_customers(store, [customer_row(number) for number in numbers])
