"""The store's tables (SQLAlchemy 2 declarative), their column types and the values they accept.

The same tables run on SQLite (one runner) and PostgreSQL (several replicas). A few choices keep
the two backends behaving the same:

* **Timestamps** go through :class:`UTCDateTime`: only timezone-aware values are accepted, they
  are stored in UTC (SQLite keeps no offset, PostgreSQL uses ``timestamptz``), and they always
  come back timezone-aware in UTC.
* **JSON** columns use SQLAlchemy's ``JSON`` (``JSONB`` on PostgreSQL).
* **Search** of the customer overview is a *prefix* search on the name, the Connect customer id
  and the Microsoft tenant id. It uses plain btree indexes on normalised columns instead of
  ``pg_trgm``: an extension needs a privilege that a managed database user often lacks, and it
  does not exist on SQLite. The name is kept case-folded in ``search_name``; tenant ids are
  stored lower-case (GUIDs ignore case); customer ids are upper-case (``TA-...``). The search
  columns use the ``C`` collation on PostgreSQL, so a prefix is a contiguous byte range there,
  exactly as in SQLite's default ``BINARY`` collation: the store searches with
  ``column >= prefix AND column < next_prefix``, which both backends answer from the index, and
  both order the overview the same way.
* Allowed values (statuses, actions...) are checked in Python, not by database constraints, so a
  new value needs no table rebuild on SQLite.
"""
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, FrozenSet, List, Optional

from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, MetaData, String, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from connect_ext import vocabulary


# The values the columns accept, from the one vocabulary.
OVERAGE_STATUSES: FrozenSet[str] = frozenset(vocabulary.OVERAGE_STATUSES)
ACTOR_TYPES: FrozenSet[str] = frozenset(vocabulary.ACTOR_TYPES)
AUDIT_ACTIONS: FrozenSet[str] = frozenset(vocabulary.AUDIT_ACTIONS)
AUDIT_OUTCOMES: FrozenSet[str] = frozenset(vocabulary.AUDIT_OUTCOMES)

# Longer names add nothing to a prefix search and would only grow the index.
SEARCH_KEY_MAX_LENGTH = 128


def ensure_utc(value: datetime, name: str = 'timestamp') -> datetime:
    """``value`` in UTC; a naive datetime is refused because its zone is a guess."""
    if not isinstance(value, datetime):
        raise TypeError(f'{name} must be a datetime, not {type(value).__name__}')
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f'{name} must be timezone-aware (got a naive datetime)')
    return value.astimezone(UTC)


def search_key(text: Optional[str]) -> str:
    """The normalised form of a name for prefix search: NFKC, case-folded, single-spaced."""
    if not text:
        return ''
    folded = unicodedata.normalize('NFKC', text).casefold()
    return re.sub(r'\s+', ' ', folded).strip()[:SEARCH_KEY_MAX_LENGTH]


def about_to_change(row: Any, *names: str) -> bool:
    """Whether the next flush writes ``row`` new or changes any of its columns ``names`` (what the
    store's before-flush hooks ask before rewriting what repeats them)."""
    state = inspect(row)
    return state.pending or any(state.attrs[name].history.has_changes() for name in names)


def normalise_tenant_id(tenant_id: Optional[str]) -> Optional[str]:
    """Microsoft tenant ids are GUIDs, which ignore case: kept lower-case, blank means unknown."""
    if tenant_id is None:
        return None
    tenant_id = tenant_id.strip().lower()
    return tenant_id or None


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (see the module docstring)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        value = ensure_utc(value)
        if dialect.name == 'sqlite':
            # SQLite keeps text without an offset: store UTC so text order is time order.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json(*, none_as_null: bool = False) -> JSON:
    return JSON(none_as_null=none_as_null).with_variant(JSONB(none_as_null=none_as_null), 'postgresql')


def _searchable_text() -> String:
    """Text compared byte-wise on both backends (``C`` collation on PostgreSQL)."""
    return String().with_variant(String(collation='C'), 'postgresql')


