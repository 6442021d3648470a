"""The sandbox's demo data: Connect's side of the Partner Center simulator's demo customers.

Each :data:`DEMO_CUSTOMERS` entry is one situation the extension must explain, backed by the same
Microsoft tenant as in :func:`sandbox.partner_center.demo.demo_world`: a Connect customer (tier
account), its Microsoft 365 subscription (asset) with OVG items and ``ms_customer_id``, and, where
Microsoft has one, its Azure plan asset. The store is migrated and holds these customers with the
overage state Microsoft has for them, as if the scheduled sync had just run.

Ids are constants, so the browser tests, the benchmarks and the docs can name the same objects.
"""
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Dict, Optional, Tuple

from connect_ext.store import Store
from sandbox.connect.world import DISTRIBUTOR, RESELLER, ConnectWorld
from sandbox.partner_center import demo
from sandbox.partner_center.world import World


# -- accounts and API keys -----------------------------------------------------------------------
DISTRIBUTOR_ACCOUNT_ID = 'PA-000-001'
DISTRIBUTOR_API_KEY = 'ApiKey SU-000-000-001:sandbox-distributor'
DISTRIBUTOR_INSTALLATION_ID = 'EIN-000-000-001'
DIRECT_TIER_ACCOUNT_ID = 'TA-0000-0000-0001'  # the distributor's own (direct) sales channel
RESELLER_TIER_ACCOUNT_ID = 'TA-0000-0000-0002'  # the tier account of the reseller's sales
RESELLER_ACCOUNT_ID = 'PA-000-002'  # the reseller's own Connect account, which installs and calls
RESELLER_API_KEY = 'ApiKey SU-000-000-002:sandbox-reseller'
RESELLER_INSTALLATION_ID = 'EIN-000-000-002'
RESELLER_TIER_CONFIG_ID = 'TC-000-000-002'
EXTENSION_ID = 'SRVC-0000-0001'
ENVIRONMENT_ID = 'ENV-0000-0001-03'

# -- catalogue -----------------------------------------------------------------------------------
M365_PRODUCT_ID = 'PRD-183-233-565'
M365_PRODUCT_NAME = 'NCE Microsoft 365 Commercial'
AZURE_PRODUCT_ID = 'PRD-561-716-033'
AZURE_PRODUCT_NAME = 'NCE Microsoft Azure'
OVG_MONTHLY_ITEM_ID = f'{M365_PRODUCT_ID}-0001'
OVG_ANNUAL_ITEM_ID = f'{M365_PRODUCT_ID}-0002'
BUSINESS_STANDARD_ITEM_ID = f'{M365_PRODUCT_ID}-0003'
AZURE_PLAN_ITEM_ID = f'{AZURE_PRODUCT_ID}-0001'

# (local id, name, display name, mpn): names follow CloudBlue's NCE tags, OVG as a whole word.
M365_ITEMS = (
    ('0001', f'{demo.OVG_OFFER_NAME} (monthly)',
     'Microsoft Teams Phone with Calling Plan (NCE COM OVG 1MO)',
     f'{demo.OVG_PRODUCT_ID}:{demo.OVG_SKU_ID}_P1M:Monthly'),
    ('0002', f'{demo.OVG_OFFER_NAME} (annual)',
     'Microsoft Teams Phone with Calling Plan (NCE COM OVG 1YR ANN)',
     f'{demo.OVG_PRODUCT_ID}:{demo.OVG_SKU_ID}_P1Y:Annual'),
    ('0003', demo.PLAIN_OFFER_NAME, 'Microsoft 365 Business Standard (NCE COM BAS 1YR MTH)',
     f'{demo.PLAIN_PRODUCT_ID}:{demo.PLAIN_SKU_ID}_P1Y:Monthly'),
    ('0004', 'Office 365 E3', 'Office 365 E3 (NCE COM BAS 1MO)', 'CFQ7TTC0LF8R:0001_P1M:Monthly'),
)


