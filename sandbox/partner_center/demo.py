"""A seeded demo world: one distributor (the extension's owner), one rival partner, and one
customer per situation the extension must explain. Every id is a constant so the sandbox, the
Connect simulator's assets and the tests can refer to the same customers.

The distributor's credentials (``DISTRIBUTOR_*``) are what the sandbox puts in the extension's
variables; the Admin Agent refresh token gives App+User access, the sales agent's does not, and
the one consented without MFA is refused (401 900421) while the world enforces MFA.
"""
from typing import Dict

from sandbox.partner_center.world import World


# ---------------------------------------------------------------------- partners
DISTRIBUTOR_TENANT_ID = '0d157000-0000-4000-8000-000000000001'
DISTRIBUTOR_MPN_ID = '4810001'
DISTRIBUTOR_NAME = 'Demo Distribution Ltd'
DISTRIBUTOR_CLIENT_ID = 'a9910000-0000-4000-8000-000000000001'
DISTRIBUTOR_CLIENT_SECRET = 'demo-distributor-client-secret'
DISTRIBUTOR_REFRESH_TOKEN = 'demo-distributor-admin-agent-refresh-token'
DISTRIBUTOR_SALES_AGENT_REFRESH_TOKEN = 'demo-distributor-sales-agent-refresh-token'
# An Admin Agent's consent given without multifactor authentication: 401 900421 once enforced.
DISTRIBUTOR_NO_MFA_REFRESH_TOKEN = 'demo-distributor-admin-agent-without-mfa-refresh-token'

RESELLER_MPN_ID = '4820002'
RESELLER_NAME = 'Demo Reseller Inc'

OTHER_PARTNER_TENANT_ID = '0d157000-0000-4000-8000-000000000002'
OTHER_PARTNER_MPN_ID = '5350003'
OTHER_PARTNER_NAME = 'Rival Cloud Solutions'
OTHER_PARTNER_CLIENT_ID = 'a9910000-0000-4000-8000-000000000002'
OTHER_PARTNER_CLIENT_SECRET = 'demo-rival-client-secret'
OTHER_PARTNER_REFRESH_TOKEN = 'demo-rival-admin-agent-refresh-token'

# ---------------------------------------------------------------------- catalogue
OVG_PRODUCT_ID = 'CFQ7TTC0OVG1'
OVG_SKU_ID = '0001'
OVG_OFFER_ID = f'{OVG_PRODUCT_ID}:{OVG_SKU_ID}:CFQ7TTC0OVA1'
OVG_OFFER_NAME = 'Microsoft Teams Phone with Calling Plan OVG'
PLAIN_PRODUCT_ID = 'CFQ7TTC0M365'
PLAIN_SKU_ID = '0001'
PLAIN_OFFER_ID = f'{PLAIN_PRODUCT_ID}:{PLAIN_SKU_ID}:CFQ7TTC0M3A1'
PLAIN_OFFER_NAME = 'Microsoft 365 Business Standard'

# ---------------------------------------------------------------------- customers
# Ready: an OVG subscription, an Azure plan with an active Azure subscription, overage never set.
READY_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000001'
READY_PLAN_ID = 'b1a70000-0000-4000-8000-000000000001'
READY_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000001'
READY_SECOND_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000101'
# Enabled to the distributor's Azure subscription.
ENABLED_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000002'
ENABLED_PLAN_ID = 'b1a70000-0000-4000-8000-000000000002'
ENABLED_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000002'
# Held by the rival partner's Azure subscription (our PUTs get 800115).
HELD_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000003'
HELD_PLAN_ID = 'b1a70000-0000-4000-8000-000000000003'
HELD_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000003'
HELD_OTHER_PLAN_ID = 'b1a70000-0000-4000-8000-000000000103'
HELD_OTHER_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000103'
# An OVG subscription and no Azure plan.
NO_AZURE_PLAN_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000004'
# An Azure plan whose only Azure subscription is disabled.
NO_AZURE_SUBSCRIPTION_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000005'
NO_AZURE_SUBSCRIPTION_PLAN_ID = 'b1a70000-0000-4000-8000-000000000005'
DISABLED_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000005'
# A legacy Azure subscription (MS-AZR-0145P): 800112.
LEGACY_AZURE_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000006'
LEGACY_AZURE_SUBSCRIPTION_ID = 'b1a70000-0000-4000-8000-000000000006'
# Ready, but in an embargoed country (RU) and in China (CN): the extension refuses them.
BLOCKED_COUNTRY_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000007'
BLOCKED_COUNTRY_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000007'
CHINA_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000008'
CHINA_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000008'
# An Azure plan and subscription but no OVG subscription from anyone: 800114.
NO_OVG_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000009'
NO_OVG_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000009'
# Bought through the indirect reseller (partnerId = RESELLER_MPN_ID on its subscriptions).
RESELLER_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000010'
RESELLER_PLAN_ID = 'b1a70000-0000-4000-8000-000000000010'
RESELLER_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000010'
# A qualified (Education) customer: out of scope for the extension.
EDUCATION_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000011'
EDUCATION_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000011'
# The OVG subscription was sold by the rival; the Azure plan is ours (still eligible: any source).
OVG_FROM_OTHER_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000012'
OVG_FROM_OTHER_ENTITLEMENT_ID = 'e0710000-0000-4000-8000-000000000012'
# Only the rival has a relationship with this customer (we get 403 20002 / 800114).
NOT_OUR_CUSTOMER_ID = 'c0570000-0000-4000-8000-000000000013'
# A tenant Microsoft does not know at all (404 60003).
UNKNOWN_CUSTOMER_ID = 'c0570000-0000-4000-8000-00000000ffff'

