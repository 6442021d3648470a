"""The repository: every read and write of the extension's own records goes through :class:`Store`.

It returns plain frozen dataclasses (:class:`CustomerRecord`, :class:`AuditRecord`, ...), never
ORM objects, so callers cannot trip over lazy loading or detached sessions.

Concurrency, which matters because several runner replicas may share one PostgreSQL database:

* SQLite: SQLAlchemy emits ``BEGIN`` itself (the ``sqlite3`` module's own transaction handling is
  switched off), and every writing session starts with ``BEGIN IMMEDIATE``: it takes the write
  lock first, so a read-then-write (upsert, sync claim) is atomic and never fails half-way with
  "database is locked" on upgrade; ``busy_timeout`` makes the next writer wait. WAL lets readers
  run alongside. SQLite serves one process (one replica); its threads are safe.
* PostgreSQL: rows read before a change are locked (``SELECT ... FOR UPDATE``), the sync claims
  with ``FOR UPDATE SKIP LOCKED``, and :meth:`Store.customer_lock` holds an advisory lock.
"""
import hashlib
import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Set,
    Tuple,
    TypeVar,
)

from sqlalchemy import (
    Engine,
    and_,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import ColumnElement

from connect_ext.store.models import (
    ACTOR_TYPES,
    AUDIT_ACTIONS,
    AUDIT_OUTCOMES,
    OVERAGE_STATUSES,
    AuditEntry,
    Customer,
    IdempotencyKey,
    ProcessedEvent,
    ensure_utc,
    normalise_tenant_id,
    search_key,
)


logger = logging.getLogger(__name__)

T = TypeVar('T')

SQLITE_BUSY_TIMEOUT_MS = 15000
MAX_PAGE_SIZE = 1000
DEFAULT_LOCK_TIMEOUT_SECONDS = 60.0
# PostgreSQL's SQLSTATE for "lock_timeout reached".
_PG_LOCK_NOT_AVAILABLE = '55P03'
_SQLITE_BEGIN_MODES = {'DEFERRED': 'BEGIN DEFERRED', 'IMMEDIATE': 'BEGIN IMMEDIATE'}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------------------- records


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
    """One page of a list and the number of items matching the filters over all pages."""

    items: List[T]
    total: int
    limit: int
    offset: int


class StoreError(Exception):
    """Base of the store's own errors."""


class CustomerNotFound(StoreError, LookupError):
    def __init__(self, customer_id: str):
        super().__init__(f'customer {customer_id} is not in the store')
        self.customer_id = customer_id


class CustomerLockTimeout(StoreError, TimeoutError):
    def __init__(self, customer_id: str, timeout_seconds: Optional[float]):
        super().__init__(
            f'customer {customer_id} stayed locked by another change for {timeout_seconds} s',
        )
        self.customer_id = customer_id


# ------------------------------------------------------------------------- field rules (pure)

# The fields a caller may set; the rest (search key, claims, timestamps, version) are the store's.
CUSTOMER_FIELDS = frozenset({
    'tenant_id', 'name', 'country', 'tier1_id', 'tier2_id', 'reseller_mpn',
    'ovg_subscription_count', 'ovg_asset_ids', 'overage_status', 'azure_entitlement_id',
    'overage_partner_id', 'flags', 'checked_at',
})
# Changing only these is bookkeeping, not a change of what the record says: no version bump.
_BOOKKEEPING_FIELDS = frozenset({'checked_at'})

AUDIT_FIELDS = frozenset({
    'customer_id', 'tenant_id', 'at', 'actor_type', 'actor_id', 'actor_name', 'action',
    'from_entitlement', 'from_enabled', 'to_entitlement', 'to_enabled', 'outcome', 'error_code',
    'error_message', 'ms_request_id', 'ms_correlation_id', 'details',
})
_AUDIT_REQUIRED = ('customer_id', 'actor_type', 'action', 'outcome')


def _required_text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'{name} must be a non-empty string')
    return value.strip()


def _optional_text(value: Any, name: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f'{name} must be a string or None, not {type(value).__name__}')
    return value.strip() or None


def _optional_bool(value: Any, name: str) -> Optional[bool]:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f'{name} must be a bool or None')
    return value


