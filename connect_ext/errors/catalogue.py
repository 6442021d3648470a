"""The catalogue: every public code of the overage domain, with the words a user reads.

This module is data. Each :class:`CatalogueEntry` says what happened (``message``), why
(``reason``) and what to do next (``action``), with the HTTP status the public API answers and a
severity. Prerequisite findings, Microsoft rejections and the web layer's own errors all take their
text from here, so one code always reads the same wherever it shows up, and ``docs/errors.md`` is
rendered from it (``python -m tools``).

Templates hold ``{name}`` placeholders. A part in square brackets is optional: it is shown only when
every placeholder inside it has a value, so a message reads well with or without the details
(``"Azure subscription[ {azure_subscription_id}] was not found"``). A placeholder outside brackets
that has no value renders as ``(not known)``; the catalogue keeps every placeholder inside brackets
so that never happens (a test checks it).

Severities:

- ``blocking``: a prerequisite finding that stops the intents listed in ``blocks``; the same code is
  the API error (with ``http_status``) when the service refuses the change or Microsoft rejects it;
- ``error``: only ever an API error;
- ``warning``: the user reads it, and confirms when it comes with a change; it stops nothing;
- ``info``: worth knowing; stops nothing.
"""
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple, Optional, Tuple

from connect_ext.vocabulary import BLOCKING, DISABLE, ENABLE, ERROR, INFO, WARNING


NOT_KNOWN = '(not known)'


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    severity: str
    # What the public API answers when this code is an error; None for a finding that never is.
    http_status: Optional[int]
    message: str
    reason: str
    action: str
    # The intents ('enable', 'disable') a finding with this code stops.
    blocks: Tuple[str, ...] = ()
    # A retry later may succeed without anyone changing anything (Microsoft busy, throttled...).
    transient: bool = False


class RenderedText(NamedTuple):
    message: str
    reason: str
    action: str


def _entry(code, severity, http_status, message, reason, action, blocks=(), transient=False):
    return CatalogueEntry(code, severity, http_status, message, reason, action, blocks, transient)


_BOTH = (ENABLE, DISABLE)
_ENABLE = (ENABLE,)

