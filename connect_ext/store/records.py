"""The plain records the store hands out: frozen dataclasses, never ORM objects.

Callers cannot trip over lazy loading or detached sessions: the repository reads each record off
its row (:mod:`.queries`) before the session ends.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Any, FrozenSet, Generic, List, Optional, Tuple, Type, TypeVar


T = TypeVar('T')


def record_from_row(record_class: Type[T], row: Any, **overrides: Any) -> T:
    """``record_class`` built from the like-named attributes of ``row`` (``overrides`` win): a
    new field is added to the record and the table, never to a conversion."""
    values = {name: getattr(row, name) for name in record_class.__dataclass_fields__
              if name not in overrides}
    return record_class(**values, **overrides)


@dataclass(frozen=True)
class CustomerRecord:
    """What the store knows of one customer: Connect facts plus the last overage read."""

    customer_id: str
    tenant_id: Optional[str]
    name: str
    country: Optional[str]
    tier1_id: Optional[str]
    tier2_id: Optional[str]
    reseller_mpn: Optional[str]
    ovg_subscription_count: int
    ovg_asset_ids: Tuple[str, ...]
    overage_status: str
    azure_entitlement_id: Optional[str]
    overage_partner_id: Optional[str]
    flags: Tuple[str, ...]
    checked_at: Optional[datetime]
    sync_claimed_until: Optional[datetime]
    sync_claimed_by: Optional[str]
    created_at: datetime
    updated_at: datetime
    version: int
    reseller_mpn_checked_at: Optional[datetime] = None
    # When a Connect order event last touched the customer (the sync reads it first for a while).
    last_order_at: Optional[datetime] = None
    # The work queue (connect_ext/overage/attention.py): None until a full read judged it.
    attention: Optional[str] = None
    attention_reason: Optional[str] = None


@dataclass(frozen=True)
class AuditRecord:
    """One entry of the audit trail."""

    id: int
    customer_id: str
    tenant_id: Optional[str]
    at: datetime
    actor_type: str
    actor_id: Optional[str]
    actor_name: Optional[str]
    action: str
    from_entitlement: Optional[str]
    from_enabled: Optional[bool]
    to_entitlement: Optional[str]
    to_enabled: Optional[bool]
    outcome: str
    error_code: Optional[str]
    error_message: Optional[str]
    ms_request_id: Optional[str]
    ms_correlation_id: Optional[str]
    details: Optional[Any]


@dataclass(frozen=True)
class PendingConfirmationRecord:
    """A change Microsoft accepted but did not show yet: from what, to what, until when."""

    customer_id: str
    action: str
    from_enabled: bool
    from_entitlement: Optional[str]
    to_enabled: bool
    to_entitlement: Optional[str]
    audit_id: int
    requested_at: datetime
    confirm_by: datetime
    actor_type: str
    actor_id: Optional[str]
    actor_name: Optional[str]
    checked_at: Optional[datetime]
    claimed_until: Optional[datetime]
    claimed_by: Optional[str]


@dataclass(frozen=True)
class HandoverRecord:
    """A customer's request to take its overage over when the partner that holds it releases it."""

    customer_id: str
    request_id: str
    tenant_id: Optional[str]
    state: str
    azure_subscription_id: Optional[str]
    create_azure_subscription: bool
    enable_when_released: bool
    holder_partner_id: Optional[str]
    holder_entitlement_id: Optional[str]
    current_holder_partner_id: Optional[str]
    current_holder_entitlement_id: Optional[str]
    holder_changed_at: Optional[datetime]
    requested_at: datetime
    expires_at: datetime
    requested_by_type: str
    requested_by_id: Optional[str]
    requested_by_name: Optional[str]
    released_at: Optional[datetime]
    ended_at: Optional[datetime]
    ended_by_type: Optional[str]
    ended_by_id: Optional[str]
    change_audit_id: Optional[int]
    change_outcome: Optional[str]
    stop_code: Optional[str]
    stop_message: Optional[str]
    checked_at: Optional[datetime]
    claimed_until: Optional[datetime]
    claimed_by: Optional[str]


@dataclass(frozen=True)
class IdempotentResponse:
    """The answer saved for an ``Idempotency-Key``; replayed while it has not expired."""

    scope: str
    key: str
    request_fingerprint: str
    status_code: int
    body: Optional[Any]
    headers: Optional[Any]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the number of items matching the filters over all pages.

    ``total_is`` says what ``total`` is: ``exact``; an ``estimate`` (the database's planner, past
    the count bound); or ``at_least`` (a lower bound, where no estimate is at hand). ``next_after``
    is the sort key of the last item when more follow (what a cursor continues from), else None.
    ``pending``: the overview's customers among ``items`` with a change awaiting Microsoft's
    confirmation, read with the page.
    """

    items: List[T]
    total: int
    limit: int
    offset: int
    total_is: str = 'exact'
    next_after: Optional[Tuple[str, str]] = None
    pending: FrozenSet[str] = frozenset()