def _one_of(allowed: Iterable[str]) -> Callable[[Any, str], str]:
    allowed = frozenset(allowed)

    def check(value: Any, name: str) -> str:
        if value not in allowed:
            raise ValueError(f'{name} must be one of {sorted(allowed)}, not {value!r}')
        return value

    return check


def _string_list(value: Any, name: str) -> List[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f'{name} must be a list of strings')
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f'{name} must be a list of strings')
    return items


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f'{name} must be a non-negative integer, not {value!r}')
    return value


def _optional_utc(value: Any, name: str) -> Optional[datetime]:
    return None if value is None else ensure_utc(value, name)


def _json_value(value: Any, name: str) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f'{name} must be JSON-serialisable: {error}') from error
    return value


def _name(value: Any, name: str) -> str:
    return _optional_text(value, name) or ''


def _tenant(value: Any, name: str) -> Optional[str]:
    return normalise_tenant_id(_optional_text(value, name))


_CUSTOMER_CLEANERS: Dict[str, Callable[[Any, str], Any]] = {
    'tenant_id': _tenant,
    'name': _name,
    'country': _optional_text,
    'tier1_id': _optional_text,
    'tier2_id': _optional_text,
    'reseller_mpn': _optional_text,
    'ovg_subscription_count': _count,
    'ovg_asset_ids': _string_list,
    'overage_status': _one_of(OVERAGE_STATUSES),
    'azure_entitlement_id': _optional_text,
    'overage_partner_id': _optional_text,
    'flags': _string_list,
    'checked_at': _optional_utc,
}

_AUDIT_CLEANERS: Dict[str, Callable[[Any, str], Any]] = {
    'customer_id': _required_text,
    'tenant_id': _tenant,
    'at': _optional_utc,
    'actor_type': _one_of(ACTOR_TYPES),
    'action': _one_of(AUDIT_ACTIONS),
    'outcome': _one_of(AUDIT_OUTCOMES),
    'from_enabled': _optional_bool,
    'to_enabled': _optional_bool,
    'details': _json_value,
}


def clean_customer_fields(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """Checked and normalised customer fields; unknown names are a programming error."""
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f'unknown customer fields: {sorted(unknown)}')
    return {name: _CUSTOMER_CLEANERS[name](value, name) for name, value in fields.items()}


def clean_audit_fields(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """Checked audit fields: the required ones present, the enumerated ones within their sets."""
    unknown = set(fields) - AUDIT_FIELDS
    if unknown:
        raise TypeError(f'unknown audit fields: {sorted(unknown)}')
    missing = [name for name in _AUDIT_REQUIRED if fields.get(name) is None]
    if missing:
        raise ValueError(f'audit entry needs {missing}')
    return {
        name: _AUDIT_CLEANERS.get(name, _optional_text)(value, name)
        for name, value in fields.items()
    }


def prefix_upper_bound(prefix: str) -> Optional[str]:
    """The smallest string greater than every string starting with ``prefix`` (code point order).

    ``column >= prefix AND column < bound`` is a prefix match any btree index answers; None means
    no upper bound (only a prefix of U+10FFFF characters has none).
    """
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            following = last + 1
            if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters: skip them
                following = 0xE000
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


def _prefix_match(column: Any, prefix: str) -> ColumnElement:
    bound = prefix_upper_bound(prefix)
    if bound is None:
        return column >= prefix
    return and_(column >= prefix, column < bound)


def _id_set(values: Iterable[str], name: str) -> Set[str]:
    if isinstance(values, str):
        raise TypeError(f'{name} must be a collection of ids, not one string')
    return {value for value in values if value}


def _check_page(limit: int, offset: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f'limit must be an integer from 0 to {MAX_PAGE_SIZE}, not {limit!r}')
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f'offset must be a non-negative integer, not {offset!r}')


