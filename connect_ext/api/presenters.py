"""The one home of every response body: the :mod:`.schemas` models, built from domain results.

Each function takes what the service, the store or Connect handed over (an ``OverageState``, an
``AuditRecord``, a ``CustomerRecord``, a catalogue item...) and returns the response model the
route's OpenAPI entry names; the route answers its :func:`~connect_ext.compat.dump`
(:func:`connect_ext.api.responses.model_answer`). Nothing else builds API JSON, and nothing
outside the web API reads it: the order notes and the webhook render the domain results
themselves.

Rules of the public contract kept here: every field is present (``None`` as ``null``), times are
``datetime.isoformat()`` strings (``+00:00``, the same on pydantic 1 and 2), and a field's value
is today's value, never reformatted.
"""
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from connect_ext.api.attention import attention_of, shown_azure_subscription
from connect_ext.api.audience import blocker_orders, findings_for, is_customer, shown_params
from connect_ext.api.cursors import encode_cursor
from connect_ext.api.schemas import (
    Actor,
    AgreementBody,
    AgreementContact,
    ApplicableSettingsBody,
    AuditError,
    AzurePlanOption,
    AzurePlanRef,
    AzureSubscriptionCreationBody,
    AzureSubscriptionOption,
    AzureSubscriptionRef,
    CallerBody,
    CatalogueItem,
    ChangeInfo,
    ChangeResultBody,
    ConfirmationTarget,
    ConnectionCheck,
    CreatedAzureSubscriptionBody,
    CustomerInfo,
    CustomerPage,
    CustomerSummary,
    FindingBody,
    HistoryEntry,
    HistoryPage,
    ItemsPage,
    OverageOptionsBody,
    OverageSetting,
    OverageStateBody,
    OvgSubscription,
    PartnerCenterConfiguration,
    PendingConfirmationBody,
    Permissions,
    RateBudgetBody,
    RefreshTokenState,
    SettingsBody,
)
from connect_ext.api.sync_coverage import sync_coverage_body
from connect_ext.config import Settings
from connect_ext.errors import catalogue
from connect_ext.notifications.destinations import display_url
from connect_ext.overage.access import may_change
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.overage.prerequisites import Finding
from connect_ext.partner_center.auth import mode_of
from connect_ext.partner_center.budget import BudgetState
from connect_ext.partner_center.refresh_tokens import RefreshTokenStatus
from connect_ext.service.results import (
    AzurePlanChoice,
    ChangeResult,
    CreatedAzureSubscription,
    OverageOptions,
    OverageState,
)
from connect_ext.store import AuditRecord, CustomerRecord, Page
from connect_ext.store.durability import Durability
from connect_ext.store.records import PendingConfirmationRecord
from connect_ext.store.sync_claims import SyncCoverage
from connect_ext.vocabulary import (
    ACTION_WEBHOOK,
    AUDIENCE_PARTNER,
    CREATED_SUBSCRIPTION_NAME,
    CUSTOMER,
    SOURCE_UNREADABLE,
)


# --- the pieces ------------------------------------------------------------------------------

def customer_info(customer: CustomerRef) -> CustomerInfo:
    return CustomerInfo(
        id=customer.customer_id,
        name=customer.name,
        tenant_id=customer.tenant_id,
        country=customer.country,
        tier1_id=customer.tier1_id,
        tier2_id=customer.tier2_id,
    )


def finding_body(finding: Finding, order: Optional[int] = None) -> FindingBody:
    return FindingBody(
        code=finding.code,
        severity=finding.severity,
        message=finding.message,
        reason=finding.reason,
        action=finding.action,
        params=dict(finding.params),
        blocks=list(finding.blocks),
        fixable=finding.fixable,
        order=order,
    )


def _findings(findings: Iterable[Finding], audience: str = AUDIENCE_PARTNER) -> List[FindingBody]:
    """The findings in ``audience``'s words, each blocking one with its place (what to do first)."""
    shown = findings_for(findings, audience)
    return [finding_body(finding, order) for finding, order in zip(shown, blocker_orders(shown), strict=True)]


# --- one customer's overage ------------------------------------------------------------------

def pending_confirmation_body(
    pending: Optional[PendingConfirmationRecord],
) -> Optional[PendingConfirmationBody]:
    if pending is None:
        return None
    return PendingConfirmationBody(
        action=pending.action,
        target=ConfirmationTarget(
            enabled=pending.to_enabled,
            azure_subscription_id=pending.to_entitlement if pending.to_enabled else None,
            create_azure_subscription=bool(pending.to_enabled and not pending.to_entitlement),
        ),
        audit_id=pending.audit_id,
        requested_at=pending.requested_at.isoformat(),
        confirm_by=pending.confirm_by.isoformat(),
    )