ENTRIES = (
    # --- who may act, and on which customer ---------------------------------------------------
    _entry(
        'CALLER_NOT_ALLOWED', BLOCKING, 403,
        'This account[ ({account_id})] may not see or change the overage of this customer'
        '[ ({customer_id})].',
        'A reseller reaches only the customers under its own account, and a customer only itself.',
        'Sign in with the account that serves this customer, or ask the distributor to make the '
        'change.',
        blocks=_BOTH,
    ),
    _entry(
        'FORBIDDEN', ERROR, 403,
        'Your account may not do this[: {problem}]',
        'The distributor manages the extension; resellers and customers reach only their own '
        'customers and pages.',
        "Ask the distributor's administrator if you need this access.",
    ),
    _entry(
        'CUSTOMER_NOT_FOUND', ERROR, 404,
        'No customer[ {customer_id}] is known to the Overage Manager.',
        'The id is not a Connect customer account (TA-...) that your account can reach.',
        'Check the customer id, or open the customer from the Manage Overage list.',
    ),
    _entry(
        'TENANT_ID_UNKNOWN', BLOCKING, 422,
        'The customer[ {customer_name}] has no Microsoft tenant id yet[ (Connect customer '
        '{customer_id})].',
        "Overage is set on the customer's Microsoft tenant. Connect records the tenant id on the "
        "customer's Microsoft subscriptions (asset parameter ms_customer_id or "
        'microsoft_tenant_id, as set in TENANT_ID_PARAMS) once an order is fulfilled.',
        "Wait until the customer's first Microsoft order is fulfilled, or fill in the tenant id "
        "parameter of the customer's Microsoft subscription in Connect, then open Manage Overage "
        'again.',
        blocks=_BOTH,
    ),
    # --- scope -------------------------------------------------------------------------------
    _entry(
        'CHINA_NOT_SUPPORTED', BLOCKING, 422,
        'Overage cannot be managed here for a customer in China.',
        "Microsoft's cloud in China is operated by 21Vianet, with its own Partner Center; NCE "
        'overage through Microsoft Cloud International does not cover it.',
        'Manage this customer through the 21Vianet Partner Center. Nothing can be enabled here.',
        blocks=_ENABLE,
    ),
    _entry(
        'COUNTRY_NOT_SUPPORTED', BLOCKING, 422,
        "Overage cannot be enabled for a customer in this country[ ({country})].",
        'Microsoft offers overage everywhere except China and embargoed countries, and the '
        "customer's country is in the extension's BLOCKED_COUNTRIES list.",
        "If the country is wrong, correct the customer's address in Connect or Partner Center. If "
        'the list is wrong, the distributor can change BLOCKED_COUNTRIES. Otherwise overage is '
        'not available for this customer.',
        blocks=_ENABLE,
    ),
    _entry(
        'CUSTOMER_QUALIFICATION_NOT_SUPPORTED', BLOCKING, 422,
        'The customer has a Microsoft qualification[ ({qualification})] that overage does not '
        'cover.',
        'Telco pay-as-you-go overage is for non-qualified commercial customers only; Education, '
        'Government Community Cloud, state-owned and other qualified customers are out of scope.',
        'Do not enable overage for this customer. If the qualification is wrong, have it '
        'corrected in Partner Center first.',
        blocks=_ENABLE,
    ),
    # --- prerequisites in Partner Center -----------------------------------------------------
    _entry(
        'NO_ACTIVE_OVG_SUBSCRIPTION', BLOCKING, 422,
        'Partner Center shows no active overage-capable (OVG) subscription for this customer '
        'under your partner account.',
        'Microsoft lets a partner switch overage on only for a customer that holds at least one '
        'active NCE subscription whose SKU allows overage (consumptionType "overage").',
        'Order an OVG item for the customer (for example a Teams Phone OVG SKU), wait until the '
        'subscription is active, then enable overage.',
        blocks=_ENABLE,
    ),
    _entry(
        'LEGACY_AZURE_PRESENT', BLOCKING, 422,
        'The customer still has legacy Azure subscriptions[ ({legacy_offer_ids})].',
        'Microsoft refuses overage for a customer that holds legacy Azure offers (MS-AZR-..., '
        'for example MS-AZR-0145P); Partner Center answers error 800112.',
        "Transition the customer's legacy Azure subscriptions to the Azure plan (or cancel "
        'them), then enable overage.',
        blocks=_ENABLE,
    ),
    _entry(
        'NO_ACTIVE_AZURE_PLAN', BLOCKING, 422,
        'The customer has no active Microsoft Azure plan under your partner account.',
        'Overage is billed to an Azure subscription of an NCE Azure plan (product '
        'DZH318Z0BPS6); without an active plan there is nowhere to send it.',
        'Order the Microsoft Azure plan (DZH318Z0BPS6:0001) for the customer, who must have '
        'accepted the Microsoft Customer Agreement. Wait until the plan is active (this can take '
        '15 minutes), then enable overage.',
        blocks=_ENABLE,
    ),
    _entry(
        'NO_ACTIVE_AZURE_SUBSCRIPTION', BLOCKING, 422,
        "The customer's Azure plan[ ({azure_plan_ids})] has no active Azure subscription.",
        'Overage is collected by one Azure subscription (an Azure entitlement) under an Azure '
        'plan, not by the plan itself.',
        "Create an Azure subscription under the customer's Azure plan (in the Azure portal or "
        'through the Azure subscription API) or reactivate a suspended one, then enable overage.',
        blocks=_ENABLE,
    ),
    _entry(
        'AZURE_SUBSCRIPTION_NOT_ELIGIBLE', BLOCKING, 422,
        'The chosen Azure subscription[ ({azure_subscription_id})] cannot receive this customer\'s '
        'overage.',
        'Only an active Azure subscription under an active Azure plan of the customer, with your '
        'partner account, can collect overage.',
        'Pick one of the eligible Azure subscriptions[ ({eligible_azure_subscription_ids})], or '
        "create one under the customer's Azure plan.",
        blocks=_ENABLE,
    ),
    _entry(
        'OVERAGE_HELD_BY_OTHER_PARTNER', BLOCKING, 409,
        "The customer's overage is assigned to another partner's Azure subscription"
        '[ ({current_azure_subscription_id})].',
        'Microsoft lets one partner at a time collect a customer\'s overage, and only that partner '
        'can release it (Partner Center error 800115).',
        'Ask the customer to have the partner that holds it set overage to None in Partner Center '
        '(the customer and both partners must agree; Microsoft support can help), then retry.',
        blocks=_BOTH,
    ),
    # --- what Microsoft answers --------------------------------------------------------------
    _entry(
        'AZURE_SUBSCRIPTION_NOT_FOUND', ERROR, 404,
        'Partner Center found no Azure subscription[ {azure_subscription_id}] under this '
        "customer's Azure plan.",
        "The id must be an Azure subscription (entitlement) of the customer's NCE Azure plan "
        '(Partner Center error 800111); it may have been cancelled, or belong to another customer.',
        "Reload the customer's options and pick an active Azure subscription of its Azure plan, "
        'or create one.',
    ),
    _entry(
        'NOT_ELIGIBLE_TO_MANAGE_OVERAGE', ERROR, 403,
        'Microsoft says your partner account is not eligible to manage overage for this customer'
        '[ ({tenant_id})].',
        'Only Admin agents of the transacting partner may change overage, and Microsoft expects '
        'that partner to sell the customer an active overage-capable subscription (Partner Center '
        'error 800114).',
        "Check that the customer's OVG subscription was bought through this partner account and "
        'that the integration user is an Admin agent. An indirect reseller must ask its '
        'distributor to make the change.',
    ),
    _entry(
        'NO_RESELLER_RELATIONSHIP', ERROR, 403,
        'Your partner account has no reseller relationship with this customer in Partner Center'
        '[ ({tenant_id})].',
        'Microsoft lets a partner act only for customers it has a commerce relationship with '
        '(Partner Center error 20002).',
        "Check that the Microsoft tenant id recorded in Connect is this customer's. If it is, "
        'send the customer a reseller relationship request from Partner Center and wait until it '
        'is accepted.',
    ),
    _entry(
        'MICROSOFT_TENANT_NOT_FOUND', ERROR, 404,
        "Partner Center does not know the customer's Microsoft tenant[ {tenant_id}].",
        'The tenant id recorded in Connect matches no customer of your partner account[ (Partner '
        'Center error {microsoft_code})].',
        "Check the tenant id parameter (ms_customer_id or microsoft_tenant_id) on the customer's "
        'Microsoft subscription in Connect and correct it.',
    ),
    _entry(
        'MICROSOFT_SUBSCRIPTION_NOT_FOUND', ERROR, 404,
        'Partner Center could not find a subscription of this customer[ ({subscription_id})].',
        'It may have been cancelled or moved since it was last read (Partner Center error 20003).',
        "Reload the customer's overage page so that its subscriptions are read again, then retry.",
    ),
    _entry(
        'MICROSOFT_NOT_FOUND', ERROR, 404,
        'Partner Center could not find what the extension asked for[ ({path})].',
        'A customer, subscription or Azure subscription that was read earlier no longer exists in '
        'Partner Center.',
        "Reload the customer's overage page and retry; if it persists, check the customer's "
        'Microsoft tenant id in Connect.',
    ),
    _entry(
        'MICROSOFT_INVALID_REQUEST', ERROR, 422,
        'Partner Center rejected the request as invalid[: {microsoft_description}]',
        "Microsoft did not accept one of the values sent, usually the Azure subscription id or "
        "the reseller's partner id[ (Partner Center error {microsoft_code})].",
        "Check the Azure subscription id and the reseller's partner id, then retry. If it "
        'persists, contact support[ with correlation id {correlation_id}].',
    ),
    _entry(
        'RESELLER_PARTNER_ID_INVALID', ERROR, 422,
        "Microsoft does not accept the reseller's partner id[ {partner_id}] for this customer.",
        "In the indirect model, the reseller's partner id (MPN id) must belong to an indirect "
        'reseller linked to your partner account[ (Partner Center error {microsoft_code})].',
        "Correct the reseller's partner id on its tier-1 account in Connect (the parameter named "
        'in RESELLER_MPN_PARAM), or have the reseller link to you in Partner Center, then retry.',
    ),
    _entry(
        'RESELLER_AGREEMENT_NOT_ACCEPTED', ERROR, 403,
        'The reseller has not accepted the Microsoft Partner Agreement.',
        'Microsoft blocks transactions for an indirect reseller until it accepts the agreement '
        '(Partner Center error 900123).',
        'Ask the reseller to accept the Microsoft Partner Agreement in Partner Center, then retry.',
    ),
    _entry(
        'PARTNER_AGREEMENT_NOT_ACCEPTED', ERROR, 403,
        "The distributor's partner account has not accepted the Microsoft Partner Agreement.",
        'Microsoft blocks transactions until the partner accepts the agreement (Partner Center '
        'error 900124).',
        "The distributor's Global admin must accept the Microsoft Partner Agreement in Partner "
        'Center, then retry.',
    ),
    _entry(
        'PARTNER_PROGRAM_NOT_ACTIVE', ERROR, 403,
        "The distributor's Cloud Solution Provider program status is not active.",
        'Microsoft accepts transactions only from partners whose CSP program enrolment is active '
        '(Partner Center error 900149).',
        "The distributor must check its program status in Partner Center and contact Microsoft "
        'partner support to restore it.',
    ),
    _entry(
        'AZURE_PLAN_SANDBOX_LIMIT', ERROR, 422,
        'The Partner Center sandbox account cannot hold another Azure plan.',
        'Sandbox (integration) accounts may hold only a few Azure plans unless Microsoft granted '
        'access (Partner Center error 900116).',
        'Use an existing Azure plan in the sandbox, or apply to Microsoft for Azure plan sandbox '
        'access.',
    ),
    _entry(
        'MICROSOFT_CONFLICT', ERROR, 409,
        "Partner Center reported a conflict with the customer's current state.",
        'Another change to this customer may be in progress in Partner Center.',
        "Wait a minute, reload the customer's overage page, and make the change again if it is "
        'still needed.',
    ),
    _entry(
        'MICROSOFT_REJECTED', ERROR, 422,
        'Partner Center rejected the request[ with error {microsoft_code}][: '
        '{microsoft_description}]',
        'Microsoft gave a reason the Overage Manager does not know how to explain yet.',
        "If Microsoft's description does not say what to fix, contact support[ and quote "
        'correlation id {correlation_id}].',
    ),
    # --- the extension's own access to Microsoft -----------------------------------------------
    _entry(
        'PARTNER_CENTER_CREDENTIALS_REJECTED', ERROR, 502,
        'The Overage Manager could not sign in to Microsoft Partner Center.',
        "Partner Center refused the extension's credentials (application id, secret or refresh "
        'token). This is a configuration problem of the extension, not of your request.',
        "The distributor's administrator must check PARTNER_CENTER_CLIENT_ID, "
        'PARTNER_CENTER_CLIENT_SECRET and PARTNER_CENTER_REFRESH_TOKEN (an Admin agent\'s '
        'App+User consent, with MFA), then retry.',
    ),
    _entry(
        'PARTNER_CENTER_ACCESS_DENIED', ERROR, 403,
        "Partner Center denied the extension's user this operation.",
        "The user behind the extension's Partner Center credentials lacks the Admin agent role, "
        'which changing overage requires[ (Partner Center error {microsoft_code})].',
        "The distributor's administrator must give the integration user the Admin agent role in "
        'Partner Center (or renew the App+User consent with such a user), then retry.',
    ),
    _entry(
        'PARTNER_CENTER_INTEGRATION_ERROR', ERROR, 502,
        'Partner Center did not accept the way the extension called it[ (HTTP '
        '{microsoft_status})].',
        'Microsoft refused the request method or format, which points to an outdated '
        'integration, not to your input.',
        "Report this to the extension's maintainers[ with correlation id {correlation_id}]; "
        'retrying will not help.',
    ),
    _entry(
        'THROTTLED', ERROR, 429,
        'Partner Center is limiting requests for this customer right now.',
        'Microsoft caps how many calls a partner may make per minute, and the extension\'s '
        'retries ran out.',
        'Wait[ {retry_after_seconds} seconds] before trying again.',
        transient=True,
    ),
    _entry(
        'MICROSOFT_UNAVAILABLE', ERROR, 503,
        'Microsoft Partner Center is temporarily unavailable.',
        'Partner Center could not be reached or said it was busy, even after the extension '
        'retried.',
        "Retry in a few minutes. If you were changing overage, reload the customer's overage first "
        'to see whether the change went through.',
        transient=True,
    ),
    _entry(
        'MICROSOFT_ERROR', ERROR, 502,
        'Microsoft Partner Center failed while handling the request.',
        'Partner Center reported an internal error[ (HTTP {microsoft_status})][, error '
        '{microsoft_code}], even after the extension retried.',
        "Retry in a few minutes; reload the customer's overage first if you were changing it. If "
        'it keeps failing, contact Microsoft support[ with correlation id {correlation_id}].',
        transient=True,
    ),
    _entry(
        'MICROSOFT_TIMEOUT', ERROR, 504,
        'Microsoft Partner Center did not answer in time.',
        'The extension waited and retried without an answer, so a change may or may not have '
        'been applied.',
        "Reload the customer's overage to see its current state before you try again.",
        transient=True,
    ),
    # --- the web API's own answers -------------------------------------------------------------
    _entry(
        'VALIDATION_FAILED', ERROR, 422,
        'The request is not valid[: {problem}]',
        'A field is missing or malformed[ ({field})].',
        'Correct the request and send it again: azure_subscription_id is an Azure subscription '
        'GUID, or null to disable overage.',
    ),
    _entry(
        'STALE_STATE', ERROR, 412,
        "The customer's overage changed since you loaded it.",
        'The change was based on an older state (its If-Match no longer matches), so it was not '
        "applied, to avoid overwriting someone else's change.",
        "Reload the customer's overage, check the current state, and make the change again if it "
        'is still needed.',
    ),
    _entry(
        'IDEMPOTENCY_KEY_REUSED', ERROR, 422,
        'This Idempotency-Key was already used for a different request.',
        'One key stands for one change; the same key with another body would be ambiguous.',
        'Send a new Idempotency-Key for a new change, or repeat the original request unchanged.',
    ),
    _entry(
        'INTERNAL_ERROR', ERROR, 500,
        'Something went wrong inside the Overage Manager.',
        'An unexpected error happened and was logged[ with reference {reference}].',
        'Retry. If it happens again, contact support[ and quote reference {reference}].',
    ),
    _entry(
        'CHANGE_NOT_CONFIRMED', WARNING, 202,
        'Microsoft accepted the change, but Partner Center does not show it yet.',
        'Partner Center applies overage changes with a delay, and reading it back[ for '
        '{waited_seconds} seconds] did not show the new setting.',
        "Reload the customer's overage in a few minutes to check it; do not send the change again "
        'before that.',
    ),
    # --- the web API's own refusals (routes, Connect, concurrency) ---------------------------
    _entry(
        'ROUTE_NOT_FOUND', ERROR, 404,
        'There is no such route in the Overage Manager API[: {method} {path}].',
        'The path does not match any route of the API.',
        'Check the path against the API reference (docs/openapi.json).',
    ),
    _entry(
        'METHOD_NOT_ALLOWED', ERROR, 405,
        'This route does not accept the method[ {method}].',
        'The route exists, but not for this HTTP method.',
        'Check the method against the API reference (docs/openapi.json).',
    ),
    _entry(
        'ASSET_NOT_FOUND', ERROR, 404,
        'No subscription[ {asset_id}] is known to the Overage Manager.',
        'The id is not a Connect subscription (AS-...) of a customer that your account can reach.',
        'Check the subscription id, or open the customer from the Manage Overage list.',
    ),
    _entry(
        'PRODUCT_NOT_FOUND', ERROR, 404,
        'No product[ {product_id}] is available to the Overage Manager.',
        'The id is not a Connect product (PRD-...) that your account can see, or it is not one of '
        'the products configured in PRODUCT_IDS.',
        'Check the product id, or leave it out to list the items of every configured product.',
    ),
    _entry(
        'CHANGE_IN_PROGRESS', ERROR, 409,
        "Another change of this customer's overage is still running.",
        "Changes of one customer's overage run one at a time, and the previous one did not "
        'finish in time.',
        "Wait a minute, reload the customer's overage, and make the change again if it is still "
        'needed.',
    ),
    _entry(
        'CONNECT_UNAVAILABLE', ERROR, 503,
        'CloudBlue Connect could not be reached.',
        'The Overage Manager reads customers, subscriptions and products from Connect, which did '
        'not answer or said it was busy[ (HTTP {connect_status})].',
        'Retry in a few minutes.',
    ),
    _entry(
        'CONNECT_ERROR', ERROR, 502,
        'CloudBlue Connect refused a request of the Overage Manager[ (HTTP {connect_status})].',
        "Connect did not accept the extension's own request[ ({connect_code})]; this is not a "
        'problem of your request.',
        "Report this to the distributor's administrator; retrying will not help.",
    ),
    _entry(
        'HTTP_ERROR', ERROR, 400,
        'The request could not be served[ (HTTP {status})].',
        'The request did not fit what the API accepts.',
        'Check the request against the API reference (docs/openapi.json).',
    ),
    _entry(
        'CUSTOMER_CHANGES_DISABLED', ERROR, 403,
        'Customers cannot change their own overage here.',
        "The provider has not allowed customers to change overage themselves (the CUSTOMERS_MAY_CHANGE "
        'setting).',
        'Ask your provider to enable, move or disable overage for you.',
    ),
    _entry(
        'WEBHOOK_DELIVERY_FAILED', ERROR, 502,
        'A change notification could not be delivered to the webhook URL.',
        'The receiver of OVERAGE_WEBHOOK_URL refused it or did not answer, even after the retries'
        '[ ({attempts} attempts)].',
        'Check that the receiver is up and accepts the signed notifications; the change itself '
        'was made and is in the audit trail.',
    ),
    # --- warnings and information shown with the customer's state --------------------------------
    _entry(
        'OVERAGE_COLLECTS_ALL_PARTNERS', WARNING, None,
        'The chosen Azure subscription[ ({azure_subscription_id})] will collect the overage of all '
        "the customer's overage-capable subscriptions, from every partner and channel.",
        'Overage is one setting for the whole customer: a single Azure subscription receives all '
        'of it, including the usage of licences sold by other partners.',
        'Confirm with the customer that you will be billed, and will bill them, for all of their '
        'overage before you continue.',
    ),
    _entry(
        'COMMUNICATIONS_CREDITS_AUTO_RECHARGE', WARNING, None,
        'If the customer still has Communications Credits, overage starts only once that balance '
        'is used up, and never while auto-recharge is on.',
        'Microsoft bills telco usage from any remaining Communications Credits balance first; '
        'with auto-recharge on, the balance refills itself and billing never moves to overage.',
        "Ask the customer's Global admin to turn off auto-recharge in the Microsoft 365 admin "
        'center (Billing > Your products > Communications Credits), right after overage is '
        'enabled so that calling is not interrupted.',
    ),
    _entry(
        'DISABLE_STOPS_AT_LIMIT', WARNING, None,
        "Disabling overage stops every overage-capable subscription of the customer at its "
        'monthly limit[ ({count} under your account, plus any bought from other partners)].',
        'Overage is one setting for the whole customer: without it, calls beyond the included '
        'minutes, toll-free numbers and pay-as-you-go calling stop for all its users, whoever sold '
        'their licences.',
        'Confirm with the customer before you disable overage.',
    ),
    _entry(
        'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION', WARNING, None,
        'Overage still goes to your Azure subscription[ ({current_azure_subscription_id})], '
        'although the customer has no active overage-capable subscription under your account.',
        'Overage stays assigned after the last OVG subscription ends, and keeps collecting the '
        'usage of OVG licences the customer buys elsewhere.',
        'Decide with the customer whether to keep it or to set it to None.',
    ),
    _entry(
        'OVERAGE_TARGET_NOT_ACTIVE', WARNING, None,
        'Overage goes to an Azure subscription[ ({current_azure_subscription_id})] that cannot '
        'collect it now[: {state}].',
        'Usage beyond the monthly allowance is billed to that Azure subscription; while it is '
        'not active, those calls may fail.',
        'Move overage to an active Azure subscription of the customer, or reactivate this one.',
    ),
    _entry(
        'OVERAGE_STATE_UNKNOWN', INFO, None,
        "The customer's current overage setting could not be read from Partner Center.",
        'The Overage Manager shows the state it last read; Microsoft is read again before any '
        'change.',
        "Reload the customer's overage page to read it again.",
    ),
    _entry(
        'NO_MARGIN_OR_PEC', INFO, None,
        'Overage charges carry no CSP discount, margin or partner-earned credit.',
        'Microsoft bills telco pay-as-you-go usage at the public Microsoft Teams Phone and '
        'Calling rates.',
        "Price overage to the customer at or above Microsoft's published rates.",
    ),
    _entry(
        'OVERAGE_ALREADY_ENABLED', INFO, None,
        'Overage already goes to this Azure subscription[ ({azure_subscription_id})].',
        'The requested setting is the current one.',
        'Nothing to do.',
    ),
    _entry(
        'OVERAGE_ALREADY_DISABLED', INFO, None,
        "The customer's overage is already disabled.",
        'The requested setting is the current one.',
        'Nothing to do.',
    ),
)

