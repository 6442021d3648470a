"""The web API's request and response bodies, valid on pydantic 1.10 and 2.

Request bodies forbid unknown fields (a typo must not silently mean "disable") and check the
Azure subscription id is a GUID before anything else runs. Response models are what the routes
answer: :mod:`connect_ext.api.presenters` builds them from the domain results and the routes answer
their ``dump``, so the OpenAPI document (built from these models) and the answers cannot drift.
"""
from enum import Enum
from typing import Any, Dict, List, Optional

from pydantic import Field

from connect_ext.api.sync_coverage import SyncCoverageBody
from connect_ext.compat import RequestModel, ResponseModel, pattern_kwarg
from connect_ext.vocabulary import ATTENTIONS, GUID_PATTERN, OVERAGE_STATUSES


# The overview's status filter: the vocabulary's statuses, in its order.
OverageStatus = Enum('OverageStatus', [(status, status) for status in OVERAGE_STATUSES], type=str)
# The overview's attention filter (the work queue): the vocabulary's, in its order.
AttentionValue = Enum('AttentionValue', [(value, value) for value in ATTENTIONS], type=str)


# --- requests --------------------------------------------------------------------------------

class OverageChangeRequest(RequestModel):
    """Where the customer's overage should go: an Azure subscription, null to disable it, or
    ``create_azure_subscription`` true (alone) for one that Microsoft creates."""

    azure_subscription_id: Optional[str] = Field(
        None,
        description=(
            'The Azure subscription (Azure entitlement GUID) that collects the overage; '
            'null sets overage to None (disabled). Required unless create_azure_subscription is true, '
            'and then left out.'
        ),
        **pattern_kwarg(GUID_PATTERN),
    )
    create_azure_subscription: Optional[bool] = Field(
        None,
        description=(
            'true: enable (or move) overage to a new Azure subscription that Microsoft creates, under '
            "the customer's active Azure plan or with a new no-cost Azure plan (\"Subscription 1\")."
        ),
    )


class MicrosoftCustomerAgreementRequest(RequestModel):
    """The customer's acceptance of the Microsoft Customer Agreement, as Microsoft records it: the
    customer contact who accepted it, the date, and the partner's confirmation that it did."""

    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., min_length=3, max_length=320, **pattern_kwarg(r'^[^@\s]+@[^@\s]+$'))
    phone_number: Optional[str] = Field(None, max_length=40)
    date_agreed: str = Field(
        ..., description='The date the customer accepted it (YYYY-MM-DD).',
        **pattern_kwarg(r'^\d{4}-\d{2}-\d{2}$'),
    )
    customer_accepted: bool = Field(
        ..., description='true confirms that the customer accepted the agreement on that date.',
    )


# --- errors ----------------------------------------------------------------------------------

class ErrorDetail(ResponseModel):
    code: str
    message: str
    reason: str
    action: str
    details: Dict[str, Any] = Field(default_factory=dict)


class ErrorBody(ResponseModel):
    """The one shape of every error answer."""

    error: ErrorDetail


# --- customers -------------------------------------------------------------------------------

class CustomerInfo(ResponseModel):
    id: str
    name: Optional[str] = None
    tenant_id: Optional[str] = None
    country: Optional[str] = None
    tier1_id: Optional[str] = None
    tier2_id: Optional[str] = None


class AttentionReason(ResponseModel):
    """Why an overview customer needs attention, or what to do first: a catalogue code (docs/errors.md)
    and its words."""

    code: str
    message: str
    action: str


class CustomerSummary(CustomerInfo):
    """A customer of the overview, as the store last saw it (never read from Microsoft here)."""

    status: str
    azure_subscription_id: Optional[str] = Field(
        None, description='Where the overage goes: only when it goes to one of our Azure '
                          "subscriptions (status enabled); never another partner's, nor the last "
                          'one of a disabled customer.',
    )
    partner_id: Optional[str] = None
    ovg_subscription_count: int = Field(
        0, description="Microsoft's count of the customer's active OVG subscriptions under our partner "
                       "account at the last read (Microsoft shows no other partner's).",
    )
    ovg_asset_ids: List[str] = Field(
        default_factory=list, description="Connect's subscriptions (assets) of the customer with OVG items.",
    )
    flags: List[str] = Field(
        default_factory=list,
        description='overage_without_ovg_subscription: overage was still assigned when the last OVG '
                    'subscription was cancelled.',
    )
    checked_at: Optional[str] = None
    # A change of this customer Microsoft accepted but does not show yet is awaited.
    pending_confirmation: bool = False
    # The work queue (api/attention.py): what the customer needs, and why or what to do first;
    # null until a read of Microsoft judged the customer.
    attention: Optional[str] = None
    attention_reason: Optional[AttentionReason] = None


class CustomerPage(ResponseModel):
    """One page of the overview. ``total`` is ``exact`` up to 10,000 matching customers; past that
    it is the database's ``estimate`` or a lower bound (``at_least``), as ``total_is`` says.
    ``next_cursor`` continues after this page (null on the last page)."""

    items: List[CustomerSummary]
    total: int
    total_is: str = 'exact'
    limit: int
    offset: int
    next_cursor: Optional[str] = None