def _state_fields(state: OverageState, audience: str = AUDIENCE_PARTNER) -> dict:
    """The fields the state answer and the change answer share, for ``audience`` (a customer
    reads its own words, and no partner id: :mod:`.audience`)."""
    partner_ids = not is_customer(audience)
    target = state.target
    plan = target.plan if target else None
    entitlement = target.entitlement if target else None
    if entitlement is not None:
        subscription = AzureSubscriptionRef(
            id=entitlement.id, name=entitlement.friendly_name, status=entitlement.status,
        )
    elif target is not None:
        subscription = AzureSubscriptionRef(id=target.azure_subscription_id, name=None, status=None)
    else:
        subscription = None
    return {
        'customer': customer_info(state.customer),
        'status': state.status,
        'enabled': state.enabled,
        'azure_subscription_id': state.azure_subscription_id,
        'partner_id': state.partner_id if partner_ids else None,
        'azure_plan': (
            AzurePlanRef(subscription_id=plan.id, name=plan.friendly_name or plan.offer_name)
            if plan else None
        ),
        'azure_subscription': subscription,
        'ovg_subscriptions': [
            OvgSubscription(
                id=sub.id,
                offer_id=sub.offer_id,
                name=sub.friendly_name or sub.offer_name,
                status=sub.status,
                partner_id=sub.partner_id if partner_ids else None,
            )
            for sub in state.ovg_subscriptions
        ],
        'findings': _findings(state.findings, audience),
        'etag': state.etag,
        'checked_at': state.checked_at.isoformat(),
        'pending_confirmation': pending_confirmation_body(state.pending),
    }


def state_body(
    state: OverageState, *, can_change: bool, audience: str = AUDIENCE_PARTNER,
) -> OverageStateBody:
    """The state, with what this caller may do with it (the pages read ``permissions``)."""
    return OverageStateBody(
        **_state_fields(state, audience), permissions=Permissions(can_change=can_change),
    )


def created_body(created: Optional[CreatedAzureSubscription]) -> Optional[CreatedAzureSubscriptionBody]:
    return None if created is None else CreatedAzureSubscriptionBody(**created.to_dict())


def change_result_body(
    result: ChangeResult, *, creates: bool = False, audience: str = AUDIENCE_PARTNER,
) -> ChangeResultBody:
    """The state after the change, and what was done (``creates``: the change asked Microsoft to
    create the Azure subscription)."""
    return ChangeResultBody(
        **_state_fields(result.state, audience),
        change=ChangeInfo(
            action=result.action,
            outcome=result.outcome,
            audit_id=result.audit_id,
            ms_request_id=result.ms_request_id,
            ms_correlation_id=result.ms_correlation_id,
            create_azure_subscription=creates,
            created=created_body(result.created),
        ),
    )


def _plan_option(choice: AzurePlanChoice) -> AzurePlanOption:
    plan = choice.plan
    return AzurePlanOption(
        subscription_id=plan.id,
        name=plan.friendly_name or plan.offer_name,
        offer_id=plan.offer_id,
        status=plan.status,
        azure_subscriptions=[
            AzureSubscriptionOption(
                id=sub.entitlement.id,
                name=sub.entitlement.friendly_name,
                status=sub.entitlement.status,
                eligible=sub.eligible,
                current=sub.current,
            )
            for sub in choice.azure_subscriptions
        ],
    )


def options_body(
    options: OverageOptions, settings: Optional[Settings] = None, audience: str = AUDIENCE_PARTNER,
) -> OverageOptionsBody:
    state = options.state
    creation = options.creation(settings)
    plan = creation.azure_plan
    return OverageOptionsBody(
        customer=customer_info(state.customer),
        status=state.status,
        azure_plans=[_plan_option(choice) for choice in options.azure_plans],
        can_enable=options.can_enable,
        can_disable=options.can_disable,
        can_create_azure_subscription=creation.possible,
        create_azure_subscription=AzureSubscriptionCreationBody(
            possible=creation.possible,
            creates=creation.creates,
            description=creation.description,
            azure_subscription_name=CREATED_SUBSCRIPTION_NAME,
            azure_plan=(
                AzurePlanRef(subscription_id=plan.id, name=plan.friendly_name or plan.offer_name)
                if plan is not None else None
            ),
            findings=_findings(creation.findings, audience),
        ),
        findings=_findings(state.findings, audience),
        etag=state.etag,
    )


# What a reseller or a customer sees of a webhook delivery: that a notification was sent (or not),
# never where (the receiver's host, its answer and the failure's words are the owner's).
_WEBHOOK_SHARED_DETAILS = ('event_id', 'event_type', 'audit_id', 'attempts')


