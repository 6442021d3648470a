"""The databases the store tests run on: SQLite (a copy of the session's migrated template) and
PostgreSQL (a database made and dropped per use).

PostgreSQL needs ``OVERAGE_TEST_POSTGRES_URL`` (a database URL whose user may create databases,
e.g. what ``scripts/postgres-test-server.sh`` prints). Without it those tests are skipped, unless
``OVERAGE_REQUIRE_POSTGRES=1`` (CI), which makes them fail instead of passing unseen.
"""
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from connect_ext.store.migrate import upgrade
from testkit.stores import copied_sqlite


POSTGRES_URL_ENV = 'OVERAGE_TEST_POSTGRES_URL'
REQUIRE_POSTGRES_ENV = 'OVERAGE_REQUIRE_POSTGRES'
STORE_TABLES = (
    'customers',
    'customer_words',
    'audit_entries',
    'processed_events',
    'idempotency_keys',
    'credentials',
    'pending_confirmations',
    'customer_accounts',
    'rate_budgets',
    'partner_center_reads',
    'handovers',
    'order_notes',
)
BACKENDS = ['sqlite', pytest.param('postgresql', marks=pytest.mark.postgres)]


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


# ------------------------------------------------------------------------------------ backends


@contextmanager
def migrated_database(backend: str, directory: Path, request) -> Iterator[str]:
    """A migrated database with no rows of its own: a copy of the session's ``store_template``
    (SQLite) or a new PostgreSQL database."""
    if backend == 'sqlite':
        yield copied_sqlite(request.getfixturevalue('store_template'), directory / 'store.sqlite3')
        return
    with fresh_postgres_database(postgres_server_url()) as url:
        upgrade(url)
        yield url