class FindingBody(ResponseModel):
    code: str
    severity: str
    message: str
    reason: str
    action: str
    blocks: List[str] = Field(default_factory=list)
    params: Dict[str, Any] = Field(default_factory=dict)
    # A blocking finding someone can remove (false: China, a qualification, a blocked country).
    fixable: bool = True
    # Its place among the blocking findings of the answer (1: do it first); null for the others.
    order: Optional[int] = None


class OvgSubscription(ResponseModel):
    id: str
    offer_id: Optional[str] = None
    name: Optional[str] = None
    status: Optional[str] = None
    partner_id: Optional[str] = None


class AzurePlanRef(ResponseModel):
    subscription_id: str
    name: Optional[str] = None


class AzureSubscriptionRef(ResponseModel):
    id: str
    name: Optional[str] = None
    status: Optional[str] = None


class Permissions(ResponseModel):
    """What the caller may do: ``can_change`` is false for customers unless CUSTOMERS_MAY_CHANGE."""

    can_change: bool


class ConfirmationTarget(ResponseModel):
    enabled: bool
    azure_subscription_id: Optional[str] = None
    # The change enables overage to an Azure subscription Microsoft creates (no id until it shows).
    create_azure_subscription: bool = False


class PendingConfirmationBody(ResponseModel):
    """A change Microsoft accepted but does not show yet ("waiting for Microsoft to confirm"): read
    again in the background until Microsoft shows ``target`` or ``confirm_by`` passes."""

    action: str
    target: ConfirmationTarget
    audit_id: int
    requested_at: str
    confirm_by: str


class _OverageStateFields(ResponseModel):
    """What the state answer and the change answer share (not a schema of its own)."""

    customer: CustomerInfo
    status: str
    enabled: bool
    azure_subscription_id: Optional[str] = None
    partner_id: Optional[str] = None
    azure_plan: Optional[AzurePlanRef] = None
    azure_subscription: Optional[AzureSubscriptionRef] = None
    ovg_subscriptions: List[OvgSubscription] = Field(default_factory=list)
    findings: List[FindingBody] = Field(default_factory=list)
    etag: str
    checked_at: str
    # The change awaiting Microsoft's confirmation; null when none is awaited.
    pending_confirmation: Optional[PendingConfirmationBody] = None


class OverageStateBody(_OverageStateFields):
    """The customer's overage as Microsoft shows it now, its OVG subscriptions and every finding."""

    permissions: Permissions


class AzureSubscriptionOption(ResponseModel):
    id: str
    name: Optional[str] = None
    status: Optional[str] = None
    eligible: bool
    current: bool


class AzurePlanOption(ResponseModel):
    subscription_id: str
    name: Optional[str] = None
    offer_id: Optional[str] = None
    status: Optional[str] = None
    azure_subscriptions: List[AzureSubscriptionOption] = Field(default_factory=list)


class AzureSubscriptionCreationBody(ResponseModel):
    """Whether Microsoft may create an Azure subscription for the overage, and what: ``creates`` is
    ``azure_subscription`` (under ``azure_plan``) or ``azure_plan_and_subscription`` (a new no-cost
    Azure plan with "Subscription 1"); ``findings`` are those that stop it."""

    possible: bool
    creates: str
    description: str
    azure_subscription_name: str
    azure_plan: Optional[AzurePlanRef] = None
    findings: List[FindingBody] = Field(default_factory=list)


class OverageOptionsBody(ResponseModel):
    customer: CustomerInfo
    status: str
    azure_plans: List[AzurePlanOption] = Field(default_factory=list)
    can_enable: bool
    can_disable: bool
    can_create_azure_subscription: bool
    create_azure_subscription: AzureSubscriptionCreationBody
    findings: List[FindingBody] = Field(default_factory=list)
    etag: str


class CreatedAzureSubscriptionBody(ResponseModel):
    """The Azure subscription (and Azure plan) Microsoft created for the overage."""

    azure_subscription_id: str
    name: Optional[str] = None
    azure_plan_id: Optional[str] = None
    azure_plan_name: Optional[str] = None
    new_azure_plan: Optional[bool] = None


class ChangeInfo(ResponseModel):
    action: str
    outcome: str
    audit_id: Optional[int] = None
    ms_request_id: Optional[str] = None
    ms_correlation_id: Optional[str] = None
    # A change that creates an Azure subscription: what Microsoft created, once it shows it
    # (null while waiting for Microsoft: the history and the webhook name it once confirmed).
    create_azure_subscription: bool = False
    created: Optional[CreatedAzureSubscriptionBody] = None


class ChangeResultBody(_OverageStateFields):
    """The state after the change, and what was done (``outcome``: succeeded, no_change, unconfirmed;
    an unconfirmed change is then in ``pending_confirmation``)."""

    change: ChangeInfo


