"""Alembic: from an empty database to head and back to base, by command line and from code."""
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, create_engine, inspect, select, table, text

from connect_ext.store import Store
from connect_ext.store.migrate import alembic_config, downgrade, include_object_for, upgrade
from connect_ext.store.models import Base
from testkit.databases import STORE_TABLES
from testkit.threads import at_once


REPO_ROOT = Path(__file__).resolve().parents[2]


def _heads():
    return ScriptDirectory.from_config(alembic_config('sqlite://')).get_heads()


# Every revision descends from the latest: one head, which is what upgrading reaches.
HEAD = _heads()[0]
EXPECTED_INDEXES = {
    'customers': {
        'ix_customers_tenant_id', 'ix_customers_tier1_id', 'ix_customers_tier2_id',
        'ix_customers_search_name', 'ix_customers_status_search_name', 'ix_customers_checked_at',
        'ix_customers_last_order_at', 'ix_customers_status_checked_at',
        'ix_customers_attention_search_name',
    },
    'customer_words': {'ix_customer_words_word'},
    'audit_entries': {
        'ix_audit_entries_customer_id_at', 'ix_audit_entries_at', 'ix_audit_entries_outcome_at',
    },
    'processed_events': {'ix_processed_events_processed_at'},
    'idempotency_keys': {'ix_idempotency_keys_expires_at'},
    'credentials': set(),
    'pending_confirmations': set(),
    'customer_accounts': {'ix_customer_accounts_customer_id', 'ix_customer_accounts_account_search_name',
                          'ix_customer_accounts_account_status_search_name'},
    'rate_budgets': set(),
    'partner_center_reads': set(),
    'handovers': {'ix_handovers_state_checked_at'},
    'order_notes': {'ix_order_notes_written_at'},
}


def _alembic(*args: str, database_url=None, cwd=REPO_ROOT) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != 'DATABASE_URL'}
    if database_url is not None:
        env['DATABASE_URL'] = database_url
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, '-m', 'alembic', *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def _schema(url: str):
    """(store tables, their index names, the alembic revision) of the database at ``url``."""
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names()) & set(STORE_TABLES)
        indexes = {table: {ix['name'] for ix in inspector.get_indexes(table)} for table in tables}
        revision = None
        if 'alembic_version' in inspector.get_table_names():
            with engine.connect() as connection:
                revision = connection.execute(text('SELECT version_num FROM alembic_version')).scalar()
        return tables, indexes, revision
    finally:
        engine.dispose()


