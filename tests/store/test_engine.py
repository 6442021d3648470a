"""The engine and sessions: SQLite's settings and write lock, commit and rollback."""
import sqlite3

import pytest
from sqlalchemy import func, select, text

from connect_ext.store import Store
from connect_ext.store.models import Customer


def _new_customer(store, customer_id):
    return Customer(
        customer_id=customer_id, name='', search_name='', overage_status='unknown',
        ovg_subscription_count=0, ovg_asset_ids=[], flags=[],
        created_at=store.now(), updated_at=store.now(), version=1,
    )


def test_a_session_commits_on_success_and_rolls_back_on_error(store):
    with store.session() as session:
        session.add(_new_customer(store, 'TA-OK'))

    def write_then_fail():
        with store.session() as session:
            session.add(_new_customer(store, 'TA-LOST'))
            session.flush()
            raise RuntimeError('the caller failed after writing')

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert store.get_customer('TA-OK') is not None
    assert store.get_customer('TA-LOST') is None


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / 'settings.sqlite3'


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_path):
    store = Store.migrated(f'sqlite:///{sqlite_path}')
    try:
        with store.session(write=False) as session:
            assert session.execute(text('PRAGMA journal_mode')).scalar() == 'wal'
            assert session.execute(text('PRAGMA busy_timeout')).scalar() >= 5000
    finally:
        store.close()


@pytest.mark.parametrize(('write', 'other_writer_may_start'), [(True, False), (False, True)])
def test_a_writing_session_holds_sqlite_write_lock_from_its_start(
    sqlite_path, write, other_writer_may_start,
):
    store = Store.migrated(f'sqlite:///{sqlite_path}')
    other = sqlite3.connect(str(sqlite_path), timeout=0, isolation_level=None)
    try:
        with store.session(write=write) as session:
            session.execute(select(func.count()).select_from(Customer))  # reads only
            try:
                other.execute('BEGIN IMMEDIATE')
                other.execute('ROLLBACK')
                other_started = True
            except sqlite3.OperationalError:
                other_started = False
        assert other_started is other_writer_may_start
    finally:
        other.close()
        store.close()


def test_an_in_memory_sqlite_store_works_in_one_thread():
    store = Store.migrated('sqlite://')
    try:
        store.upsert_customer('TA-0001', name='Memory')
        assert store.list_customers().total == 1
    finally:
        store.close()
