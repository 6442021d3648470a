"""The catalogue's findings: what the rules say about a customer before anything is changed.

Data only (see :mod:`connect_ext.errors.catalogue`): who may act, where overage is offered, the
prerequisites in Partner Center, and the warnings and information shown with the state.
"""
from connect_ext.errors.entry import BOTH, CHOSEN_ONLY, CREATE_ONLY, ENABLE_ONLY, entry
from connect_ext.vocabulary import BLOCKING, ERROR, INFO, WARNING


# Who may act, and on which customer.
ACCESS = (
    entry(
        'CALLER_NOT_ALLOWED', BLOCKING, 403,
        'This account[ ({account_id})] may not see or change the overage of this customer'
        '[ ({customer_id})].',
        'A reseller reaches only the customers under its own account, and a customer only itself.',
        'Sign in with the account that serves this customer, or ask the distributor to make the '
        'change.',
        blocks=BOTH,
    ),
    entry(
        'FORBIDDEN', ERROR, 403,
        'Your account may not do this[: {problem}]',
        'The distributor manages the extension; resellers and customers reach only their own '
        'customers and pages.',
        "Ask the distributor's administrator if you need this access.",
    ),
    entry(
        'CUSTOMER_NOT_FOUND', ERROR, 404,
        'No customer[ {customer_id}] is known to the Overage Manager.',
        'The id is not a Connect customer account (TA-...) that your account can reach.',
        'Check the customer id, or open the customer from the Manage Overage list.',
    ),
    entry(
        'TENANT_ID_UNKNOWN', BLOCKING, 422,
        'The customer[ {customer_name}] has no Microsoft tenant id yet[ (Connect customer '
        '{customer_id})].',
        "Overage is set on the customer's Microsoft tenant. Connect records the tenant id in a "
        "parameter of the customer's Microsoft subscriptions once an order is fulfilled.",
        "Wait until the customer's first Microsoft order is fulfilled, or fill in the tenant id "
        "parameter of the customer's Microsoft subscription in Connect, then open Manage Overage "
        'again.',
        blocks=BOTH, settings=('TENANT_ID_PARAMS',),
    ),
)

# Scope.
SCOPE = (
    entry(
        'CHINA_NOT_SUPPORTED', BLOCKING, 422,
        'Overage cannot be managed here for a customer in China.',
        "Microsoft's cloud in China is operated by 21Vianet, with its own Partner Center; NCE "
        'overage through Microsoft Cloud International does not cover it.',
        'Manage this customer through the 21Vianet Partner Center. Nothing can be enabled here.',
        blocks=ENABLE_ONLY, fixable=False,
    ),
    entry(
        'COUNTRY_NOT_SUPPORTED', BLOCKING, 422,
        "Overage cannot be enabled for a customer in this country[ ({country})].",
        'Microsoft offers overage everywhere except China and embargoed countries, and the '
        "customer's country is on the list of countries the distributor blocks.",
        'Overage is not available for this customer. Only if the country is wrong: correct the '
        "customer's address in Connect or Partner Center (if the list itself is wrong, the "
        "distributor's administrator can change it).",
        blocks=ENABLE_ONLY, fixable=False, settings=('BLOCKED_COUNTRIES',),
    ),
    entry(
        'CUSTOMER_QUALIFICATION_NOT_SUPPORTED', BLOCKING, 422,
        'The customer has a Microsoft qualification[ ({qualification})] that overage does not '
        'cover.',
        'Telco pay-as-you-go overage is for non-qualified commercial customers only; Education, '
        'Government Community Cloud, state-owned and other qualified customers are out of scope.',
        'Do not enable overage for this customer. If the qualification is wrong, have it '
        'corrected in Partner Center first.',
        blocks=ENABLE_ONLY, fixable=False,
    ),
)