class AgreementContact(ResponseModel):
    first_name: str
    last_name: str
    email: str
    phone_number: Optional[str] = None


class AgreementBody(ResponseModel):
    """The acceptance of the Microsoft Customer Agreement recorded with Partner Center."""

    customer: CustomerInfo
    type: str
    template_id: str
    date_agreed: str
    primary_contact: AgreementContact


class OverageSetting(ResponseModel):
    enabled: Optional[bool] = None
    azure_subscription_id: Optional[str] = None


class Actor(ResponseModel):
    type: str
    id: Optional[str] = None
    name: Optional[str] = None


class AuditError(ResponseModel):
    code: Optional[str] = None
    message: Optional[str] = None


class HistoryEntry(ResponseModel):
    id: int
    at: str
    action: str
    outcome: str
    actor: Actor
    before: OverageSetting
    requested: OverageSetting
    error: Optional[AuditError] = None
    ms_request_id: Optional[str] = None
    ms_correlation_id: Optional[str] = None
    details: Dict[str, Any] = Field(default_factory=dict)


class HistoryPage(ResponseModel):
    items: List[HistoryEntry]
    total: int
    limit: int
    offset: int


# --- catalogue and settings ------------------------------------------------------------------

class CatalogueItem(ResponseModel):
    """An OVG item of the catalogue: its product (id and name) and Connect's count of who holds it."""

    product_id: str
    product_name: Optional[str] = Field(None, description="The product's name in Connect.")
    id: str
    name: Optional[str] = None
    display_name: Optional[str] = None
    mpn: Optional[str] = None
    status: Optional[str] = None
    period: Optional[str] = None
    type: Optional[str] = None
    customers: Optional[int] = Field(
        None, description="Connect's count of the active subscriptions (assets) holding the item, as "
                          "the caller's account sees them (a reseller: only its own); null when "
                          'Connect could not count them (unknown, not 0).',
    )


class ItemsPage(ResponseModel):
    items: List[CatalogueItem]
    total: int


class ConnectionCheck(ResponseModel):
    ok: bool
    mode: str


class RefreshTokenState(ResponseModel):
    """The App+User refresh token in use (never the token): where it comes from (``renewed``: the
    newest one Entra handed out, kept encrypted in the store; ``configured``:
    PARTNER_CENTER_REFRESH_TOKEN, none renewed from it yet; ``unreadable``: a renewed one is stored
    but the current key cannot decrypt it), when it was last renewed and used, and the warnings."""

    source: str
    renewed_at: Optional[str] = None
    used_at: Optional[str] = None
    warnings: List[FindingBody] = Field(default_factory=list)


class PartnerCenterConfiguration(ResponseModel):
    api_url: str
    login_url: str
    tenant_id: Optional[str] = None
    client_id: Optional[str] = None
    mode: str
    # Only in App+User mode.
    refresh_token: Optional[RefreshTokenState] = None


class RateBudgetBody(ResponseModel):
    """Partner Center's rate budget, shared by every process: the limit, how it is shared
    (``PEOPLE_RATE_SHARE`` kept for people, ``SYNC_RATE_SHARE`` of the rest for the sync), the
    calls taken this minute and the last, the 429s of the last hour and any pause they imposed."""

    limit_per_minute: int
    usable_per_minute: float
    people_rate_share: float
    kept_for_people_per_minute: float
    sync_rate_share: float
    sync_per_minute: float
    used_this_minute: int
    used_last_minute: int
    throttled_last_hour: int
    paused_for_seconds: float


class SettingsBody(ResponseModel):
    """The configuration that matters to the people using the pages; no secret is ever included."""

    sku_marker: str
    blocked_countries: List[str]
    tenant_id_params: List[str]
    reseller_mpn_param: str
    product_ids: List[str] = Field(default_factory=list)
    webhook_url: Optional[str] = None
    webhook_signed: bool
    customers_may_change: bool
    store: str
    # Whether the store survives a restart (PostgreSQL, or SQLite said durable with STORE_IS_DURABLE),
    # and what may be lost when it does not, under Connect's runner.
    store_durable: bool
    store_warning: Optional[str] = None
    partner_center: PartnerCenterConfiguration
    # None when the store cannot be read just now.
    rate_budget: Optional[RateBudgetBody] = None
    # The sync's coverage (counted every few minutes); None when the store cannot be read just now.
    sync_coverage: Optional[SyncCoverageBody] = None


class CallerBody(ResponseModel):
    """Who Connect says is calling, as the pages need it: the role (``owner``, ``reseller`` or
    ``customer``), the Connect account, the customer's own id on a customer home page (the tier
    account Connect names with the call), and whether this caller may change overage."""

    role: str
    account_id: str
    customer_id: Optional[str] = None
    may_change: bool


class ApplicableSettingsBody(ResponseModel):
    """What of the configuration applies to a reseller (read-only; set by the distributor)."""

    sku_marker: str
    reseller_mpn_param: str
    product_ids: List[str] = Field(default_factory=list)
    customers_may_change: bool