@dataclass(frozen=True)
class DemoCustomer:
    """One Connect customer of the demo, the situation it shows, and its Microsoft tenant."""

    situation: str
    customer_id: str  # the Connect tier account (TA-...)
    tenant_id: str
    asset_id: str  # its Microsoft 365 subscription, with OVG items
    ovg_items: Tuple[Tuple[str, int], ...] = ((OVG_MONTHLY_ITEM_ID, 10),)
    via_reseller: bool = False
    azure_asset_id: Optional[str] = None  # its Azure plan subscription, when Microsoft has one

    @property
    def tier1_id(self) -> str:
        return RESELLER_TIER_ACCOUNT_ID if self.via_reseller else DIRECT_TIER_ACCOUNT_ID


def _customer(number: int, situation: str, tenant_id: str, *, azure: bool = True,
              **options) -> DemoCustomer:
    suffix = f'{number:04d}'
    return DemoCustomer(
        situation=situation,
        customer_id=f'TA-1000-0000-{suffix}',
        tenant_id=tenant_id,
        asset_id=f'AS-1000-0000-{suffix}',
        azure_asset_id=f'AS-2000-0000-{suffix}' if azure else None,
        **options,
    )


DEMO_CUSTOMERS: Tuple[DemoCustomer, ...] = (
    _customer(1, 'ready', demo.READY_CUSTOMER_ID,
              ovg_items=((OVG_MONTHLY_ITEM_ID, 10), (OVG_ANNUAL_ITEM_ID, 5))),
    _customer(2, 'enabled', demo.ENABLED_CUSTOMER_ID),
    _customer(3, 'held_by_other_partner', demo.HELD_CUSTOMER_ID),
    _customer(4, 'no_azure_plan', demo.NO_AZURE_PLAN_CUSTOMER_ID, azure=False),
    _customer(5, 'no_azure_subscription', demo.NO_AZURE_SUBSCRIPTION_CUSTOMER_ID),
    _customer(6, 'legacy_azure', demo.LEGACY_AZURE_CUSTOMER_ID, azure=False),
    _customer(7, 'blocked_country', demo.BLOCKED_COUNTRY_CUSTOMER_ID),
    _customer(8, 'china', demo.CHINA_CUSTOMER_ID),
    # Connect shows an OVG subscription that Microsoft does not have (not provisioned there).
    _customer(9, 'no_ovg_subscription', demo.NO_OVG_CUSTOMER_ID),
    _customer(10, 'reseller_customer', demo.RESELLER_CUSTOMER_ID, via_reseller=True),
    _customer(11, 'education', demo.EDUCATION_CUSTOMER_ID),
)

BY_SITUATION: Dict[str, DemoCustomer] = {demo_customer.situation: demo_customer
                                         for demo_customer in DEMO_CUSTOMERS}
# The customer the "customer" persona signs in as (its own home page).
PERSONA_CUSTOMER = BY_SITUATION['ready']


# Every demo subscription also holds licences that are not overage-capable.
PLAIN_ITEMS: Dict[str, int] = {BUSINESS_STANDARD_ITEM_ID: 10}


def microsoft_ovg_subscription_id(pc_world: World, tenant_id: str) -> Optional[str]:
    """The distributor's OVG subscription of the tenant at Microsoft (the asset's
    ``subscription_id`` fulfilment parameter), or None when Microsoft has none."""
    for subscription in pc_world.active_overage_subscriptions(tenant_id):
        if subscription.partner_id == demo.DISTRIBUTOR_TENANT_ID:
            return subscription.id
    return None