# Prerequisites in Partner Center.
PREREQUISITES = (
    entry(
        'NO_ACTIVE_OVG_SUBSCRIPTION', WARNING, None,
        'Partner Center shows no active overage-capable (OVG) subscription for this customer '
        'under your partner account.',
        'Microsoft lets a partner switch overage on for a customer that holds at least one '
        'active NCE subscription whose SKU allows overage (consumptionType "overage"), bought '
        "from any partner; Partner Center lists only your own subscriptions, so one bought from "
        'another partner cannot be seen here, and Microsoft decides when you enable.',
        'If the customer bought its OVG subscription from another partner, go ahead: Microsoft '
        'checks it when you enable. Otherwise order an OVG item for the customer (for example a '
        'Teams Phone OVG SKU) and wait until the subscription is active.',
    ),
    entry(
        'OVG_SUBSCRIPTION_NOT_IN_PARTNER_CENTER', WARNING, None,
        'Connect holds an overage-capable (OVG) subscription of this customer[ ({connect_asset_ids})] '
        'that Partner Center does not show under your partner account.',
        'Partner Center lists a subscription once Microsoft has provisioned it, and only to the '
        'partner that sold it: a recent order may not show yet, and one sold through another '
        'partner account never shows here.',
        'Do not order another OVG item: the customer already has one, and another would be a second '
        'licence. Check that the Connect subscription is active and its order fulfilled, then wait '
        'for Partner Center to show it, or go ahead: Microsoft checks the customer\'s OVG '
        'subscriptions, from any partner, when you enable.',
    ),
    entry(
        'LEGACY_AZURE_PRESENT', BLOCKING, 422,
        'The customer still has legacy Azure subscriptions[ ({legacy_offer_ids})].',
        'Microsoft refuses overage for a customer that holds legacy Azure offers (MS-AZR-..., '
        'for example MS-AZR-0145P); Partner Center answers error 800112.',
        "Transition the customer's legacy Azure subscriptions to the Azure plan (or cancel "
        'them), then enable overage.',
        blocks=ENABLE_ONLY,
    ),
    entry(
        'NO_ACTIVE_AZURE_PLAN', BLOCKING, 422,
        'The customer has no active Microsoft Azure plan under your partner account.',
        'Overage is billed to an Azure subscription of an NCE Azure plan (product '
        'DZH318Z0BPS6); without an active plan there is nowhere to send it.',
        'Create a new Azure subscription with the change: Microsoft then buys a no-cost Azure plan '
        'with "Subscription 1" for the customer, who must have accepted the Microsoft Customer '
        'Agreement. Or order the Microsoft Azure plan (DZH318Z0BPS6:0001) yourself and enable '
        'overage once it is active (this can take 15 minutes).',
        blocks=CHOSEN_ONLY,
    ),
    entry(
        'NO_ACTIVE_AZURE_SUBSCRIPTION', BLOCKING, 422,
        "The customer's Azure plan[ ({azure_plan_ids})] has no active Azure subscription.",
        'Overage is collected by one Azure subscription (an Azure entitlement) under an Azure '
        'plan, not by the plan itself.',
        'Create a new Azure subscription with the change (Microsoft adds "Subscription 1" to the '
        "customer's Azure plan), or reactivate a suspended one and pick it.",
        blocks=CHOSEN_ONLY,
    ),
    entry(
        'AZURE_SUBSCRIPTION_NOT_ELIGIBLE', BLOCKING, 422,
        'The chosen Azure subscription[ ({azure_subscription_id})] cannot receive this customer\'s '
        'overage.',
        'Only an active Azure subscription under an active Azure plan of the customer, with your '
        'partner account, can collect overage.',
        'Pick one of the eligible Azure subscriptions[ ({eligible_azure_subscription_ids})], or '
        "create one under the customer's Azure plan.",
        blocks=CHOSEN_ONLY,
    ),
    entry(
        'OVERAGE_HELD_BY_OTHER_PARTNER', BLOCKING, 409,
        "The customer's overage is assigned to another partner's Azure subscription"
        '[ ({current_azure_subscription_id})].',
        'Microsoft lets one partner at a time collect a customer\'s overage, and only that partner '
        'can release it (Partner Center error 800115).',
        'Ask the customer to have the partner that holds it set overage to None in Partner Center '
        '(the customer and both partners must agree; Microsoft support can help), then retry.',
        blocks=BOTH,
    ),
    entry(
        'AZURE_SUBSCRIPTION_AVAILABLE', BLOCKING, 422,
        'The customer already has an active Azure subscription that can receive the overage'
        '[ ({eligible_azure_subscription_ids})]; Microsoft would not create a new one.',
        'When overage is enabled without naming an Azure subscription, Microsoft uses the active '
        '"Subscription 1" of the Azure plan and creates one only when there is none.',
        'Pick one of the eligible Azure subscriptions instead.',
        blocks=CREATE_ONLY,
    ),
    entry(
        'MCA_NOT_ACCEPTED', BLOCKING, 422,
        'Partner Center has no acceptance of the Microsoft Customer Agreement for this customer, '
        'which a new Azure plan needs.',
        'The customer has no active Azure plan under your partner account, so Microsoft buys a '
        'no-cost one when overage is enabled; an Azure plan can only be bought for a customer that '
        'accepted the Microsoft Customer Agreement.',
        'Confirm with the customer that it accepted the Microsoft Customer Agreement, then record '
        "the acceptance (the customer contact's name, email and phone, and the date) with "
        "the API's agreements/microsoft-customer-agreement route of the customer, then create the "
        'Azure subscription again.',
        blocks=CREATE_ONLY,
    ),
)