# SQLite needs INTEGER PRIMARY KEY for its rowid autoincrement; PostgreSQL gets a bigint.
_BIG_ID = BigInteger().with_variant(Integer(), 'sqlite')


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={'pk': 'pk_%(table_name)s'})


class Customer(Base):
    """A Connect customer (tier account) with OVG subscriptions, and its last known overage."""

    __tablename__ = 'customers'

    customer_id: Mapped[str] = mapped_column(_searchable_text(), primary_key=True)
    tenant_id: Mapped[Optional[str]] = mapped_column(_searchable_text())
    name: Mapped[str] = mapped_column(String(), default='')
    search_name: Mapped[str] = mapped_column(_searchable_text(), default='')
    country: Mapped[Optional[str]] = mapped_column(String())
    tier1_id: Mapped[Optional[str]] = mapped_column(String())
    tier2_id: Mapped[Optional[str]] = mapped_column(String())
    reseller_mpn: Mapped[Optional[str]] = mapped_column(String())
    # When Connect was last asked for the reseller's partner id (None: never; then it is asked).
    reseller_mpn_checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    ovg_subscription_count: Mapped[int] = mapped_column(Integer(), default=0)
    ovg_asset_ids: Mapped[List[str]] = mapped_column(_json(), default=list)
    overage_status: Mapped[str] = mapped_column(String(), default=vocabulary.STATUS_UNKNOWN)
    azure_entitlement_id: Mapped[Optional[str]] = mapped_column(String())
    overage_partner_id: Mapped[Optional[str]] = mapped_column(String())
    flags: Mapped[List[str]] = mapped_column(_json(), default=list)
    # The work queue (connect_ext/overage/attention.py, store/attention.py): what the customer needs
    # and the catalogue code of why; the code of what stopped it at the last full read and when that
    # was (None: not since migration 0007). attention None: not judged yet.
    attention: Mapped[Optional[str]] = mapped_column(String())
    attention_reason: Mapped[Optional[str]] = mapped_column(String())
    attention_blocker: Mapped[Optional[str]] = mapped_column(String())
    attention_judged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # When a Connect order event last touched the customer: the sync reads it first for a while.
    last_order_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    sync_claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    sync_claimed_by: Mapped[Optional[str]] = mapped_column(String())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer(), default=1)

    __table_args__ = (
        Index('ix_customers_tenant_id', 'tenant_id'),
        Index('ix_customers_tier1_id', 'tier1_id'),
        Index('ix_customers_tier2_id', 'tier2_id'),
        # The overview: ordered by name, optionally one status, optionally a name prefix.
        Index('ix_customers_search_name', 'search_name', 'customer_id'),
        Index('ix_customers_status_search_name', 'overage_status', 'search_name', 'customer_id'),
        # The work queue: one attention, ordered by name (migration 0007).
        Index('ix_customers_attention_search_name', 'attention', 'search_name', 'customer_id'),
    )