def build_connect_world(pc_world: World, **world_options) -> ConnectWorld:
    """Connect's accounts, catalogue, subscriptions and API keys for the demo customers."""
    world = ConnectWorld(provider=(DISTRIBUTOR_ACCOUNT_ID, demo.DISTRIBUTOR_NAME), **world_options)
    distributor = world.add_principal(DISTRIBUTOR_API_KEY, DISTRIBUTOR_ACCOUNT_ID, DISTRIBUTOR,
                                      name=demo.DISTRIBUTOR_NAME)
    world.add_installation(DISTRIBUTOR_INSTALLATION_ID, distributor)
    world.add_tier_account(DIRECT_TIER_ACCOUNT_ID, f'{demo.DISTRIBUTOR_NAME} (direct)',
                           scopes=('tier1',))
    world.add_tier_account(RESELLER_TIER_ACCOUNT_ID, demo.RESELLER_NAME, scopes=('tier1',))
    # The reseller calls as its own account (PA-); Connect shows it the subscriptions sold
    # through its tier account (conformance: CX-01, CX-02).
    reseller = world.add_principal(RESELLER_API_KEY, RESELLER_ACCOUNT_ID, RESELLER,
                                   name=demo.RESELLER_NAME,
                                   tier_account_id=RESELLER_TIER_ACCOUNT_ID)
    world.add_installation(RESELLER_INSTALLATION_ID, reseller)

    world.add_product(M365_PRODUCT_ID, M365_PRODUCT_NAME)
    for local_id, name, display_name, mpn in M365_ITEMS:
        world.add_item(M365_PRODUCT_ID, local_id, name, display_name=display_name, mpn=mpn,
                       period='Yearly' if '_P1Y' in mpn else 'Monthly')
    world.add_product(AZURE_PRODUCT_ID, AZURE_PRODUCT_NAME)
    world.add_item(AZURE_PRODUCT_ID, '0001', 'Microsoft Azure plan', mpn='DZH318Z0BPS6:0001',
                   item_type='PPU')
    for product_id in (M365_PRODUCT_ID, AZURE_PRODUCT_ID):
        world.add_tier_config(RESELLER_TIER_ACCOUNT_ID, product_id,
                              params={'tier1_mpn': demo.RESELLER_MPN_ID},
                              config_id=RESELLER_TIER_CONFIG_ID if product_id == M365_PRODUCT_ID
                              else None)

    for customer in DEMO_CUSTOMERS:
        microsoft = pc_world.customers[customer.tenant_id]
        world.add_tier_account(customer.customer_id, microsoft.name, country=microsoft.country)
        params = {'ms_customer_id': customer.tenant_id, 'microsoft_domain': microsoft.domain}
        ovg_params = dict(params)
        subscription_id = microsoft_ovg_subscription_id(pc_world, customer.tenant_id)
        if subscription_id:
            ovg_params['subscription_id'] = subscription_id
        world.add_asset(customer.asset_id, M365_PRODUCT_ID, customer=customer.customer_id,
                        tier1=customer.tier1_id,
                        items={**dict(customer.ovg_items), **PLAIN_ITEMS},
                        params=ovg_params)
        if customer.azure_asset_id:
            world.add_asset(customer.azure_asset_id, AZURE_PRODUCT_ID,
                            customer=customer.customer_id, tier1=customer.tier1_id,
                            items={AZURE_PLAN_ITEM_ID: 1}, params=params)
    return world


def overage_status(pc_world: World, tenant_id: str) -> Tuple[str, Optional[str], Optional[str]]:
    """``(status, azure entitlement id, partner id)`` of what Microsoft holds for the tenant."""
    state = pc_world.overage_state(tenant_id)
    if state is None:
        return 'disabled', None, None
    if not state.enabled:
        return 'disabled', state.azure_entitlement_id, state.partner_id
    ours = state.holder == demo.DISTRIBUTOR_TENANT_ID
    return ('enabled' if ours else 'other_partner'), state.azure_entitlement_id, state.partner_id