# Warnings and information shown with the customer's state.
NOTICES = (
    entry(
        'MCA_ACCEPTANCE_UNKNOWN', WARNING, None,
        "Partner Center's record of the customer's acceptance of the Microsoft Customer Agreement "
        'could not be read.',
        'A new Azure plan needs that acceptance; Partner Center serves it to App+User credentials '
        'only, and Microsoft checks it when the Azure subscription is created.',
        'If Microsoft refuses the new Azure subscription for it, record the acceptance first.',
    ),
    entry(
        'NEW_AZURE_SUBSCRIPTION_BILLED', WARNING, None,
        'Microsoft will create the Azure subscription that collects the overage[: {creates}]; it is '
        "billed to the customer's Azure plan.",
        'Enabling overage without naming an Azure subscription makes Microsoft create one for '
        'overage consumption, as Partner Center\'s own Manage overage page does.',
        'Confirm with the customer before you continue; the new Azure subscription stays after '
        'overage is set to None.',
    ),
    entry(
        'OVERAGE_COLLECTS_ALL_PARTNERS', WARNING, None,
        'The chosen Azure subscription[ ({azure_subscription_id})] will collect the overage of all '
        "the customer's overage-capable subscriptions, from every partner and channel.",
        'Overage is one setting for the whole customer: a single Azure subscription receives all '
        'of it, including the usage of licences sold by other partners.',
        'Confirm with the customer that you will be billed, and will bill them, for all of their '
        'overage before you continue.',
    ),
    entry(
        'COMMUNICATIONS_CREDITS_AUTO_RECHARGE', WARNING, None,
        'If the customer still has Communications Credits, overage starts only once that balance '
        'is used up, and never while auto-recharge is on.',
        'Microsoft bills telco usage from any remaining Communications Credits balance first; '
        'with auto-recharge on, the balance refills itself and billing never moves to overage.',
        "Ask the customer's Global admin to turn off auto-recharge in the Microsoft 365 admin "
        'center (Billing > Your products > Communications Credits), right after overage is '
        'enabled so that calling is not interrupted.',
    ),
    entry(
        'DISABLE_STOPS_AT_LIMIT', WARNING, None,
        "Disabling overage stops every overage-capable subscription of the customer at its "
        'monthly limit[ ({count} under your account, plus any bought from other partners)].',
        'Overage is one setting for the whole customer: without it, calls beyond the included '
        'minutes, toll-free numbers and pay-as-you-go calling stop for all its users, whoever sold '
        'their licences.',
        'Confirm with the customer before you disable overage.',
    ),
    entry(
        'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION', WARNING, None,
        'Overage still goes to your Azure subscription[ ({current_azure_subscription_id})], '
        'although the customer has no active overage-capable subscription under your account.',
        'Overage stays assigned after the last OVG subscription ends, and keeps collecting the '
        'usage of OVG licences the customer buys elsewhere.',
        'Decide with the customer whether to keep it or to set it to None.',
    ),
    entry(
        'OVERAGE_TARGET_NOT_ACTIVE', WARNING, None,
        'Overage goes to an Azure subscription[ ({current_azure_subscription_id})] that cannot '
        'collect it now[: {state}].',
        'Usage beyond the monthly allowance is billed to that Azure subscription; while it is '
        'not active, those calls may fail.',
        'Move overage to an active Azure subscription of the customer, or reactivate this one.',
    ),
    entry(
        'OVERAGE_STATE_UNKNOWN', INFO, None,
        "The customer's current overage setting could not be read from Partner Center.",
        'The Overage Manager shows the state it last read; Microsoft is read again before any '
        'change.',
        "Reload the customer's overage page to read it again.",
    ),
    entry(
        'OVERAGE_READY_TO_ENABLE', INFO, None,
        'Every prerequisite is met and overage is off: it can be enabled.',
        "Nothing in Microsoft's rules stops it at the last read of Partner Center.",
        "Open the customer and enable overage to one of its Azure subscriptions (or one that "
        'Microsoft creates), if the customer wants it.',
    ),
    entry(
        'NO_MARGIN_OR_PEC', INFO, None,
        'Overage charges carry no CSP discount, margin or partner-earned credit.',
        'Microsoft bills telco pay-as-you-go usage at the public Microsoft Teams Phone and '
        'Calling rates.',
        "Price overage to the customer at or above Microsoft's published rates.",
    ),
    entry(
        'OVERAGE_ALREADY_ENABLED', INFO, None,
        'Overage already goes to this Azure subscription[ ({azure_subscription_id})].',
        'The requested setting is the current one.',
        'Nothing to do.',
    ),
    entry(
        'OVERAGE_ALREADY_DISABLED', INFO, None,
        "The customer's overage is already disabled.",
        'The requested setting is the current one.',
        'Nothing to do.',
    ),
)