def _differences_from_models(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                'compare_type': True,
                'target_metadata': Base.metadata,
                'include_object': include_object_for(connection.dialect.name),
            })
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_the_command_line_without_database_url_uses_the_default_sqlite_file(tmp_path):
    result = _alembic('-c', str(REPO_ROOT / 'alembic.ini'), 'upgrade', 'head', cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    tables, _indexes, revision = _schema(f'sqlite:///{tmp_path / "overage_manager.sqlite3"}')
    assert tables == set(STORE_TABLES)
    assert revision == HEAD


def test_upgrade_from_code_builds_what_the_models_declare_and_downgrade_removes_it(
    empty_database_url,
):
    upgrade(empty_database_url)
    upgrade(empty_database_url)  # a second run finds the schema current and does nothing

    tables, indexes, revision = _schema(empty_database_url)
    assert (tables, indexes, revision) == (set(STORE_TABLES), EXPECTED_INDEXES, HEAD)
    assert _differences_from_models(empty_database_url) == []

    downgrade(empty_database_url)
    assert _schema(empty_database_url) == (set(), {}, None)
    assert _differences_from_models(empty_database_url) != []


def test_the_command_line_upgrades_from_empty_in_two_replicas_at_once_then_downgrades_to_base(
    empty_database_url,
):
    env = {name: value for name, value in os.environ.items() if name != 'DATABASE_URL'}
    env['DATABASE_URL'] = empty_database_url
    replicas = [
        subprocess.Popen(
            [sys.executable, '-m', 'alembic', 'upgrade', 'head'],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outcomes = [(replica.wait(timeout=120), replica.communicate()[1]) for replica in replicas]

    assert [code for code, _stderr in outcomes] == [0, 0], outcomes
    # Exactly one of them ran the migration; the other found the schema current.
    assert sum('Running upgrade  -> 0001' in stderr for _code, stderr in outcomes) == 1
    tables, indexes, revision = _schema(empty_database_url)
    assert (tables, indexes, revision) == (set(STORE_TABLES), EXPECTED_INDEXES, HEAD)

    downgraded = _alembic('downgrade', 'base', database_url=empty_database_url)
    assert downgraded.returncode == 0, downgraded.stderr
    assert _schema(empty_database_url) == (set(), {}, None)


def test_threads_migrating_at_the_same_time_both_succeed(empty_database_url):
    _, errors = at_once([lambda: upgrade(empty_database_url)] * 2)

    assert errors == []
    assert _schema(empty_database_url)[2] == HEAD


def test_migrated_returns_a_working_store_on_an_empty_database(empty_database_url):
    store = Store.migrated(empty_database_url)
    try:
        store.upsert_customer('TA-0001', name='Contoso')
        assert store.get_customer('TA-0001').name == 'Contoso'
    finally:
        store.close()


def test_the_migrations_have_a_single_head():
    assert len(_heads()) == 1


def _upgraded_accounts(url, before, after, status, accounts, name):
    """Upgrade from ``before`` to ``after`` over one customer TA-1 ("Wingtip Toys", ``status``) and
    the ``customer_accounts`` rows ``accounts`` (dicts, ``seen_at`` now); answer customer id ->
    ``name`` (a column) of those rows after the upgrade, then downgrade to ``before``."""
    upgrade(url, before)
    engine = create_engine(url)
    rows = [{**row, 'seen_at': datetime.now(UTC)} for row in accounts]
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO customers (customer_id, name, search_name, overage_status, version, "
                "created_at, updated_at, ovg_asset_ids, flags, ovg_subscription_count) VALUES "
                "('TA-1', 'Wingtip Toys', 'wingtip toys', :status, 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, '[]', '[]', 0)"), {'status': status})
            connection.execute(table('customer_accounts', *map(column, rows[0])).insert(), rows)
        upgrade(url, after)
        with engine.connect() as connection:
            found = dict(connection.execute(
                select(column('customer_id'), column(name)).select_from(table('customer_accounts'))
                .order_by(column('customer_id'))).all())
    finally:
        engine.dispose()
    downgrade(url, before)
    return found


def test_0012_gives_the_resellers_rows_their_customers_search_names(empty_database_url):
    """The reseller's overview walks its own rows in name order (store/overview.py): rows recorded
    before the upgrade get their customers' search names; one whose customer is not recorded, ''."""
    names = _upgraded_accounts(empty_database_url, '0011', '0012', 'unknown', [
        {'account_id': 'PA-1', 'customer_id': 'TA-1'}, {'account_id': 'PA-1', 'customer_id': 'TA-2'},
    ], 'search_name')
    assert names == {'TA-1': 'wingtip toys', 'TA-2': ''}


def test_0013_gives_the_resellers_rows_their_customers_statuses(empty_database_url):
    """A reseller's page of one status walks its rows of that status (store/overview.py): rows
    recorded before the upgrade get their customers' statuses; one whose customer is not recorded,
    none (it is given one when the customer is)."""
    statuses = _upgraded_accounts(empty_database_url, '0012', '0013', 'other_partner', [
        {'account_id': 'PA-1', 'customer_id': 'TA-1', 'search_name': 'wingtip toys'},
        {'account_id': 'PA-1', 'customer_id': 'TA-2', 'search_name': ''},
    ], 'overage_status')
    assert statuses == {'TA-1': 'other_partner', 'TA-2': None}