class CustomerAccount(Base):
    """A Connect account (a reseller's ``PA-...``) that Connect showed a customer to, and when.

    Connect decides what a reseller sees; this is what it last said (a directory read with the
    reseller's own installation client, an event of that reseller's installation), so the overview
    can list a reseller's customers from the store. See :mod:`connect_ext.customers.visibility`.
    """

    __tablename__ = 'customer_accounts'

    account_id: Mapped[str] = mapped_column(_searchable_text(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(_searchable_text(), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The customer's search name, repeated so that a reseller's overview walks its own rows in name
    # order (migration 0012); kept with every write of the name (:func:`connect_ext.store.visibility.
    # keep_accounts`).
    search_name: Mapped[str] = mapped_column(_searchable_text(), default='', server_default='')
    # The customer's overage status, repeated so that a reseller's page of one status walks only
    # the rows of that status (migration 0013); None while the customer is not recorded. Kept with
    # every write of the status (:func:`connect_ext.store.visibility.keep_accounts`).
    overage_status: Mapped[Optional[str]] = mapped_column(String())

    __table_args__ = (
        # "Which accounts see this customer" (a customer's rows go when Connect stops showing it).
        Index('ix_customer_accounts_customer_id', 'customer_id'),
        Index('ix_customer_accounts_account_search_name', 'account_id', 'search_name', 'customer_id'),
        Index('ix_customer_accounts_account_status_search_name',
              'account_id', 'overage_status', 'search_name', 'customer_id'),
    )


class CustomerWord(Base):
    """The start of each later word of a customer's name, for the overview's word search.

    ``word`` is the search name (:func:`search_key`) from the start of its second, third... word to
    its end, so a prefix range on it finds a name by the start of any word ("toys" and "toys ltd"
    find "wingtip toys ltd"); the first word is the search name itself, searched on ``customers``.
    ``search_name`` repeats the customer's, so a page is ordered from this table's index alone.
    Kept by :mod:`connect_ext.store.words` at every write of a name (migration 0007).
    """

    __tablename__ = 'customer_words'

    customer_id: Mapped[str] = mapped_column(_searchable_text(), primary_key=True)
    word: Mapped[str] = mapped_column(_searchable_text(), primary_key=True)
    search_name: Mapped[str] = mapped_column(_searchable_text())

    __table_args__ = (
        Index('ix_customer_words_word', 'word', 'search_name', 'customer_id'),
    )


# The sync reads the oldest first, never-read (NULL) before all. SQLite sorts NULL first in
# ascending order already and has no NULLS FIRST in indexes; PostgreSQL needs it said.
Index('ix_customers_checked_at', Customer.checked_at, Customer.customer_id).ddl_if(dialect='sqlite')
Index(
    'ix_customers_checked_at', Customer.checked_at.asc().nulls_first(), Customer.customer_id,
).ddl_if(dialect='postgresql')
# What the sync reads first (store/sync_claims.py): customers with a recent order, and those held
# by another partner, each longest unread first.
Index('ix_customers_last_order_at', Customer.last_order_at, Customer.customer_id)
Index(
    'ix_customers_status_checked_at', Customer.overage_status, Customer.checked_at,
    Customer.customer_id,
).ddl_if(dialect='sqlite')
Index(
    'ix_customers_status_checked_at', Customer.overage_status,
    Customer.checked_at.asc().nulls_first(), Customer.customer_id,
).ddl_if(dialect='postgresql')


class AuditEntry(Base):
    """One attempted or observed change of a customer's overage (or a flag), with its outcome."""

    __tablename__ = 'audit_entries'

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String())
    tenant_id: Mapped[Optional[str]] = mapped_column(String())
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_type: Mapped[str] = mapped_column(String())
    actor_id: Mapped[Optional[str]] = mapped_column(String())
    actor_name: Mapped[Optional[str]] = mapped_column(String())
    action: Mapped[str] = mapped_column(String())
    from_entitlement: Mapped[Optional[str]] = mapped_column(String())
    from_enabled: Mapped[Optional[bool]] = mapped_column()
    to_entitlement: Mapped[Optional[str]] = mapped_column(String())
    to_enabled: Mapped[Optional[bool]] = mapped_column()
    outcome: Mapped[str] = mapped_column(String())
    error_code: Mapped[Optional[str]] = mapped_column(String())
    error_message: Mapped[Optional[str]] = mapped_column(String())
    ms_request_id: Mapped[Optional[str]] = mapped_column(String())
    ms_correlation_id: Mapped[Optional[str]] = mapped_column(String())
    details: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))

    __table_args__ = (
        # A customer's history, newest first; and the whole trail newest first.
        Index('ix_audit_entries_customer_id_at', 'customer_id', 'at', 'id'),
        Index('ix_audit_entries_at', 'at', 'id'),
        # The activity feed of one outcome ("what failed"), newest first (migration 0010).
        Index('ix_audit_entries_outcome_at', 'outcome', 'at', 'id'),
    )