DEMO_CUSTOMERS: Dict[str, str] = {
    'ready': READY_CUSTOMER_ID,
    'enabled': ENABLED_CUSTOMER_ID,
    'held_by_other_partner': HELD_CUSTOMER_ID,
    'no_azure_plan': NO_AZURE_PLAN_CUSTOMER_ID,
    'no_azure_subscription': NO_AZURE_SUBSCRIPTION_CUSTOMER_ID,
    'legacy_azure': LEGACY_AZURE_CUSTOMER_ID,
    'blocked_country': BLOCKED_COUNTRY_CUSTOMER_ID,
    'china': CHINA_CUSTOMER_ID,
    'no_ovg_subscription': NO_OVG_CUSTOMER_ID,
    'reseller_customer': RESELLER_CUSTOMER_ID,
    'education': EDUCATION_CUSTOMER_ID,
    'ovg_from_other_partner': OVG_FROM_OTHER_CUSTOMER_ID,
    'not_our_customer': NOT_OUR_CUSTOMER_ID,
}


def _add_partners(world: World) -> None:
    world.add_partner(
        DISTRIBUTOR_TENANT_ID, DISTRIBUTOR_MPN_ID, DISTRIBUTOR_NAME,
        client_id=DISTRIBUTOR_CLIENT_ID, client_secret=DISTRIBUTOR_CLIENT_SECRET,
        refresh_tokens={DISTRIBUTOR_REFRESH_TOKEN: True,
                        DISTRIBUTOR_SALES_AGENT_REFRESH_TOKEN: False},
    )
    world.add_user(DISTRIBUTOR_TENANT_ID, DISTRIBUTOR_NO_MFA_REFRESH_TOKEN, mfa=False)
    world.add_reseller(DISTRIBUTOR_TENANT_ID, RESELLER_MPN_ID, RESELLER_NAME)
    world.add_partner(
        OTHER_PARTNER_TENANT_ID, OTHER_PARTNER_MPN_ID, OTHER_PARTNER_NAME,
        client_id=OTHER_PARTNER_CLIENT_ID, client_secret=OTHER_PARTNER_CLIENT_SECRET,
        refresh_token=OTHER_PARTNER_REFRESH_TOKEN,
    )
    world.add_sku(OVG_PRODUCT_ID, OVG_SKU_ID, OVG_OFFER_NAME, consumption_type='overage',
                  description='Teams Phone with a domestic calling plan; minutes beyond the '
                              'allowance are billed as overage.')
    world.add_sku(PLAIN_PRODUCT_ID, PLAIN_SKU_ID, PLAIN_OFFER_NAME,
                  description='Productivity apps and services.')
    world.add_sku('DZH318Z0BPS6', '0001', 'Microsoft Azure plan',
                  description='Microsoft Azure plan (MS-AZR-0017G)')


def _ready_customer(world: World, tenant_id: str, name: str, entitlement_id: str, *,
                    plan_id=None, country: str = 'US', qualifications=(), reseller_mpn=None):
    """A customer with our OVG subscription, our Azure plan and one active Azure subscription."""
    world.add_customer(tenant_id, name, country=country, qualifications=qualifications)
    world.add_subscription(tenant_id, DISTRIBUTOR_TENANT_ID, OVG_OFFER_ID, OVG_OFFER_NAME,
                           consumption_type='overage', quantity=10, reseller_mpn=reseller_mpn)
    world.add_subscription(tenant_id, DISTRIBUTOR_TENANT_ID, PLAIN_OFFER_ID, PLAIN_OFFER_NAME,
                           quantity=10, reseller_mpn=reseller_mpn)
    plan = world.add_azure_plan(tenant_id, DISTRIBUTOR_TENANT_ID, subscription_id=plan_id,
                                reseller_mpn=reseller_mpn)
    world.add_entitlement(tenant_id, plan, entitlement_id=entitlement_id)
    return plan