def seed_store(database_url: str, pc_world: World, connect_world: ConnectWorld,
               now: Optional[datetime] = None) -> Store:
    """The store migrated to the newest schema and holding every demo customer."""
    store = Store.migrated(database_url)
    checked_at = now or datetime.now(UTC)
    for customer in DEMO_CUSTOMERS:
        account = connect_world.tier_accounts[customer.customer_id]
        ovg_count = len([
            sub for sub in pc_world.active_overage_subscriptions(customer.tenant_id)
            if sub.partner_id == demo.DISTRIBUTOR_TENANT_ID
        ])
        store.upsert_customer(
            customer.customer_id,
            tenant_id=customer.tenant_id,
            name=account['name'],
            country=account['contact_info']['country'],
            tier1_id=customer.tier1_id,
            tier2_id=None,
            # The reseller's partner id is not written here: the directory reads it from the
            # tier-1 account's tier configuration, as it must in production (issue 12, item 2).
            ovg_subscription_count=ovg_count,
            ovg_asset_ids=[customer.asset_id],
        )
        status, entitlement_id, partner_id = overage_status(pc_world, customer.tenant_id)
        store.record_overage_state(customer.customer_id, status=status,
                                   azure_entitlement_id=entitlement_id, partner_id=partner_id,
                                   checked_at=checked_at)
    return store


def judge_customers(variables: Dict[str, str]) -> None:
    """Read every demo customer in full once, as the sync's first read of a customer does, so the
    overview's work queue (its ``attention``) is filled from Microsoft's (simulated) facts."""
    from connect_ext import wiring
    from connect_ext.customers.refs import ref_from_record
    from connect_ext.errors.error import OverageError
    from connect_ext.service.overage import SYNC_CALLER

    dependencies = wiring.events_dependencies_for(variables)
    for customer in DEMO_CUSTOMERS:
        record = dependencies.store.get_customer(customer.customer_id)
        if record is None or not record.tenant_id:
            continue  # without a tenant id the store says what to do already
        try:
            dependencies.service.state(ref_from_record(record), SYNC_CALLER)
        except OverageError as error:  # the customer then stays unjudged until it is opened
            logging.getLogger(__name__).warning('Could not read %s: %s', customer.customer_id, error.code)


# -- personas ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Persona:
    """Who uses the portal: the call context Connect would send for that account.

    The customer's home page belongs to the distributor's installation (customers do not install
    extensions), so that persona calls with the distributor's installation and API key and is told
    apart by its tier account only, as Connect does.
    """

    key: str
    label: str
    account_id: str
    account_name: str
    account_role: str
    call_type: str
    api_key: str
    installation_id: str
    user_id: str
    user_name: str
    tier_account_id: Optional[str] = None


PERSONAS: Dict[str, Persona] = {
    'distributor': Persona(
        'distributor', 'Distributor (owner)', DISTRIBUTOR_ACCOUNT_ID, demo.DISTRIBUTOR_NAME,
        'distributor', 'admin', DISTRIBUTOR_API_KEY, DISTRIBUTOR_INSTALLATION_ID,
        'UR-000-000-001', 'Dana Distributor',
    ),
    'reseller': Persona(
        'reseller', 'Reseller', RESELLER_ACCOUNT_ID, demo.RESELLER_NAME, 'reseller', 'user',
        RESELLER_API_KEY, RESELLER_INSTALLATION_ID, 'UR-000-000-002', 'Riley Reseller',
    ),
    # Connect's customer home page call: the provider's account and installation, naming the
    # customer's tier account (conformance: CX-12). No "customer" account role exists in Connect.
    'customer': Persona(
        'customer', 'Customer', DISTRIBUTOR_ACCOUNT_ID, 'Contoso Telecom Users', 'distributor',
        'user', DISTRIBUTOR_API_KEY, DISTRIBUTOR_INSTALLATION_ID, 'UR-000-000-003',
        'Casey Customer', tier_account_id=PERSONA_CUSTOMER.customer_id,
    ),
}
DEFAULT_PERSONA = 'distributor'