class ProcessedEvent(Base):
    """The key of a Connect event already handled, so a redelivery does nothing twice."""

    __tablename__ = 'processed_events'

    key: Mapped[str] = mapped_column(String(), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))

    # The purge of keys past their keeping walks them oldest first (migration 0014, .housekeeping).
    __table_args__ = (Index('ix_processed_events_processed_at', 'processed_at'),)


class Credential(Base):
    """A credential the extension renews itself, encrypted: today the newest App+User refresh token
    Entra handed out (see :mod:`connect_ext.store.credentials`).

    ``ciphertext`` is the encrypted value (never the plain one); ``configured_fingerprint`` a hash
    of the configured value it descends from (never that value either); ``version`` grows at every
    write, so a replica sees that another one renewed it.
    """

    __tablename__ = 'credentials'

    key: Mapped[str] = mapped_column(String(), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(String())
    configured_fingerprint: Mapped[str] = mapped_column(String())
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer(), default=1)


class IdempotencyKey(Base):
    """The saved answer of a request sent with an ``Idempotency-Key``, per customer (scope)."""

    __tablename__ = 'idempotency_keys'

    scope: Mapped[str] = mapped_column(String(), primary_key=True)
    key: Mapped[str] = mapped_column(String(), primary_key=True)
    request_fingerprint: Mapped[str] = mapped_column(String())
    status_code: Mapped[int] = mapped_column(Integer())
    response_body: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))
    response_headers: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index('ix_idempotency_keys_expires_at', 'expires_at'),)


class PendingConfirmation(Base):
    """A change Microsoft accepted but did not show yet, re-read in the background until it does.

    One per customer (a newer change supersedes it). ``from_*`` is Microsoft's setting before the
    change, ``to_*`` the target; ``audit_id`` the change's ``unconfirmed`` audit entry;
    ``confirm_by`` is when it counts as not confirmed (``CONFIRM_WITHIN_MINUTES``). The claim
    columns hand it to one background pass at a time; ``checked_at`` is its last read.
    """

    __tablename__ = 'pending_confirmations'

    customer_id: Mapped[str] = mapped_column(String(), primary_key=True)
    action: Mapped[str] = mapped_column(String())
    from_enabled: Mapped[bool] = mapped_column()
    from_entitlement: Mapped[Optional[str]] = mapped_column(String())
    to_enabled: Mapped[bool] = mapped_column()
    to_entitlement: Mapped[Optional[str]] = mapped_column(String())
    audit_id: Mapped[int] = mapped_column(_BIG_ID)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirm_by: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_type: Mapped[str] = mapped_column(String())
    actor_id: Mapped[Optional[str]] = mapped_column(String())
    actor_name: Mapped[Optional[str]] = mapped_column(String())
    checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    claimed_by: Mapped[Optional[str]] = mapped_column(String())


class RateBudgetRow(Base):
    """One Partner Center budget (a partner tenant, or a partner tenant and a customer tenant)
    shared by every process: :mod:`connect_ext.store.rate_budget` runs it, as a GCRA limiter.

    The ``*_due`` columns are GCRA's theoretical arrival times (seconds on the budget's clock) of
    every call, of the calls that are not people's, and of the sync's; ``paused_until`` is how long
    a 429's ``Retry-After`` holds everyone back. ``window_*``/``previous_used`` count the calls of
    the current and the previous minute, ``throttles`` the 429s of the last hour by minute.
    """

    __tablename__ = 'rate_budgets'

    key: Mapped[str] = mapped_column(String(), primary_key=True)
    due: Mapped[float] = mapped_column(Float())
    background_due: Mapped[float] = mapped_column(Float())
    sync_due: Mapped[float] = mapped_column(Float())
    paused_until: Mapped[float] = mapped_column(Float())
    window_start: Mapped[float] = mapped_column(Float())
    window_used: Mapped[int] = mapped_column(Integer())
    previous_used: Mapped[int] = mapped_column(Integer())
    throttles: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))


