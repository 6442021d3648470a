"""Fixtures of the store tests: each test runs on SQLite and on PostgreSQL.

PostgreSQL needs ``OVERAGE_TEST_POSTGRES_URL`` (a database URL whose user may create databases,
e.g. what ``scripts/postgres-test-server.sh`` prints). Without it those tests are skipped, unless
``OVERAGE_REQUIRE_POSTGRES=1`` (CI), which makes them fail instead of passing unseen.

Fast and clean: SQLite tests copy a file migrated once per session; PostgreSQL tests share a
database migrated once per session and emptied before each test; migration tests (and read-only
modules that seed their own data) get a fresh database each.
"""
import os
import shutil
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connect_ext.store import Store
from connect_ext.store.migrate import upgrade


POSTGRES_URL_ENV = 'OVERAGE_TEST_POSTGRES_URL'
REQUIRE_POSTGRES_ENV = 'OVERAGE_REQUIRE_POSTGRES'
STORE_TABLES = ('customers', 'audit_entries', 'processed_events', 'idempotency_keys')
BACKENDS = ['sqlite', pytest.param('postgresql', marks=pytest.mark.postgres)]
START = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    """The store's clock in tests: stands still until told to move."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def postgres_server_url() -> str:
    """The PostgreSQL server URL of the environment, or skip (or fail, when it is required)."""
    url = os.environ.get(POSTGRES_URL_ENV, '').strip()
    if url:
        return url
    if os.environ.get(REQUIRE_POSTGRES_ENV) == '1':
        pytest.fail(
            f'{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_URL_ENV} is not set: '
            'the PostgreSQL store tests cannot run',
            pytrace=False,
        )
    pytest.skip(
        f'PostgreSQL store tests need {POSTGRES_URL_ENV} '
        '(e.g. export it from scripts/postgres-test-server.sh)',
    )


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server for the duration; its URL is yielded."""
    name = f'overage_test_{uuid.uuid4().hex[:16]}'
    admin = create_engine(server_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


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
def migrated_sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('store-template') / 'migrated.sqlite3'
    upgrade(f'sqlite:///{path}')
    return path


@pytest.fixture(scope='session')
def migrated_postgres_url() -> Iterator[str]:
    with fresh_postgres_database(postgres_server_url()) as url:
        upgrade(url)
        yield url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope='session')
def _postgres_cleaner(migrated_postgres_url) -> Iterator[Callable[[], None]]:
    engine = create_engine(migrated_postgres_url)

    def empty_tables() -> None:
        with engine.begin() as connection:
            for table in STORE_TABLES:
                connection.execute(text(f'DELETE FROM {table}'))  # noqa: S608 - fixed names

    yield empty_tables
    engine.dispose()


@contextmanager
def migrated_database(backend: str, directory: Path, request) -> Iterator[str]:
    """A migrated database with no rows of its own: a copied SQLite file or a new PostgreSQL one."""
    if backend == 'sqlite':
        path = directory / 'store.sqlite3'
        shutil.copyfile(request.getfixturevalue('migrated_sqlite_template'), path)
        yield f'sqlite:///{path}'
        return
    with fresh_postgres_database(postgres_server_url()) as url:
        upgrade(url)
        yield url


@pytest.fixture
def database_url(backend, tmp_path, request) -> str:
    """The URL of a migrated database holding no rows."""
    if backend == 'sqlite':
        path = tmp_path / 'store.sqlite3'
        shutil.copyfile(request.getfixturevalue('migrated_sqlite_template'), path)
        return f'sqlite:///{path}'
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