def _add_customers(world: World) -> None:
    plan = _ready_customer(world, READY_CUSTOMER_ID, 'Contoso Telecom Users',
                           READY_ENTITLEMENT_ID, plan_id=READY_PLAN_ID)
    world.add_entitlement(READY_CUSTOMER_ID, plan, name='Production',
                          entitlement_id=READY_SECOND_ENTITLEMENT_ID)

    _ready_customer(world, ENABLED_CUSTOMER_ID, 'Fabrikam Calling', ENABLED_ENTITLEMENT_ID,
                    plan_id=ENABLED_PLAN_ID)
    world.set_overage(ENABLED_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID, ENABLED_ENTITLEMENT_ID)

    _ready_customer(world, HELD_CUSTOMER_ID, 'Northwind Phones', HELD_ENTITLEMENT_ID,
                    plan_id=HELD_PLAN_ID)
    world.add_subscription(HELD_CUSTOMER_ID, OTHER_PARTNER_TENANT_ID, OVG_OFFER_ID,
                           OVG_OFFER_NAME, consumption_type='overage', quantity=3)
    rival_plan = world.add_azure_plan(HELD_CUSTOMER_ID, OTHER_PARTNER_TENANT_ID,
                                      subscription_id=HELD_OTHER_PLAN_ID)
    world.add_entitlement(HELD_CUSTOMER_ID, rival_plan, entitlement_id=HELD_OTHER_ENTITLEMENT_ID)
    world.set_overage(HELD_CUSTOMER_ID, OTHER_PARTNER_TENANT_ID, HELD_OTHER_ENTITLEMENT_ID)

    world.add_customer(NO_AZURE_PLAN_CUSTOMER_ID, 'Adatum No Azure')
    world.add_subscription(NO_AZURE_PLAN_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID, OVG_OFFER_ID,
                           OVG_OFFER_NAME, consumption_type='overage', quantity=5)
    # It accepted the Microsoft Customer Agreement: enabling overage may buy its Azure plan.
    world.accept_mca(NO_AZURE_PLAN_CUSTOMER_ID)

    world.add_customer(NO_AZURE_SUBSCRIPTION_CUSTOMER_ID, 'Litware Empty Plan')
    world.add_subscription(NO_AZURE_SUBSCRIPTION_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID,
                           OVG_OFFER_ID, OVG_OFFER_NAME, consumption_type='overage', quantity=5)
    plan = world.add_azure_plan(NO_AZURE_SUBSCRIPTION_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID,
                                subscription_id=NO_AZURE_SUBSCRIPTION_PLAN_ID)
    world.add_entitlement(NO_AZURE_SUBSCRIPTION_CUSTOMER_ID, plan, status='disabled',
                          entitlement_id=DISABLED_ENTITLEMENT_ID)

    world.add_customer(LEGACY_AZURE_CUSTOMER_ID, 'Proseware Legacy Azure')
    world.add_subscription(LEGACY_AZURE_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID, OVG_OFFER_ID,
                           OVG_OFFER_NAME, consumption_type='overage', quantity=5)
    world.add_legacy_azure(LEGACY_AZURE_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID,
                           subscription_id=LEGACY_AZURE_SUBSCRIPTION_ID)

    _ready_customer(world, BLOCKED_COUNTRY_CUSTOMER_ID, 'Volga Trading',
                    BLOCKED_COUNTRY_ENTITLEMENT_ID, country='RU')
    _ready_customer(world, CHINA_CUSTOMER_ID, 'Shanghai Components', CHINA_ENTITLEMENT_ID,
                    country='CN')

    world.add_customer(NO_OVG_CUSTOMER_ID, 'Tailspin Office Only')
    world.add_subscription(NO_OVG_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID, PLAIN_OFFER_ID,
                           PLAIN_OFFER_NAME, quantity=20)
    plan = world.add_azure_plan(NO_OVG_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID)
    world.add_entitlement(NO_OVG_CUSTOMER_ID, plan, entitlement_id=NO_OVG_ENTITLEMENT_ID)

    _ready_customer(world, RESELLER_CUSTOMER_ID, 'Wingtip Toys (via reseller)',
                    RESELLER_ENTITLEMENT_ID, plan_id=RESELLER_PLAN_ID,
                    reseller_mpn=RESELLER_MPN_ID)

    _ready_customer(world, EDUCATION_CUSTOMER_ID, 'Woodgrove School District',
                    EDUCATION_ENTITLEMENT_ID, qualifications=('Education',))

    world.add_customer(OVG_FROM_OTHER_CUSTOMER_ID, 'Lucerne Mixed Channels')
    world.add_subscription(OVG_FROM_OTHER_CUSTOMER_ID, OTHER_PARTNER_TENANT_ID, OVG_OFFER_ID,
                           OVG_OFFER_NAME, consumption_type='overage', quantity=4)
    plan = world.add_azure_plan(OVG_FROM_OTHER_CUSTOMER_ID, DISTRIBUTOR_TENANT_ID)
    world.add_entitlement(OVG_FROM_OTHER_CUSTOMER_ID, plan,
                          entitlement_id=OVG_FROM_OTHER_ENTITLEMENT_ID)

    world.add_customer(NOT_OUR_CUSTOMER_ID, 'Margie Travel (rival only)')
    world.add_subscription(NOT_OUR_CUSTOMER_ID, OTHER_PARTNER_TENANT_ID, OVG_OFFER_ID,
                           OVG_OFFER_NAME, consumption_type='overage', quantity=2)


def demo_world(**world_options) -> World:
    """A new world seeded with the demo partners and customers (``World`` options pass through)."""
    world = World(**world_options)
    _add_partners(world)
    _add_customers(world)
    return world