CATALOGUE: Mapping[str, CatalogueEntry] = {entry.code: entry for entry in ENTRIES}

# The two "nothing to change" findings: the service skips the write when one of them is present.
ALREADY_IN_REQUESTED_STATE = frozenset({'OVERAGE_ALREADY_ENABLED', 'OVERAGE_ALREADY_DISABLED'})


def entry(code: str) -> CatalogueEntry:
    """The catalogue entry of ``code``; an unknown code is a programming error (``KeyError``)."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f'{code!r} is not in the overage message catalogue') from None


# --- rendering -------------------------------------------------------------------------------

_OPTIONAL = re.compile(r'\[([^\[\]]*)\]')
_PLACEHOLDER = re.compile(r'\{(\w+)\}')
# One pass over the template: an optional part, or a placeholder outside any.
_PART = re.compile(r'\[([^\[\]]*)\]|\{(\w+)\}')


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (str, list, tuple, set, frozenset, dict)):
        return len(value) > 0
    return True


def format_value(value: Any) -> str:
    """How a parameter reads in a sentence: lists joined by commas, 57.0 as 57."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ', '.join(format_value(item) for item in items)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def placeholders(template: str) -> Tuple[str, ...]:
    return tuple(_PLACEHOLDER.findall(template))


def mandatory_placeholders(template: str) -> Tuple[str, ...]:
    """The placeholders outside optional brackets (the catalogue keeps none)."""
    return placeholders(_OPTIONAL.sub('', template))


def render(template: str, params: Optional[Mapping[str, Any]] = None) -> str:
    """Fill ``template`` from ``params``; never fails on a missing or odd value.

    Values are inserted once and never read again, so a value holding ``{...}`` or ``[...]``
    shows as it is.
    """
    params = params or {}

    def fill(name: str) -> str:
        value = params.get(name)
        return format_value(value) if _present(value) else NOT_KNOWN

    def part(match) -> str:
        segment, name = match.group(1), match.group(2)
        if name is not None:
            return fill(name)
        if all(_present(params.get(inner)) for inner in placeholders(segment)):
            return _PLACEHOLDER.sub(lambda inner: fill(inner.group(1)), segment)
        return ''

    return _PART.sub(part, template)


def render_entry(code: str, params: Optional[Mapping[str, Any]] = None) -> RenderedText:
    item = entry(code)
    return RenderedText(*(
        _sentence(render(template, params)) for template in (item.message, item.reason, item.action)
    ))


def _sentence(text: str) -> str:
    """Close a rendered text with a full stop when a quoted Microsoft description did not."""
    text = text.strip()
    return text if not text or text[-1] in '.!?' else text + '.'
