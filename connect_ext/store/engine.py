"""The store's engine: the settings each backend needs so concurrent writers behave.

* SQLite: SQLAlchemy emits ``BEGIN`` itself (the ``sqlite3`` module's own transaction handling is
  switched off), and every writing session starts with ``BEGIN IMMEDIATE`` (:func:`writing`): it
  takes the write lock first, so a read-then-write (upsert, sync claim) is atomic and never fails
  half-way with "database is locked" on upgrade; ``busy_timeout`` makes the next writer wait. WAL
  lets readers run alongside. SQLite serves one process (one replica); its threads are safe.
* PostgreSQL: a pre-pinged connection pool; the repository locks rows itself
  (``SELECT ... FOR UPDATE``) and :mod:`.locks` holds advisory locks.
"""
from typing import Any, Dict

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool


SQLITE_BUSY_TIMEOUT_MS = 15000
_SQLITE_BEGIN_MODES = {'DEFERRED': 'BEGIN DEFERRED', 'IMMEDIATE': 'BEGIN IMMEDIATE'}


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