def shown_details_and_message(entry: AuditRecord, *, owner: bool, audience: str = AUDIENCE_PARTNER,
                              ) -> Tuple[Dict[str, Any], Optional[str]]:
    """(the details, the error message) of an entry that the caller may see: ``owner``, the
    distributor, alone sees where webhooks go; a customer (``audience``) no partner id, variable
    or Microsoft's words to the partner (:func:`~connect_ext.api.audience.shown_params`)."""
    details = shown_params(entry.details if isinstance(entry.details, dict) else {}, audience)
    message = entry.error_message
    if not owner and entry.action == ACTION_WEBHOOK:
        details = {name: details[name] for name in _WEBHOOK_SHARED_DETAILS if name in details}
        known = entry.error_code in catalogue.CATALOGUE
        message = catalogue.render_entry(entry.error_code).message if known else None
    return details, message


def history_entry(entry: AuditRecord, *, owner: bool, audience: str = AUDIENCE_PARTNER) -> HistoryEntry:
    """One audit entry; ``owner``: the caller is the distributor, who alone sees where webhooks go;
    ``audience``: who reads it (see :func:`shown_details_and_message`)."""
    details, message = shown_details_and_message(entry, owner=owner, audience=audience)
    error = None
    if entry.error_code or message:
        error = AuditError(code=entry.error_code, message=message)
    return HistoryEntry(
        id=entry.id,
        at=entry.at.isoformat(),
        action=entry.action,
        outcome=entry.outcome,
        actor=Actor(type=entry.actor_type, id=entry.actor_id, name=entry.actor_name),
        before=OverageSetting(enabled=entry.from_enabled, azure_subscription_id=entry.from_entitlement),
        requested=OverageSetting(enabled=entry.to_enabled, azure_subscription_id=entry.to_entitlement),
        error=error,
        ms_request_id=entry.ms_request_id,
        ms_correlation_id=entry.ms_correlation_id,
        details=details,
    )


def agreement_body(customer: CustomerRef, recorded: Mapping[str, Any]) -> AgreementBody:
    """The recorded acceptance, from the Agreement resource Microsoft answered (camelCase)."""
    contact = recorded.get('primaryContact') if isinstance(recorded.get('primaryContact'), dict) else {}
    return AgreementBody(
        customer=customer_info(customer),
        type=str(recorded.get('type') or ''),
        template_id=str(recorded.get('templateId') or ''),
        date_agreed=str(recorded.get('dateAgreed') or ''),
        primary_contact=AgreementContact(
            first_name=str(contact.get('firstName') or ''),
            last_name=str(contact.get('lastName') or ''),
            email=str(contact.get('email') or ''),
            phone_number=contact.get('phoneNumber'),
        ),
    )