def advisory_lock_key(customer_id: str) -> int:
    """The stable signed 64-bit key of a customer's PostgreSQL advisory lock."""
    digest = hashlib.sha256(b'overage-manager/customer/' + customer_id.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


def _customer_record(row: Customer) -> CustomerRecord:
    values = {name: getattr(row, name) for name in CustomerRecord.__dataclass_fields__}
    values['ovg_asset_ids'] = tuple(row.ovg_asset_ids or ())
    values['flags'] = tuple(row.flags or ())
    return CustomerRecord(**values)


def _audit_record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(**{name: getattr(row, name) for name in AuditRecord.__dataclass_fields__})


def _idempotent_response(row: IdempotencyKey) -> IdempotentResponse:
    return IdempotentResponse(
        scope=row.scope,
        key=row.key,
        request_fingerprint=row.request_fingerprint,
        status_code=row.status_code,
        body=row.response_body,
        headers=row.response_headers,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def _apply_customer_fields(row: Customer, values: Mapping[str, Any], now: datetime) -> None:
    """Set changed fields on ``row``; a real change bumps ``version`` and ``updated_at``."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = changed or name not in _BOOKKEEPING_FIELDS
    if 'name' in values:
        row.search_name = search_key(row.name)
    if changed:
        row.version += 1
        row.updated_at = now


# ----------------------------------------------------------------------------------- engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_on_begin), so sqlite3 must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f'PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS:d}')
        cursor.execute('PRAGMA journal_mode = WAL')
        cursor.execute('PRAGMA synchronous = NORMAL')
        cursor.execute('PRAGMA foreign_keys = ON')
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get('sqlite_begin', 'DEFERRED')
    connection.exec_driver_sql(_SQLITE_BEGIN_MODES[mode])


def create_store_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the store's URL with the settings each backend needs (module docstring).

    An in-memory SQLite URL gets one shared connection: good for a single-threaded test only.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() != 'sqlite':
        return create_engine(sa_url, echo=echo, pool_pre_ping=True)
    in_memory = sa_url.database in (None, '', ':memory:') or sa_url.query.get('mode') == 'memory'
    options: Dict[str, Any] = {'connect_args': {'check_same_thread': False}}
    if in_memory:
        options['poolclass'] = StaticPool
    engine = create_engine(sa_url, echo=echo, **options)
    event.listen(engine, 'connect', _sqlite_on_connect)
    event.listen(engine, 'begin', _sqlite_on_begin)
    return engine


def writing(engine: Engine) -> Engine:
    """The engine whose transactions take SQLite's write lock at BEGIN (no-op elsewhere)."""
    if engine.dialect.name == 'sqlite':
        return engine.execution_options(sqlite_begin='IMMEDIATE')
    return engine


# ------------------------------------------------------------------------------------ locks


class _LockEntry:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users = 0


class _ProcessLocks:
    """Re-entrant per-key locks shared by every thread of the process; unused keys are dropped."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._entries: Dict[str, _LockEntry] = {}

    @contextmanager
    def hold(self, key: str, timeout_seconds: Optional[float]) -> Iterator[None]:
        with self._guard:
            entry = self._entries.setdefault(key, _LockEntry())
            entry.users += 1
        try:
            timeout = -1 if timeout_seconds is None else max(timeout_seconds, 0.0)
            if not entry.lock.acquire(timeout=timeout):
                raise CustomerLockTimeout(key, timeout_seconds)
            try:
                yield
            finally:
                entry.lock.release()
        finally:
            with self._guard:
                entry.users -= 1
                if not entry.users:
                    del self._entries[key]


_PROCESS_CUSTOMER_LOCKS = _ProcessLocks()


def _is_lock_timeout(error: OperationalError) -> bool:
    original = error.orig
    code = getattr(original, 'sqlstate', None) or getattr(original, 'pgcode', None)
    return code == _PG_LOCK_NOT_AVAILABLE


# ------------------------------------------------------------------------------------ store


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
        self._held_locks = threading.local()

    @classmethod
    def migrated(
        cls, url: str, *, echo: bool = False, clock: Callable[[], datetime] = utc_now,
    ) -> 'Store':
        """A store whose database has been brought to the newest schema (alembic upgrade head)."""
        from connect_ext.store.migrate import upgrade

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

        Fields are those of :data:`CUSTOMER_FIELDS`; a new customer's status is ``unknown``.
        """
        customer_id = _required_text(customer_id, 'customer_id')
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
                _apply_customer_fields(row, values, now)
            session.flush()
            return _customer_record(row)

    def get_customer(self, customer_id: str) -> Optional[CustomerRecord]:
        with self.session(write=False) as session:
            row = session.get(Customer, customer_id)
            return None if row is None else _customer_record(row)

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
            return [_customer_record(row) for row in rows]

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
            _apply_customer_fields(row, values, now)
            session.flush()
            return _customer_record(row)

    def list_customers(
        self,
        *,
        status: Optional[str] = None,
        search: Optional[str] = None,
        tier_account_ids: Optional[Iterable[str]] = None,
        customer_ids: Optional[Iterable[str]] = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[CustomerRecord]:
        """Customers ordered by name (case-folded) then id, with the total over all pages.

        ``search`` is a prefix of the name (any case), of the customer id or of the tenant id.
        ``tier_account_ids`` keeps customers whose tier-1 or tier-2 account is in the set and
        ``customer_ids`` those listed; an empty collection matches nothing (a caller scoped to
        nothing sees nothing), None means no such filter.
        """
        _check_page(limit, offset)
        conditions: List[ColumnElement] = []
        if status is not None:
            conditions.append(Customer.overage_status == _one_of(OVERAGE_STATUSES)(status, 'status'))
        term = (search or '').strip()
        matches: List[ColumnElement] = []
        if term:
            matches = [
                _prefix_match(Customer.search_name, search_key(term)),
                _prefix_match(Customer.customer_id, term.upper()),
                _prefix_match(Customer.tenant_id, term.lower()),
            ]
        if tier_account_ids is not None:
            accounts = _id_set(tier_account_ids, 'tier_account_ids')
            if not accounts:
                return Page(items=[], total=0, limit=limit, offset=offset)
            conditions.append(or_(Customer.tier1_id.in_(accounts), Customer.tier2_id.in_(accounts)))
        if customer_ids is not None:
            wanted = _id_set(customer_ids, 'customer_ids')
            if not wanted:
                return Page(items=[], total=0, limit=limit, offset=offset)
            conditions.append(Customer.customer_id.in_(wanted))
        order = (Customer.search_name, Customer.customer_id)
        if matches:
            # One index range per kind of prefix, each cut at the page's end, then their union:
            # an OR of the three would make the database walk the whole ordering index.
            branches = [
                select(Customer.customer_id, Customer.search_name)
                .where(*conditions, match).order_by(*order).limit(offset + limit).subquery()
                for match in matches
            ]
            keys = union(*[select(branch) for branch in branches]).subquery()
            page = select(Customer).join(keys, Customer.customer_id == keys.c.customer_id)
            conditions.append(or_(*matches))
        else:
            page = select(Customer).where(*conditions)
        with self.session(write=False) as session:
            total = session.scalar(select(func.count()).select_from(Customer).where(*conditions))
            rows = session.scalars(page.order_by(*order).limit(limit).offset(offset))
            items = [_customer_record(row) for row in rows]
        return Page(items=items, total=int(total or 0), limit=limit, offset=offset)

    def claim_customers_for_sync(
        self,
        *,
        worker_id: str,
        batch_size: int,
        lease_seconds: float,
        now: Optional[datetime] = None,
    ) -> List[CustomerRecord]:
        """Claim up to ``batch_size`` customers to re-read, least recently read first.

        Never-read customers come first. A claimed customer is not handed to anyone else until
        its lease ends (``now + lease_seconds``) or its worker releases it, even when several
        threads or replicas claim at the same moment.
        """
        worker_id = _required_text(worker_id, 'worker_id')
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be a positive integer, not {batch_size!r}')
        if lease_seconds <= 0:
            raise ValueError(f'lease_seconds must be positive, not {lease_seconds!r}')
        now = self.now() if now is None else ensure_utc(now, 'now')
        lease_end = now + timedelta(seconds=lease_seconds)
        claimable = or_(Customer.sync_claimed_until.is_(None), Customer.sync_claimed_until <= now)
        with self.session() as session:
            rows = session.scalars(
                select(Customer)
                .where(claimable)
                .order_by(Customer.checked_at.asc().nulls_first(), Customer.customer_id)
                .limit(batch_size)
                .with_for_update(skip_locked=True),
            ).all()
            for row in rows:
                row.sync_claimed_until = lease_end
                row.sync_claimed_by = worker_id
            session.flush()
            return [_customer_record(row) for row in rows]

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
        """Append an entry to the audit trail (fields of :data:`AUDIT_FIELDS`; ``at`` = now)."""
        values = clean_audit_fields(fields)
        if values.get('at') is None:
            values['at'] = self.now()
        with self.session() as session:
            row = AuditEntry(**values)
            session.add(row)
            session.flush()
            return _audit_record(row)

    def list_audit(
        self,
        *,
        customer_id: Optional[str] = None,
        customer_ids: Optional[Iterable[str]] = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[AuditRecord]:
        """Audit entries newest first; ``customer_ids`` scopes like in :meth:`list_customers`."""
        _check_page(limit, offset)
        conditions: List[ColumnElement] = []
        if customer_id is not None:
            conditions.append(AuditEntry.customer_id == customer_id)
        if customer_ids is not None:
            wanted = _id_set(customer_ids, 'customer_ids')
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
            items = [_audit_record(row) for row in rows]
        return Page(items=items, total=int(total or 0), limit=limit, offset=offset)

    # --------------------------------------------------------------------------------- events

    def mark_event_processed(self, key: str, result: Optional[Any] = None) -> bool:
        """Record the event key: True the first time, False if it was already there.

        The primary key decides, so two replicas handling the same delivery cannot both win.
        """
        key = _required_text(key, 'key')
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
            return _idempotent_response(row)

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
        scope = _required_text(scope, 'scope')
        key = _required_text(key, 'key')
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

    def purge_expired_idempotency_keys(self) -> int:
        """Delete expired answers; returns how many."""
        with self.session() as session:
            result = session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.expires_at <= self.now()),
            )
            return int(result.rowcount or 0)

    # ---------------------------------------------------------------------------------- locks

    @contextmanager
    def customer_lock(
        self, customer_id: str, *, timeout_seconds: Optional[float] = DEFAULT_LOCK_TIMEOUT_SECONDS,
    ) -> Iterator[None]:
        """Hold the customer's lock so one change of its overage runs at a time.

        Threads of this process serialise on a process-wide lock; on PostgreSQL an advisory lock
        (held on a dedicated connection) serialises replicas too. Re-entrant in one thread.
        Raises :class:`CustomerLockTimeout` when not obtained within ``timeout_seconds``
        (None waits for ever).
        """
        customer_id = _required_text(customer_id, 'customer_id')
        held: Set[str] = self._held_locks.__dict__.setdefault('customers', set())
        if customer_id in held:
            yield
            return
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        with _PROCESS_CUSTOMER_LOCKS.hold(customer_id, timeout_seconds):
            held.add(customer_id)
            try:
                if self.is_postgresql:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    with self._advisory_lock(customer_id, remaining, timeout_seconds):
                        yield
                else:
                    yield
            finally:
                held.discard(customer_id)

    @contextmanager
    def _advisory_lock(
        self, customer_id: str, remaining: Optional[float], timeout_seconds: Optional[float],
    ) -> Iterator[None]:
        key = advisory_lock_key(customer_id)
        connection = self.engine.connect()
        try:
            try:
                if remaining is not None:
                    wait_ms = max(1, int(remaining * 1000))
                    connection.execute(
                        text("SELECT set_config('lock_timeout', :wait, true)"),
                        {'wait': f'{wait_ms}ms'},
                    )
                connection.execute(text('SELECT pg_advisory_lock(:key)'), {'key': key})
                connection.commit()  # the lock is the session's: it outlives the transaction
            except OperationalError as error:
                connection.rollback()
                if _is_lock_timeout(error):
                    raise CustomerLockTimeout(customer_id, timeout_seconds) from error
                raise
            try:
                yield
            finally:
                try:
                    connection.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': key})
                    connection.commit()
                except SQLAlchemyError:
                    # Dropping the server session releases its locks.
                    logger.warning('could not unlock customer %s; dropping the connection',
                                   customer_id, exc_info=True)
                    connection.invalidate()
        finally:
            connection.close()