class PartnerCenterRead(Base):
    """What the last Partner Center read of one customer tenant found, shared by every process
    (:mod:`connect_ext.store.partner_center_reads`): the Azure plan ids it saw, the read itself
    (``facts``: Microsoft's customer, subscriptions, Azure subscriptions, overage; nothing secret)
    from ``read_at``, and the lease of a read under way (``lease_owner``, from ``leased_at`` until
    ``lease_until``).
    Times are seconds on the reads' clock (wall-clock seconds in production)."""

    __tablename__ = 'partner_center_reads'

    tenant_id: Mapped[str] = mapped_column(String(), primary_key=True)
    plan_ids: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))
    facts: Mapped[Optional[Any]] = mapped_column(_json(none_as_null=True))
    read_at: Mapped[Optional[float]] = mapped_column(Float())
    lease_owner: Mapped[Optional[str]] = mapped_column(String())
    leased_at: Mapped[Optional[float]] = mapped_column(Float())
    lease_until: Mapped[Optional[float]] = mapped_column(Float())


class Handover(Base):
    """A request to take the customer's overage over when the partner that holds it releases it.

    One row per customer (``request_id`` tells one request from the next that replaces it once it
    ended). ``holder_*`` is who held the overage when it was asked, ``current_holder_*`` who holds
    it at the watch's last read (it may move without being released); ``state`` is the vocabulary's
    ``HANDOVER_STATES``. The claim columns hand it to one watch at a time; ``checked_at`` is its last
    read. See :mod:`connect_ext.store.handovers`.
    """

    __tablename__ = 'handovers'

    customer_id: Mapped[str] = mapped_column(String(), primary_key=True)
    request_id: Mapped[str] = mapped_column(String())
    tenant_id: Mapped[Optional[str]] = mapped_column(String())
    state: Mapped[str] = mapped_column(String())
    azure_subscription_id: Mapped[Optional[str]] = mapped_column(String())
    create_azure_subscription: Mapped[bool] = mapped_column()
    enable_when_released: Mapped[bool] = mapped_column()
    holder_partner_id: Mapped[Optional[str]] = mapped_column(String())
    holder_entitlement_id: Mapped[Optional[str]] = mapped_column(String())
    current_holder_partner_id: Mapped[Optional[str]] = mapped_column(String())
    current_holder_entitlement_id: Mapped[Optional[str]] = mapped_column(String())
    holder_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by_type: Mapped[str] = mapped_column(String())
    requested_by_id: Mapped[Optional[str]] = mapped_column(String())
    requested_by_name: Mapped[Optional[str]] = mapped_column(String())
    released_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    ended_by_type: Mapped[Optional[str]] = mapped_column(String())
    ended_by_id: Mapped[Optional[str]] = mapped_column(String())
    change_audit_id: Mapped[Optional[int]] = mapped_column(_BIG_ID)
    change_outcome: Mapped[Optional[str]] = mapped_column(String())
    stop_code: Mapped[Optional[str]] = mapped_column(String())
    stop_message: Mapped[Optional[str]] = mapped_column(String())
    checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    claimed_by: Mapped[Optional[str]] = mapped_column(String())

    __table_args__ = (Index('ix_handovers_state_checked_at', 'state', 'checked_at'),)


class OrderNote(Base):
    """What the notes of one request said (:mod:`connect_ext.store.order_notes`): the
    ``fingerprint`` (the marker's digits) and ``message_id`` of its last note, and
    ``message_ids``, every note message recorded for it, oldest first, in ``conversation_id``."""

    __tablename__ = 'order_notes'

    request_id: Mapped[str] = mapped_column(String(), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String())
    fingerprint: Mapped[str] = mapped_column(String())
    message_id: Mapped[Optional[str]] = mapped_column(String())
    message_ids: Mapped[List[str]] = mapped_column(_json(), default=list)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # As processed_events' (migration 0014, .housekeeping).
    __table_args__ = (Index('ix_order_notes_written_at', 'written_at'),)
