"""The catalogue's words for a customer: what it reads on its own home page, where that differs.

Partner staff (the distributor, a reseller) read the catalogue's own texts. A customer reads about
its own tenant and what to ask its provider: never the partner's pricing (discount, margin,
partner-earned credit, what to charge), never a partner id, never a configuration variable, and
never a sentence that speaks to it as the partner ("under your account", "you will be billed").
Each entry here is a :class:`~connect_ext.errors.entry.CustomerTexts` of one catalogue code; a text
left None keeps the partner staff's one (it already reads well for a customer). The catalogue
joins them to its entries (:mod:`.catalogue`); the web API's presenters choose by the caller's role
(:mod:`connect_ext.api.audience`). Data only.
"""
from typing import Mapping

from connect_ext.errors.entry import CustomerTexts, for_customer


_ASK = 'Contact your provider'

CUSTOMER_TEXTS: Mapping[str, CustomerTexts] = {
    # --- findings: access and scope --------------------------------------------------------------
    'CALLER_NOT_ALLOWED': for_customer(
        message='This page may show only your own overage.',
        reason='A customer account sees its own Microsoft overage setting and nothing else.',
        action=f'Open this page from your own Connect home page. {_ASK} if it keeps showing.',
    ),
    'TENANT_ID_UNKNOWN': for_customer(
        message='Your Microsoft tenant is not known here yet.',
        reason="Overage is set on your Microsoft tenant, which is recorded once your provider's "
               'first Microsoft order for you is fulfilled.',
        action=f'{_ASK} if your Microsoft order was fulfilled but this page still says so.',
    ),
    'CHINA_NOT_SUPPORTED': for_customer(
        message='Overage cannot be managed here for a tenant in China.',
        reason="Microsoft's cloud in China is operated by 21Vianet and is not covered by this "
               'overage.',
        action=f'Nothing can be enabled here. {_ASK} about your options with 21Vianet.',
    ),
    'COUNTRY_NOT_SUPPORTED': for_customer(
        message='Overage is not available for your country[ ({country})].',
        reason='Microsoft does not offer overage everywhere, and your country is excluded here.',
        action=f'Nothing can be enabled here. If your country is recorded wrongly, {_ASK.lower()} '
               'to correct your address.',
    ),
    'CUSTOMER_QUALIFICATION_NOT_SUPPORTED': for_customer(
        message='Your organisation has a Microsoft qualification[ ({qualification})] that overage '
                'does not cover.',
        reason='Overage is for commercial customers only; Education, Government Community Cloud, '
               'state-owned and other qualified organisations are out of scope.',
        action=f'Nothing can be enabled here. If the qualification is wrong, {_ASK.lower()} to have '
               'it corrected with Microsoft.',
    ),
    # --- findings: prerequisites ---------------------------------------------------------------
    'NO_ACTIVE_OVG_SUBSCRIPTION': for_customer(
        message='Your provider has no active overage-capable (OVG) subscription of yours on '
                'record with Microsoft.',
        reason='Overage can be switched on only while you hold at least one active '
               'overage-capable subscription (for example Teams Phone with calling), from any '
               'provider.',
        action=f'{_ASK} if you need an overage-capable subscription, or if you bought one '
               'elsewhere.',
    ),
    'OVG_SUBSCRIPTION_NOT_IN_PARTNER_CENTER': for_customer(
        message='Your overage-capable (OVG) subscription[ ({connect_asset_ids})] is not shown by '
                'Microsoft yet.',
        reason='Microsoft shows a subscription once it is provisioned; a recent order can take a '
               'while.',
        action='You do not need to order another one. If it still does not show after a day, '
               f'{_ASK.lower()}.',
    ),
    'LEGACY_AZURE_PRESENT': for_customer(
        message='Your tenant still has legacy Azure subscriptions[ ({legacy_offer_ids})].',
        reason='Microsoft refuses overage while a tenant holds legacy Azure offers (MS-AZR-...).',
        action=f'{_ASK} to move them to the Azure plan (or cancel them); overage can be enabled '
               'after that.',
    ),
    'NO_ACTIVE_AZURE_PLAN': for_customer(
        message='You have no active Microsoft Azure plan with your provider.',
        reason='Overage is billed to an Azure subscription of an Azure plan; without one there is '
               'nowhere to send it.',
        action='Create a new Azure subscription with the change (Microsoft then sets up a no-cost '
               'Azure plan with "Subscription 1", which needs your acceptance of the Microsoft '
               f'Customer Agreement), or {_ASK.lower()} to order the Azure plan for you.',
    ),
    'NO_ACTIVE_AZURE_SUBSCRIPTION': for_customer(
        message='Your Azure plan[ ({azure_plan_ids})] has no active Azure subscription.',
        action='Create a new Azure subscription with the change (Microsoft adds "Subscription 1" '
               f'to your Azure plan), or {_ASK.lower()} to reactivate a suspended one.',
    ),
    'AZURE_SUBSCRIPTION_NOT_ELIGIBLE': for_customer(
        message='The chosen Azure subscription[ ({azure_subscription_id})] cannot receive your '
                'overage.',
        reason='Only an active Azure subscription under your active Azure plan with your provider '
               'can collect overage.',
        action='Pick one of the eligible Azure subscriptions[ ({eligible_azure_subscription_ids})], '
               'or create a new one.',
    ),
    'OVERAGE_HELD_BY_OTHER_PARTNER': for_customer(
        message='Your overage goes to an Azure subscription of another provider[ '
                '({current_azure_subscription_id})].',
        reason='Microsoft lets one provider at a time collect your overage, and only that provider '
               'can release it.',
        action='If you want this provider to take it over, ask the other provider to set your '
               'overage to None first (Microsoft support can help), then come back.',
    ),
    'AZURE_SUBSCRIPTION_AVAILABLE': for_customer(
        message='You already have an active Azure subscription that can receive the overage'
                '[ ({eligible_azure_subscription_ids})]; Microsoft would not create a new one.',
        reason='Microsoft creates an Azure subscription for overage only when there is none.',
    ),
    'MCA_NOT_ACCEPTED': for_customer(
        message='Microsoft has no record that you accepted the Microsoft Customer Agreement, which '
                'a new Azure plan needs.',
        reason='You have no active Azure plan with your provider, so Microsoft would set up a '
               'no-cost one, and an Azure plan needs your acceptance of the agreement.',
        action=f'{_ASK}: it records your acceptance of the Microsoft Customer Agreement with '
               'Microsoft, then the Azure subscription can be created.',
    ),
    # --- findings: warnings and notes ------------------------------------------------------------
    'MCA_ACCEPTANCE_UNKNOWN': for_customer(
        message='Whether you accepted the Microsoft Customer Agreement could not be read.',
        reason='A new Azure plan needs that acceptance; Microsoft checks it when the Azure '
               'subscription is created.',
        action=f'If Microsoft refuses the new Azure subscription for it, {_ASK.lower()}.',
    ),
    'NEW_AZURE_SUBSCRIPTION_BILLED': for_customer(
        message='Microsoft will create the Azure subscription that collects your overage'
                '[: {creates}]; its charges are billed with your Azure plan.',
        reason='Enabling overage without naming an Azure subscription makes Microsoft create one '
               'for overage.',
        action='The new Azure subscription stays after overage is set to None.',
    ),
    'OVERAGE_COLLECTS_ALL_PARTNERS': for_customer(
        message='The chosen Azure subscription[ ({azure_subscription_id})] will collect the overage '
                'of all your overage-capable subscriptions, whoever sold them.',
        reason='Overage is one setting for your whole tenant: a single Azure subscription receives '
               'all of it.',
        action='Continue only if that Azure subscription should pay for all of your overage.',
    ),
    'COMMUNICATIONS_CREDITS_AUTO_RECHARGE': for_customer(
        message='If you still have Communications Credits, overage starts only once that balance '
                'is used up, and never while auto-recharge is on.',
        reason='Microsoft bills calling from any remaining Communications Credits balance first; '
               'with auto-recharge on, the balance refills itself and billing never moves to '
               'overage.',
        action='Have your Global admin turn off auto-recharge in the Microsoft 365 admin center '
               '(Billing > Your products > Communications Credits) right after overage is '
               'enabled, so that calling is not interrupted.',
    ),
    'DISABLE_STOPS_AT_LIMIT': for_customer(
        message='Disabling overage stops every overage-capable subscription of yours at its '
                'monthly limit[ ({count} with this provider, plus any bought elsewhere)].',
        reason='Overage is one setting for your whole tenant: without it, calls beyond the '
               'included minutes, toll-free numbers and pay-as-you-go calling stop for all your '
               'users.',
        action='Continue only if your users can do without calling beyond the allowance.',
    ),
    'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION': for_customer(
        message='Overage is still on[ (to {current_azure_subscription_id})], although your '
                'provider has no active overage-capable subscription of yours on record.',
        reason='Overage stays on after the last overage-capable subscription ends, and keeps '
               'collecting the usage of any you buy elsewhere.',
        action=f'{_ASK} if you want it set to None.',
    ),
    'OVERAGE_TARGET_NOT_ACTIVE': for_customer(
        action=f'{_ASK} to move overage to an active Azure subscription, or to reactivate this '
               'one.',
    ),
    'OVERAGE_STATE_UNKNOWN': for_customer(
        message='Your current overage setting could not be read from Microsoft.',
        reason='This page shows the state last read; Microsoft is read again before any change.',
        action='Reload this page to read it again.',
    ),
    'NO_MARGIN_OR_PEC': for_customer(
        message="Overage is charged per use, at Microsoft's pay-as-you-go rates for Teams Phone "
                'and Calling.',
        reason='Use beyond the monthly allowance is billed through the Azure subscription that '
               'collects your overage.',
        action=f'{_ASK} for the rates that apply to you.',
    ),
    # --- failures a customer's own page can meet -------------------------------------------------
    'NOT_ELIGIBLE_TO_MANAGE_OVERAGE': for_customer(
        message='Microsoft does not let your provider manage your overage[ ({tenant_id})].',
        reason='Microsoft expects the provider to sell you an active overage-capable subscription '
               'and to act with the right role.',
        action=f'{_ASK}; nothing was changed.',
    ),
    'MICROSOFT_FOUND_NO_OVG_SUBSCRIPTION': for_customer(
        message='Microsoft refused to enable overage for you[ ({tenant_id})].',
        reason='Microsoft enables overage only while you hold an active overage-capable '
               'subscription, from any provider.',
        action=f'{_ASK} about an overage-capable subscription (for example Teams Phone with '
               'calling); nothing was changed.',
    ),
    'NO_RESELLER_RELATIONSHIP': for_customer(
        message='Microsoft has no reseller relationship between your tenant and your provider'
                '[ ({tenant_id})].',
        reason='Microsoft lets a provider act only for customers that accepted its relationship '
               'request.',
        action=f'{_ASK}: it sends you a relationship request to accept.',
    ),
    'MICROSOFT_TENANT_NOT_FOUND': for_customer(
        reason="Microsoft does not know the tenant id your provider recorded for you.",
        action=f'{_ASK} to check your Microsoft tenant id.',
    ),
    'MICROSOFT_INVALID_REQUEST': for_customer(
        reason='Microsoft did not accept one of the values sent, usually the Azure subscription.',
        action=f'Check the Azure subscription and retry. If it persists, {_ASK.lower()}'
               '[ and quote correlation id {correlation_id}].',
    ),
    'RESELLER_PARTNER_ID_INVALID': for_customer(
        message="Microsoft did not accept your provider's details for this change.",
        reason="Your provider's registration with Microsoft does not match this request.",
        action=f'{_ASK}; nothing was changed.',
    ),
    'RESELLER_AGREEMENT_NOT_ACCEPTED': for_customer(
        message="Microsoft blocks your provider's changes for now.",
        reason='Your provider has not accepted an agreement Microsoft requires.',
        action=f'{_ASK}; nothing was changed.',
    ),
    'PARTNER_AGREEMENT_NOT_ACCEPTED': for_customer(
        message="Microsoft blocks your provider's changes for now.",
        reason='Your provider has not accepted an agreement Microsoft requires.',
        action=f'{_ASK}; nothing was changed.',
    ),
    'PARTNER_PROGRAM_NOT_ACTIVE': for_customer(
        message="Microsoft blocks your provider's changes for now.",
        reason="Your provider's Microsoft program status is not active.",
        action=f'{_ASK}; nothing was changed.',
    ),
    'PARTNER_CENTER_CREDENTIALS_REJECTED': for_customer(
        reason="Microsoft refused this page's sign-in; this is a set-up problem on your "
               "provider's side, not of your request.",
        action=f'{_ASK}.',
    ),
    'PARTNER_CENTER_REFRESH_TOKEN_EXPIRED': for_customer(
        message='This page cannot sign in to Microsoft right now.',
        reason="Microsoft no longer accepts this page's sign-in; this is a set-up problem on "
               "your provider's side, not of your request.",
        action=f'{_ASK}.',
    ),
    'PARTNER_CENTER_MFA_REQUIRED': for_customer(
        message='This page cannot sign in to Microsoft right now.',
        reason="Microsoft refused this page's sign-in; this is a set-up problem on your "
               "provider's side, not of your request.",
        action=f'{_ASK}.',
    ),
    'PARTNER_CENTER_ACCESS_DENIED': for_customer(
        message="Microsoft did not allow this change with your provider's access.",
        reason="The access your provider set up for this page lacks a role Microsoft requires.",
        action=f'{_ASK}; nothing was changed.',
    ),
    'THROTTLED': for_customer(
        message='Microsoft is limiting requests for your tenant right now.',
        reason='Microsoft caps how many requests may be made per minute.',
    ),
    'CUSTOMER_CHANGES_DISABLED': for_customer(
        reason='Your provider manages your overage setting.',
    ),
}
