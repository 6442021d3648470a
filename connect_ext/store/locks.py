"""The customer locks: one change of a customer's overage at a time, across threads and replicas.

Threads of this process serialise on a process-wide, re-entrant lock per customer; on PostgreSQL
an advisory lock (keyed by :func:`advisory_lock_key`, held on a dedicated connection) serialises
the replicas too. :meth:`connect_ext.store.Store.customer_lock` is how callers take one.
"""
import hashlib
import logging
import threading
import time
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Set

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from connect_ext.store.errors import CustomerLockTimeout
from connect_ext.store.fields import required_text


logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT_SECONDS = 60.0
# PostgreSQL's SQLSTATE for "lock_timeout reached".
_PG_LOCK_NOT_AVAILABLE = '55P03'


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


def advisory_lock_key(customer_id: str) -> int:
    """The stable signed 64-bit key of a customer's PostgreSQL advisory lock."""
    digest = hashlib.sha256(b'overage-manager/customer/' + customer_id.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


class CustomerLocks:
    """The customer locks taken through one store's engine (re-entrant per thread and store)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._held = threading.local()

    @contextmanager
    def hold(self, customer_id: str, timeout_seconds: Optional[float]) -> Iterator[None]:
        """Hold the customer's lock; :class:`CustomerLockTimeout` after ``timeout_seconds``.

        None waits for ever. Taken again by the thread that holds it, it is simply held on.
        """
        customer_id = required_text(customer_id, 'customer_id')
        held: Set[str] = self._held.__dict__.setdefault('customers', set())
        if customer_id in held:
            yield
            return
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        with _PROCESS_CUSTOMER_LOCKS.hold(customer_id, timeout_seconds):
            held.add(customer_id)
            try:
                if self.engine.dialect.name == 'postgresql':
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