def history_page(page: Page, *, limit: int, offset: int, owner: bool,
                 audience: str = AUDIENCE_PARTNER) -> HistoryPage:
    return HistoryPage(
        items=[history_entry(entry, owner=owner, audience=audience) for entry in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


# --- the overview ----------------------------------------------------------------------------

def customer_summary(
    record: CustomerRecord, *, pending: bool = False, audience: str = AUDIENCE_PARTNER,
) -> CustomerSummary:
    """A row of the overview, as the store last saw the customer (``pending``: a change of it
    awaits Microsoft's confirmation), with its place in the work queue (:mod:`.attention`)."""
    attention, reason = attention_of(record, pending=pending, audience=audience)
    return CustomerSummary(
        id=record.customer_id,
        name=record.name or None,
        tenant_id=record.tenant_id,
        country=record.country,
        tier1_id=record.tier1_id,
        tier2_id=record.tier2_id,
        status=record.overage_status,
        azure_subscription_id=shown_azure_subscription(record),
        partner_id=record.overage_partner_id,
        ovg_subscription_count=record.ovg_subscription_count,
        ovg_asset_ids=list(record.ovg_asset_ids),
        flags=list(record.flags),
        checked_at=record.checked_at.isoformat() if record.checked_at else None,
        pending_confirmation=pending,
        attention=attention,
        attention_reason=reason,
    )


def customer_page(
    page: Page, *, limit: int, offset: int, pending: Iterable[str] = (), audience: str = AUDIENCE_PARTNER,
) -> CustomerPage:
    """One page of the overview; ``pending``: the customers with a change awaiting Microsoft."""
    awaited = set(pending)
    return CustomerPage(
        items=[customer_summary(record, pending=record.customer_id in awaited, audience=audience)
               for record in page.items],
        total=page.total,
        total_is=page.total_is,
        limit=limit,
        offset=offset,
        next_cursor=encode_cursor(page.next_after),
    )


# --- catalogue and settings ------------------------------------------------------------------

def catalogue_item(product_id: str, item: Mapping[str, Any], product_name: Optional[str] = None,
                   customers: Optional[int] = None) -> CatalogueItem:
    """An item as Connect sent it (a dict): the fields the page shows, nothing else; its
    product's name and Connect's count of the subscriptions holding it (None: unknown)."""
    return CatalogueItem(
        product_id=product_id,
        product_name=product_name,
        id=str(item.get('id') or ''),
        name=item.get('name'),
        display_name=item.get('display_name'),
        mpn=item.get('mpn'),
        status=item.get('status'),
        period=item.get('period'),
        type=item.get('type'),
        customers=customers,
    )


def items_page(items: Sequence[CatalogueItem]) -> ItemsPage:
    return ItemsPage(items=list(items), total=len(items))


def refresh_token_state(status: RefreshTokenStatus, now: datetime) -> RefreshTokenState:
    """The refresh token's part of the settings: its source, dates and warnings (never the token)."""
    warnings = []
    if status.source == SOURCE_UNREADABLE:
        warnings.append(Finding.of('REFRESH_TOKEN_UNREADABLE'))
    if status.long_unused(now):
        last = status.used_at or status.renewed_at
        warnings.append(Finding.of('REFRESH_TOKEN_LONG_UNUSED', used_at=last.date().isoformat()))
    return RefreshTokenState(
        source=status.source,
        renewed_at=status.renewed_at.isoformat() if status.renewed_at else None,
        used_at=status.used_at.isoformat() if status.used_at else None,
        warnings=_findings(warnings),
    )


def settings_body(
    settings: Settings,
    product_ids: Optional[Iterable[str]],
    store: Durability,
    refresh_token: Optional[RefreshTokenState] = None,
    budget: Optional[BudgetState] = None,
    coverage: Optional[SyncCoverage] = None,
) -> SettingsBody:
    """What the settings page shows: every value but the secrets (only whether they are set);
    ``refresh_token`` in App+User mode; the shared Partner Center budget's state; the sync's
    coverage."""
    pc = settings.partner_center
    return SettingsBody(
        sku_marker=settings.sku_marker,
        blocked_countries=sorted(settings.blocked_countries),
        tenant_id_params=list(settings.tenant_id_params),
        reseller_mpn_param=settings.reseller_mpn_param,
        product_ids=list(product_ids or ()),
        # Its credentials and query (a token) redacted: the page shows where, not how to get in.
        webhook_url=display_url(settings.webhook_url),
        webhook_signed=bool(settings.webhook_url and settings.webhook_secret),
        customers_may_change=settings.customers_may_change,
        store=store.backend,
        store_durable=store.durable,
        store_warning=store.warning,
        partner_center=PartnerCenterConfiguration(
            api_url=pc.api_url,
            login_url=pc.login_url,
            tenant_id=pc.tenant_id or None,
            client_id=pc.client_id or None,
            mode=mode_of(pc),
            refresh_token=refresh_token,
        ),
        rate_budget=None if budget is None else rate_budget_body(settings, budget),
        sync_coverage=None if coverage is None else sync_coverage_body(coverage),
    )


def rate_budget_body(settings: Settings, budget: BudgetState) -> RateBudgetBody:
    """The budget's part of the settings: its shares, what was used, the 429s of the hour."""
    return RateBudgetBody(
        limit_per_minute=budget.limit_per_minute,
        usable_per_minute=round(budget.usable_per_minute, 1),
        people_rate_share=settings.people_rate_share,
        kept_for_people_per_minute=round(budget.kept_for_people_per_minute, 1),
        sync_rate_share=settings.sync_rate_share,
        sync_per_minute=round(budget.sync_per_minute, 1),
        used_this_minute=budget.used_this_minute,
        used_last_minute=budget.used_last_minute,
        throttled_last_hour=budget.throttled_last_hour,
        paused_for_seconds=round(budget.paused_for_seconds, 1),
    )


def connection_check(result: Mapping[str, Any]) -> ConnectionCheck:
    """What the Partner Center client's ``check_connection`` said."""
    return ConnectionCheck(ok=bool(result.get('ok')), mode=str(result.get('mode')))


def caller_body(caller: Caller, settings: Settings) -> CallerBody:
    """Who calls (from Connect's headers alone: a page never guesses it from the portal)."""
    return CallerBody(
        role=caller.role,
        account_id=caller.account_id,
        customer_id=caller.account_id if caller.role == CUSTOMER else None,
        may_change=may_change(caller, settings),
    )


def applicable_settings_body(settings: Settings, product_ids: Optional[Iterable[str]]):
    """The part of the configuration a reseller's settings page shows."""
    return ApplicableSettingsBody(
        sku_marker=settings.sku_marker,
        reseller_mpn_param=settings.reseller_mpn_param,
        product_ids=list(product_ids or ()),
        customers_may_change=settings.customers_may_change,
    )