# -- sample orders (the portal's "replay orders") --------------------------------------------------

@dataclass(frozen=True)
class SampleOrder:
    """A request the replay creates once and delivers to the events application every time."""

    request_id: str
    request_type: str
    asset_id: str
    situation: str  # the DEMO_CUSTOMERS entry whose customer orders
    description: str
    # Statuses the request goes through on the first replay, each delivered as an event.
    statuses: Tuple[str, ...] = ('approved',)
    new_items: Optional[Dict[str, int]] = None  # a purchase's new asset
    changes: Optional[Dict[str, Tuple[int, int]]] = None  # a change: item -> (new, old)


OFFICE_E3_ITEM_ID = f'{M365_PRODUCT_ID}-0004'

SAMPLE_ORDERS: Tuple[SampleOrder, ...] = (
    SampleOrder('PR-1000-0001-0001-001', 'purchase', 'AS-1000-0001-0001', 'ready',
                'A new Teams Phone OVG subscription (pending, then approved)',
                statuses=('pending', 'approved'), new_items={OVG_MONTHLY_ITEM_ID: 5}),
    # Blocked customers: their notes warn before anything is provisioned.
    SampleOrder('PR-1000-0001-0004-001', 'purchase', 'AS-1000-0001-0004', 'no_azure_plan',
                'A customer without an Azure plan orders OVG (pending, then approved: one note)',
                statuses=('pending', 'approved'), new_items={OVG_MONTHLY_ITEM_ID: 3}),
    SampleOrder('PR-1000-0001-0006-001', 'purchase', 'AS-1000-0001-0006', 'legacy_azure',
                'A customer with legacy Azure and no Azure plan orders OVG (two blockers)',
                statuses=('pending',), new_items={OVG_MONTHLY_ITEM_ID: 2}),
    SampleOrder('PR-1000-0001-0008-001', 'purchase', 'AS-1000-0001-0008', 'china',
                'A customer in China orders OVG (overage cannot be enabled)',
                statuses=('pending',), new_items={OVG_MONTHLY_ITEM_ID: 2}),
    SampleOrder('PR-1000-0001-0003-001', 'purchase', 'AS-1000-0001-0003',
                'held_by_other_partner',
                "A customer whose overage another partner holds orders OVG",
                statuses=('pending',), new_items={OVG_MONTHLY_ITEM_ID: 4}),
    SampleOrder('PR-1000-0000-0010-001', 'change', BY_SITUATION['reseller_customer'].asset_id,
                'reseller_customer', "The reseller's customer adds the annual OVG item",
                changes={OVG_ANNUAL_ITEM_ID: (3, 0)}),
    SampleOrder('PR-1000-0001-0011-001', 'purchase', 'AS-1000-0001-0011', 'education',
                'A purchase without any OVG item (no note expected)',
                statuses=('pending',), new_items={OFFICE_E3_ITEM_ID: 20}),
    SampleOrder('PR-1000-0000-0002-001', 'cancel', BY_SITUATION['enabled'].asset_id, 'enabled',
                'The last OVG subscription of a customer whose overage is still on is cancelled'),
)


def ensure_sample_order(world: ConnectWorld, order: SampleOrder) -> bool:
    """Create the order's asset (for a purchase) and request once; True when it was created."""
    with world.lock:
        if order.request_id in world.requests:
            return False
        customer = BY_SITUATION[order.situation]
        if order.new_items is not None and order.asset_id not in world.assets:
            tenant = {'ms_customer_id': customer.tenant_id}
            world.add_asset(order.asset_id, M365_PRODUCT_ID, customer=customer.customer_id,
                            tier1=customer.tier1_id, items=order.new_items, params=tenant,
                            status='processing')
        world.add_request(order.asset_id, order.request_type, status=order.statuses[0],
                          items=order.changes, request_id=order.request_id)
        return True
