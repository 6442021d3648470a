"""Fixtures of the store tests: each test runs on SQLite and on PostgreSQL (testkit.databases says
how PostgreSQL is found, skipped or required), with the store's datetime clock.

Fast and clean: SQLite tests copy the session's migrated ``store_template``; PostgreSQL tests share
a database migrated once per session and emptied before each test; migration tests (and read-only
modules that seed their own data) get a fresh database each.
"""
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text

from connect_ext.store import Store
from connect_ext.store.migrate import upgrade
from testkit.clock import FakeDatetimeClock
from testkit.databases import BACKENDS, STORE_TABLES, fresh_postgres_database, postgres_server_url
from testkit.stores import copied_sqlite


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_database_url(backend, tmp_path) -> Iterator[str]:
    """The URL of an empty database (no tables) on the test's backend."""
    if backend == 'sqlite':
        yield f'sqlite:///{tmp_path / "empty.sqlite3"}'
        return
    with fresh_postgres_database(postgres_server_url()) as url:
        yield url


@pytest.fixture(scope='session')
def migrated_postgres_url() -> Iterator[str]:
    with fresh_postgres_database(postgres_server_url()) as url:
        upgrade(url)
        yield url


@pytest.fixture
def clock() -> FakeDatetimeClock:
    """The store's clock: datetimes, not the seconds of the root ``clock``."""
    return FakeDatetimeClock()


@pytest.fixture(scope='session')
def _postgres_cleaner(migrated_postgres_url) -> Iterator[Callable[[], None]]:
    engine = create_engine(migrated_postgres_url)

    def empty_tables() -> None:
        with engine.begin() as connection:
            for table in STORE_TABLES:
                connection.execute(text(f'DELETE FROM {table}'))  # noqa: S608 - fixed names

    yield empty_tables
    engine.dispose()


@pytest.fixture
def database_url(backend, tmp_path, request) -> str:
    """The URL of a migrated database holding no rows."""
    if backend == 'sqlite':
        return copied_sqlite(request.getfixturevalue('store_template'), tmp_path / 'store.sqlite3')
    request.getfixturevalue('_postgres_cleaner')()
    return request.getfixturevalue('migrated_postgres_url')


@pytest.fixture
def store(database_url, clock) -> Iterator[Store]:
    """A store on an empty migrated database of the test's backend, with a fake clock."""
    store = Store(database_url, clock=clock)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def postgres_store(migrated_postgres_url, _postgres_cleaner, clock) -> Iterator[Store]:
    """A store on PostgreSQL only, for what exists there alone (advisory locks)."""
    _postgres_cleaner()
    store = Store(migrated_postgres_url, clock=clock)
    try:
        yield store
    finally:
        store.close()
