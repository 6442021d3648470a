"""The repository: every read and write of the extension's own records goes through :class:`Store`.

It hands out the plain records of :mod:`.records` (never ORM objects) and raises the errors of
:mod:`.errors`; values are checked by the rules of :mod:`.fields` before they are written.

Concurrency, which matters because several runner replicas may share one PostgreSQL database:

* SQLite: every writing session takes the write lock at ``BEGIN`` (see :mod:`.engine`), so a
  read-then-write (upsert, sync claim) is atomic; reading sessions run alongside writers.
* PostgreSQL: rows read before a change are locked (``SELECT ... FOR UPDATE``), the sync claims
  with ``FOR UPDATE SKIP LOCKED``, and :meth:`Store.customer_lock` holds an advisory lock
  (:mod:`.locks`).
"""
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, ContextManager, Iterable, Iterator, List, Mapping, Optional, Tuple

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement

from connect_ext.store.attention import WorkQueue, judge_rows
from connect_ext.store.confirmations import PendingConfirmations
from connect_ext.store.credentials import Credentials
from connect_ext.store.engine import create_store_engine, writing
from connect_ext.store.errors import CustomerNotFound
from connect_ext.store.fields import clean_audit_fields, clean_customer_fields, required_text
from connect_ext.store.handovers import Handovers
from connect_ext.store.history import History
from connect_ext.store.housekeeping import Housekeeping
from connect_ext.store.locks import DEFAULT_LOCK_TIMEOUT_SECONDS, CustomerLocks
from connect_ext.store.migrate import upgrade
from connect_ext.store.models import (
    AuditEntry,
    Customer,
    IdempotencyKey,
    ProcessedEvent,
    ensure_utc,
    normalise_tenant_id,
    search_key,
)
from connect_ext.store.order_notes import OrderNotes
from connect_ext.store.overview import COUNT_LIMIT, read_page
from connect_ext.store.partner_center_reads import PartnerCenterReads
from connect_ext.store.queries import (
    apply_customer_fields,
    audit_record,
    check_page,
    customer_record,
    id_set,
    idempotent_response,
)
from connect_ext.store.rate_budget import RateBudgets
from connect_ext.store.records import AuditRecord, CustomerRecord, IdempotentResponse, Page
from connect_ext.store.sync_claims import SyncCoverage
from connect_ext.store.sync_claims import claim as claim_in_order
from connect_ext.store.sync_claims import coverage as count_coverage
from connect_ext.store.visibility import forget as forget_pairs
from connect_ext.store.visibility import forget_unseen_since as forget_stale_pairs
from connect_ext.store.visibility import keep_accounts
from connect_ext.store.visibility import record_seen as record_pairs
from connect_ext.store.visibility import seen_at as pair_seen_at
from connect_ext.store.words import keep_words


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    """The extension's records on SQLite or PostgreSQL (see the module docstring).

    ``clock`` returns the current time (timezone-aware); tests pass a controllable one.
    """

    def __init__(
        self, url: str, *, echo: bool = False, clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.url = url
        self.engine = create_store_engine(url, echo=echo)
        self._clock = clock
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=writing(self.engine), expire_on_commit=False)
        self._customer_locks = CustomerLocks(self.engine)
        # Changes waiting for Microsoft to confirm them (their own module, .confirmations).
        self.confirmations = PendingConfirmations(self)
        # The work queue, the word search and the resellers' rows follow every write of a customer
        # (.attention, .words, .visibility).
        self.work_queue = WorkQueue(self.session, self.now)
        for keep in (judge_rows, keep_words, keep_accounts):
            event.listen(self._write_sessions, 'before_flush', keep)
        # Requests to take the overage over when its holder releases it (their own module, .handovers).
        self.handovers = Handovers(self)
        # The credentials the extension renews itself (the rotated refresh token), encrypted.
        self.credentials = Credentials(self.session)
        # Partner Center's rate budgets, shared by every process (their own module, .rate_budget).
        self.rate_budgets = RateBudgets(self.session)
        # The activity feed across customers (its own module, .history).
        self.history = History(self)
        # The last Partner Center read of each tenant, shared by every process (.partner_center_reads).
        self.partner_center_reads = PartnerCenterReads(self.session)
        # What each request's order notes said (its own module, .order_notes).
        self.order_notes = OrderNotes(self.session, self.now)
        # The purge of what is kept only for a while (its own module, .housekeeping).
        self.housekeeping = Housekeeping(self.session, self.now)

    @classmethod
    def migrated(
        cls, url: str, *, echo: bool = False, clock: Callable[[], datetime] = utc_now,
    ) -> 'Store':
        """A store whose database has been brought to the newest schema (alembic upgrade head)."""
        store = cls(url, echo=echo, clock=clock)
        upgrade(url, engine=store.engine)
        return store

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == 'postgresql'

    def close(self) -> None:
        """Close the pooled connections (the store can still be used; it reconnects)."""
        self.engine.dispose()

    def now(self) -> datetime:
        return ensure_utc(self._clock(), 'clock()')

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.

        ``write=True`` takes SQLite's write lock at the start (so read-then-write is atomic);
        pass ``write=False`` for reads only, which then run alongside writers.
        """
        factory = self._write_sessions if write else self._read_sessions
        with factory.begin() as session:
            yield session

    # ------------------------------------------------------------------------------ customers

    def upsert_customer(self, customer_id: str, **fields: Any) -> CustomerRecord:
        """Create the customer or update the given fields; other fields keep their values.

        Fields are those of :data:`.fields.CUSTOMER_FIELDS`; a new customer's status is ``unknown``.
        """
        customer_id = required_text(customer_id, 'customer_id')
        values = clean_customer_fields(fields)
        try:
            return self._upsert_customer(customer_id, values)
        except IntegrityError:
            # Another replica inserted the same customer between our read and insert.
            return self._upsert_customer(customer_id, values)

    def _upsert_customer(self, customer_id: str, values: Mapping[str, Any]) -> CustomerRecord:
        now = self.now()
        with self.session() as session:
            row = session.get(Customer, customer_id, with_for_update=True)
            if row is None:
                row = Customer(
                    customer_id=customer_id, name='', search_name='', overage_status='unknown',
                    ovg_subscription_count=0, ovg_asset_ids=[], flags=[],
                    created_at=now, updated_at=now, version=1,
                )
                for name, value in values.items():
                    setattr(row, name, value)
                row.search_name = search_key(row.name)
                session.add(row)
            else:
                apply_customer_fields(row, values, now)
            session.flush()
            return customer_record(row)

    def get_customer(self, customer_id: str) -> Optional[CustomerRecord]:
        with self.session(write=False) as session:
            row = session.get(Customer, customer_id)
            return None if row is None else customer_record(row)

    def customers_by_tenant(self, tenant_id: str) -> List[CustomerRecord]:
        """Every customer recorded with this Microsoft tenant, most recently updated first."""
        tenant_id = normalise_tenant_id(tenant_id)
        if tenant_id is None:
            return []
        with self.session(write=False) as session:
            rows = session.scalars(
                select(Customer)
                .where(Customer.tenant_id == tenant_id)
                .order_by(Customer.updated_at.desc(), Customer.customer_id),
            )
            return [customer_record(row) for row in rows]

    def get_customer_by_tenant(self, tenant_id: str) -> Optional[CustomerRecord]:
        """The customer of a Microsoft tenant (any letter case); if several, the latest updated."""
        customers = self.customers_by_tenant(tenant_id)
        return customers[0] if customers else None

    def record_overage_state(
        self,
        customer_id: str,
        *,
        status: str,
        azure_entitlement_id: Optional[str],
        partner_id: Optional[str],
        checked_at: datetime,
    ) -> CustomerRecord:
        """Save what Microsoft said about the customer's overage and when it was read.

        Raises :class:`CustomerNotFound` for an unknown customer. Only a different status,
        entitlement or partner bumps the version; a read that finds nothing new moves
        ``checked_at`` alone.
        """
        values = clean_customer_fields({
            'overage_status': status,
            'azure_entitlement_id': azure_entitlement_id,
            'overage_partner_id': partner_id,
            'checked_at': checked_at,
        })
        if values['checked_at'] is None:
            raise ValueError('checked_at is required')
        now = self.now()
        with self.session() as session:
            row = session.get(Customer, customer_id, with_for_update=True)
            if row is None:
                raise CustomerNotFound(customer_id)
            apply_customer_fields(row, values, now)
            session.flush()
            return customer_record(row)

    def list_customers(
        self,
        *,
        status: Optional[str] = None,
        search: Optional[str] = None,
        visible_to: Optional[str] = None,
        customer_ids: Optional[Iterable[str]] = None,
        attention: Optional[str] = None,
        limit: int = 50,
        offset: int = 0,
        after: Optional[Tuple[str, str]] = None,
        count_limit: int = COUNT_LIMIT,
    ) -> Page[CustomerRecord]:
        """Customers ordered by name (case-folded) then id, with the total over all pages.

        ``after`` continues the order after that sort key (``Page.next_after`` of the page before;
        keyset paging: no deep offset to walk). The total is exact up to ``count_limit`` matches;
        past it the page says it is an estimate (PostgreSQL's planner) or a lower bound (SQLite).

        ``search`` is the start of any word of the name (any case, :mod:`.words`), or a prefix of
        the customer id or of the tenant id; ``attention`` one of the work queue's (:mod:`.attention`).
        ``visible_to`` keeps the customers Connect showed to that account (:meth:`record_seen`) and
        ``customer_ids`` those listed; an empty collection matches nothing (a caller scoped to
        nothing sees nothing), None means no such filter.
        """
        with self.session(write=False) as session:
            return read_page(
                session, status=status, search=search, visible_to=visible_to, attention=attention,
                customer_ids=customer_ids, limit=limit, offset=offset, after=after,
                count_limit=count_limit,
            )

    def forget_reseller_mpn_checks(self, tier1_id: str) -> int:
        """The partner id of ``tier1_id``'s customers is looked up again on their next read."""
        tier1_id = required_text(tier1_id, 'tier1_id')
        with self.session() as session:
            result = session.execute(
                update(Customer).where(Customer.tier1_id == tier1_id)
                .values(reseller_mpn_checked_at=None),
            )
            return int(result.rowcount or 0)

    # ------------------------------------------------------------------ who Connect shows it to

    def record_seen(self, account_id: str, customer_ids: Iterable[str]) -> int:
        """Connect showed these customers to ``account_id`` now (see :mod:`.visibility`)."""
        with self.session() as session:
            return record_pairs(session, account_id, customer_ids, self.now())

    def forget_seen(self, account_id: str, customer_ids: Iterable[str]) -> int:
        """Connect no longer shows these customers to ``account_id``."""
        with self.session() as session:
            return forget_pairs(session, account_id, customer_ids)

    def forget_unseen_since(self, account_id: str, since: datetime) -> int:
        """A complete re-read of what ``account_id`` sees began at ``since``: drop what it missed."""
        with self.session() as session:
            return forget_stale_pairs(session, account_id, ensure_utc(since, 'since'))

    def seen_at(self, account_id: str, customer_id: str) -> Optional[datetime]:
        """When Connect last showed ``customer_id`` to ``account_id``; None when it has not."""
        with self.session(write=False) as session:
            return pair_seen_at(session, account_id, customer_id)

    def claim_customers_for_sync(
        self,
        *,
        worker_id: str,
        batch_size: int,
        lease_seconds: float,
        now: Optional[datetime] = None,
    ) -> List[CustomerRecord]:
        """Claim up to ``batch_size`` customers to re-read, in the sync's order (:mod:`.sync_claims`:
        a recent order, then held by another partner, then longest unread; never read first).

        A claimed customer is not handed to anyone else until its lease ends
        (``now + lease_seconds``) or its worker releases it, even when several threads or replicas
        claim at the same moment.
        """
        worker_id = required_text(worker_id, 'worker_id')
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be a positive integer, not {batch_size!r}')
        if lease_seconds <= 0:
            raise ValueError(f'lease_seconds must be positive, not {lease_seconds!r}')
        now = self.now() if now is None else ensure_utc(now, 'now')
        lease_end = now + timedelta(seconds=lease_seconds)
        with self.session() as session:
            return claim_in_order(session, worker_id=worker_id, batch_size=batch_size, now=now,
                                  lease_end=lease_end)

    def sync_coverage(self) -> SyncCoverage:
        """How much the reads cover now: the share read in the last day and week, the oldest read."""
        with self.session(write=False) as session:
            return count_coverage(session, self.now())

    def release_sync_claim(self, customer_id: str, worker_id: str) -> bool:
        """End ``worker_id``'s claim of the customer; False if it holds none (e.g. lease lost)."""
        with self.session() as session:
            result = session.execute(
                update(Customer)
                .where(Customer.customer_id == customer_id, Customer.sync_claimed_by == worker_id)
                .values(sync_claimed_until=None, sync_claimed_by=None),
            )
            return bool(result.rowcount)

    # ---------------------------------------------------------------------------------- audit

    def record_audit(self, **fields: Any) -> AuditRecord:
        """Append an entry to the audit trail (fields of :data:`.fields.AUDIT_FIELDS`; ``at`` = now)."""
        values = clean_audit_fields(fields)
        if values.get('at') is None:
            values['at'] = self.now()
        with self.session() as session:
            row = AuditEntry(**values)
            session.add(row)
            session.flush()
            return audit_record(row)

    def list_audit(
        self,
        *,
        customer_id: Optional[str] = None,
        customer_ids: Optional[Iterable[str]] = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[AuditRecord]:
        """Audit entries newest first; ``customer_ids`` scopes like in :meth:`list_customers`."""
        check_page(limit, offset)
        conditions: List[ColumnElement] = []
        if customer_id is not None:
            conditions.append(AuditEntry.customer_id == customer_id)
        if customer_ids is not None:
            wanted = id_set(customer_ids, 'customer_ids')
            if not wanted:
                return Page(items=[], total=0, limit=limit, offset=offset)
            conditions.append(AuditEntry.customer_id.in_(wanted))
        with self.session(write=False) as session:
            total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
            rows = session.scalars(
                select(AuditEntry)
                .where(*conditions)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit)
                .offset(offset),
            )
            items = [audit_record(row) for row in rows]
        return Page(items=items, total=int(total or 0), limit=limit, offset=offset)

    # --------------------------------------------------------------------------------- events

    def mark_event_processed(self, key: str, result: Optional[Any] = None) -> bool:
        """Record the event key: True the first time, False if it was already there.

        The primary key decides, so two replicas handling the same delivery cannot both win.
        """
        key = required_text(key, 'key')
        try:
            with self.session() as session:
                session.add(ProcessedEvent(key=key, processed_at=self.now(), result=result))
                session.flush()
        except IntegrityError:
            return False
        return True

    def is_event_processed(self, key: str) -> bool:
        with self.session(write=False) as session:
            return session.get(ProcessedEvent, key) is not None

    def forget_event_processed(self, key: str) -> bool:
        """Remove an event key (its handling failed and must run again); True if it was there."""
        with self.session() as session:
            result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.key == key))
            return bool(result.rowcount)

    # ---------------------------------------------------------------------------- idempotency

    def get_idempotent_response(self, scope: str, key: str) -> Optional[IdempotentResponse]:
        """The saved answer for ``key`` within ``scope``, or None if none or expired."""
        with self.session(write=False) as session:
            row = session.get(IdempotencyKey, (scope, key))
            if row is None or row.expires_at <= self.now():
                return None
            return idempotent_response(row)

    def save_idempotent_response(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        status_code: int,
        body: Optional[Any],
        headers: Optional[Mapping[str, Any]],
        ttl_seconds: float = 86400,
    ) -> bool:
        """Save the answer for ``key``; False (nothing saved) if a live answer is already there.

        An expired answer is replaced.
        """
        scope = required_text(scope, 'scope')
        key = required_text(key, 'key')
        if ttl_seconds <= 0:
            raise ValueError(f'ttl_seconds must be positive, not {ttl_seconds!r}')
        now = self.now()
        try:
            with self.session() as session:
                row = session.get(IdempotencyKey, (scope, key), with_for_update=True)
                if row is not None and row.expires_at > now:
                    return False
                if row is not None:
                    session.delete(row)
                    session.flush()
                session.add(IdempotencyKey(
                    scope=scope, key=key, request_fingerprint=fingerprint,
                    status_code=int(status_code), response_body=body,
                    response_headers=None if headers is None else dict(headers),
                    created_at=now, expires_at=now + timedelta(seconds=ttl_seconds),
                ))
                session.flush()
        except IntegrityError:
            return False  # saved by a concurrent request first
        return True

    # ---------------------------------------------------------------------------------- locks

    def customer_lock(
        self, customer_id: str, *, timeout_seconds: Optional[float] = DEFAULT_LOCK_TIMEOUT_SECONDS,
    ) -> ContextManager[None]:
        """Hold the customer's lock so one change of its overage runs at a time.

        Threads of this process serialise on a process-wide lock; on PostgreSQL an advisory lock
        (held on a dedicated connection) serialises replicas too. Re-entrant in one thread.
        Raises :class:`CustomerLockTimeout` when not obtained within ``timeout_seconds``
        (None waits for ever).
        """
        return self._customer_locks.hold(customer_id, timeout_seconds)
