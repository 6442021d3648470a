"""The web API's request and response bodies, valid on pydantic 1.10 and 2.

Request bodies forbid unknown fields (a typo must not silently mean "disable") and check the
Azure subscription id is a GUID before anything else runs. Response models are what the routes
answer: :mod:`connect_ext.api.presenters` builds them from the domain results and the routes answer
their ``dump``, so the OpenAPI document (built from these models) and the answers cannot drift.
"""
from enum import Enum
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field

from connect_ext.compat import RequestModel, pattern_kwarg
from connect_ext.vocabulary import GUID_PATTERN, OVERAGE_STATUSES


# The overview's status filter: the vocabulary's statuses, in its order.
OverageStatus = Enum('OverageStatus', [(status, status) for status in OVERAGE_STATUSES], type=str)


# --- requests --------------------------------------------------------------------------------

class OverageChangeRequest(RequestModel):
    """Where the customer's overage should go: an Azure subscription, or null to disable it."""

    azure_subscription_id: Optional[str] = Field(
        ...,
        description=(
            'The Azure subscription (Azure entitlement GUID) that collects the overage; '
            'null sets overage to None (disabled).'
        ),
        **pattern_kwarg(GUID_PATTERN),
    )


# --- errors ----------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    code: str
    message: str
    reason: str
    action: str
    details: Dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: ErrorDetail


# --- customers -------------------------------------------------------------------------------

class CustomerInfo(BaseModel):
    id: str
    name: Optional[str] = None
    tenant_id: Optional[str] = None
    country: Optional[str] = None
    tier1_id: Optional[str] = None
    tier2_id: Optional[str] = None


class CustomerSummary(CustomerInfo):
    """A customer of the overview, as the store last saw it (never read from Microsoft here)."""

    status: str
    azure_subscription_id: Optional[str] = None
    partner_id: Optional[str] = None
    ovg_subscription_count: int = 0
    ovg_asset_ids: List[str] = Field(default_factory=list)
    flags: List[str] = Field(default_factory=list)
    checked_at: Optional[str] = None
    # A change of this customer Microsoft accepted but does not show yet is awaited.
    pending_confirmation: bool = False


class CustomerPage(BaseModel):
    """One page of the overview. ``total`` is ``exact`` up to 10,000 matching customers; past that
    it is the database's ``estimate`` or a lower bound (``at_least``), as ``total_is`` says.
    ``next_cursor`` continues after this page (null on the last page)."""

    items: List[CustomerSummary]
    total: int
    total_is: str = 'exact'
    limit: int
    offset: int
    next_cursor: Optional[str] = None


class FindingBody(BaseModel):
    code: str
    severity: str
    message: str
    reason: str
    action: str
    blocks: List[str] = Field(default_factory=list)
    params: Dict[str, Any] = Field(default_factory=dict)


class OvgSubscription(BaseModel):
    id: str
    offer_id: Optional[str] = None
    name: Optional[str] = None
    status: Optional[str] = None
    partner_id: Optional[str] = None


class AzurePlanRef(BaseModel):
    subscription_id: str
    name: Optional[str] = None


class AzureSubscriptionRef(BaseModel):
    id: str
    name: Optional[str] = None
    status: Optional[str] = None


class Permissions(BaseModel):
    """What the caller may do: ``can_change`` is false for customers unless CUSTOMERS_MAY_CHANGE."""

    can_change: bool


class ConfirmationTarget(BaseModel):
    enabled: bool
    azure_subscription_id: Optional[str] = None


class PendingConfirmationBody(BaseModel):
    """A change Microsoft accepted but does not show yet ("waiting for Microsoft to confirm"): read
    again in the background until Microsoft shows ``target`` or ``confirm_by`` passes."""

    action: str
    target: ConfirmationTarget
    audit_id: int
    requested_at: str
    confirm_by: str


class _OverageStateFields(BaseModel):
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


class AzureSubscriptionOption(BaseModel):
    id: str
    name: Optional[str] = None
    status: Optional[str] = None
    eligible: bool
    current: bool


class AzurePlanOption(BaseModel):
    subscription_id: str
    name: Optional[str] = None
    offer_id: Optional[str] = None
    status: Optional[str] = None
    azure_subscriptions: List[AzureSubscriptionOption] = Field(default_factory=list)


class OverageOptionsBody(BaseModel):
    customer: CustomerInfo
    status: str
    azure_plans: List[AzurePlanOption] = Field(default_factory=list)
    can_enable: bool
    can_disable: bool
    findings: List[FindingBody] = Field(default_factory=list)
    etag: str


class ChangeInfo(BaseModel):
    action: str
    outcome: str
    audit_id: Optional[int] = None
    ms_request_id: Optional[str] = None
    ms_correlation_id: Optional[str] = None


class ChangeResultBody(_OverageStateFields):
    """The state after the change, and what was done (``outcome``: succeeded, no_change, unconfirmed;
    an unconfirmed change is then in ``pending_confirmation``)."""

    change: ChangeInfo


class OverageSetting(BaseModel):
    enabled: Optional[bool] = None
    azure_subscription_id: Optional[str] = None


class Actor(BaseModel):
    type: str
    id: Optional[str] = None
    name: Optional[str] = None


class AuditError(BaseModel):
    code: Optional[str] = None
    message: Optional[str] = None


class HistoryEntry(BaseModel):
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


class HistoryPage(BaseModel):
    items: List[HistoryEntry]
    total: int
    limit: int
    offset: int


# --- catalogue and settings ------------------------------------------------------------------

class CatalogueItem(BaseModel):
    product_id: str
    id: str
    name: Optional[str] = None
    display_name: Optional[str] = None
    mpn: Optional[str] = None
    status: Optional[str] = None
    period: Optional[str] = None
    type: Optional[str] = None


class ItemsPage(BaseModel):
    items: List[CatalogueItem]
    total: int


class ConnectionCheck(BaseModel):
    ok: bool
    mode: str


class RefreshTokenState(BaseModel):
    """The App+User refresh token in use (never the token): where it comes from (``renewed``: the
    newest one Entra handed out, kept encrypted in the store; ``configured``:
    PARTNER_CENTER_REFRESH_TOKEN, none renewed from it yet; ``unreadable``: a renewed one is stored
    but the current key cannot decrypt it), when it was last renewed and used, and the warnings."""

    source: str
    renewed_at: Optional[str] = None
    used_at: Optional[str] = None
    warnings: List[FindingBody] = Field(default_factory=list)


class PartnerCenterConfiguration(BaseModel):
    api_url: str
    login_url: str
    tenant_id: Optional[str] = None
    client_id: Optional[str] = None
    mode: str
    # Only in App+User mode.
    refresh_token: Optional[RefreshTokenState] = None


class SettingsBody(BaseModel):
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


class CallerBody(BaseModel):
    """Who Connect says is calling, as the pages need it: the role (``owner``, ``reseller`` or
    ``customer``), the Connect account, the customer's own id on a customer home page (the tier
    account Connect names with the call), and whether this caller may change overage."""

    role: str
    account_id: str
    customer_id: Optional[str] = None
    may_change: bool


class ApplicableSettingsBody(BaseModel):
    """What of the configuration applies to a reseller (read-only; set by the distributor)."""

    sku_marker: str
    reseller_mpn_param: str
    product_ids: List[str] = Field(default_factory=list)
    customers_may_change: bool
