"""What Connect showed each account (``customer_accounts``): recorded, refreshed, forgotten."""
from datetime import timedelta

import pytest

from connect_ext.store import Store
from testkit import stores
from testkit.clock import FakeDatetimeClock


@pytest.fixture
def clock():
    return FakeDatetimeClock()


@pytest.fixture
def store(store_template, tmp_path, clock):
    store = Store(stores.copied_sqlite(store_template, tmp_path / 'store.sqlite3'), clock=clock)
    yield store
    store.close()


def test_a_pair_is_recorded_once_and_its_time_refreshed(store, clock):
    assert store.record_seen('PA-1', ['TA-1', 'TA-2', 'TA-1']) == 2
    first = store.seen_at('PA-1', 'TA-1')
    clock.advance(60)
    store.record_seen('PA-1', ['TA-1'])

    assert store.seen_at('PA-1', 'TA-1') - first == timedelta(seconds=60)
    assert store.seen_at('PA-2', 'TA-1') is None


def test_forgetting_removes_only_the_named_pairs(store):
    store.record_seen('PA-1', ['TA-1', 'TA-2'])
    store.record_seen('PA-2', ['TA-1'])

    assert store.forget_seen('PA-1', ['TA-1', 'TA-9']) == 1
    assert store.forget_seen('PA-1', []) == 0
    assert store.seen_at('PA-1', 'TA-1') is None
    assert store.seen_at('PA-1', 'TA-2') is not None
    assert store.seen_at('PA-2', 'TA-1') is not None


def test_a_complete_reread_drops_what_it_did_not_see(store, clock):
    store.record_seen('PA-1', ['TA-OLD', 'TA-KEPT'])
    store.record_seen('PA-2', ['TA-OLD'])
    clock.advance(10)
    started = store.now()
    store.record_seen('PA-1', ['TA-KEPT', 'TA-NEW'])

    assert store.forget_unseen_since('PA-1', started) == 1
    assert store.seen_at('PA-1', 'TA-OLD') is None
    assert {store.seen_at('PA-1', c) is not None for c in ('TA-KEPT', 'TA-NEW')} == {True}
    assert store.seen_at('PA-2', 'TA-OLD') is not None


def test_many_customers_are_recorded_in_chunks(store):
    ids = [f'TA-{number:06d}' for number in range(4500)]
    assert store.record_seen('PA-1', ids) == 4500
    assert store.seen_at('PA-1', 'TA-004499') is not None


@pytest.mark.parametrize('bad', ['', '  ', None])
def test_blank_ids_are_refused(store, bad):
    with pytest.raises(ValueError):
        store.record_seen(bad, ['TA-1'])
    with pytest.raises(ValueError):
        store.record_seen('PA-1', [bad])


def test_a_tier_configuration_change_makes_its_customers_partner_id_unchecked(store):
    store.upsert_customer('TA-1', tier1_id='TA-T1', reseller_mpn_checked_at=store.now())
    store.upsert_customer('TA-2', tier1_id='TA-T2', reseller_mpn_checked_at=store.now())

    assert store.forget_reseller_mpn_checks('TA-T1') == 1
    assert store.get_customer('TA-1').reseller_mpn_checked_at is None
    assert store.get_customer('TA-2').reseller_mpn_checked_at is not None


def _account_column(store, account_id, name):
    """customer id -> ``name`` (a column) of each of ``account_id``'s ``customer_accounts`` rows."""
    from sqlalchemy import select

    from connect_ext.store.models import CustomerAccount
    with store.engine.connect() as connection:
        return dict(connection.execute(
            select(CustomerAccount.customer_id, getattr(CustomerAccount, name))
            .where(CustomerAccount.account_id == account_id)).all())


def _account_names(store, account_id):
    return _account_column(store, account_id, 'search_name')


def _account_statuses(store, account_id):
    return _account_column(store, account_id, 'overage_status')


def test_a_resellers_rows_keep_the_customers_search_name_through_renames(store):
    """A reseller's overview walks its own rows in name order (store/overview.py): they repeat the
    search name, whether the customer was recorded before Connect showed it or after."""
    store.upsert_customer('TA-1', name='Zulu Voice')
    store.record_seen('PA-1', ['TA-1', 'TA-2'])
    assert _account_names(store, 'PA-1') == {'TA-1': 'zulu voice', 'TA-2': ''}

    store.upsert_customer('TA-2', name='Alpha Calls')  # recorded after Connect showed it
    store.upsert_customer('TA-1', name='Beta  Telecom')  # renamed
    assert _account_names(store, 'PA-1') == {'TA-1': 'beta telecom', 'TA-2': 'alpha calls'}
    assert [record.customer_id for record in store.list_customers(visible_to='PA-1').items] == \
        ['TA-2', 'TA-1']
    assert [record.customer_id for record in store.list_customers(
        visible_to='PA-1', search='tele').items] == ['TA-1']


def test_a_resellers_rows_keep_the_customers_status_through_every_write(store):
    """A reseller's page of one status walks its rows of that status (store/overview.py): they
    repeat the status from the first write of the customer, before or after Connect showed it."""
    store.upsert_customer('TA-1', name='Zulu Voice', overage_status='enabled')
    store.record_seen('PA-1', ['TA-1', 'TA-2'])
    store.record_seen('PA-2', ['TA-1'])
    assert _account_statuses(store, 'PA-1') == {'TA-1': 'enabled', 'TA-2': None}

    store.upsert_customer('TA-2', name='Alpha Calls')  # recorded after Connect showed it
    store.record_overage_state('TA-1', status='other_partner', azure_entitlement_id=None,
                               partner_id='1234567', checked_at=store.now())
    assert _account_statuses(store, 'PA-1') == {'TA-1': 'other_partner', 'TA-2': 'unknown'}
    assert _account_statuses(store, 'PA-2') == {'TA-1': 'other_partner'}
    assert [record.customer_id for record in store.list_customers(
        visible_to='PA-1', status='other_partner').items] == ['TA-1']
    assert [record.customer_id for record in store.list_customers(
        visible_to='PA-1', status='unknown', search='alp').items] == ['TA-2']
    assert store.list_customers(visible_to='PA-2', status='enabled').items == []


def test_a_row_seen_again_takes_the_status_it_missed(store):
    """A row written while its customer was not recorded (or in a race with its first write) has
    no status; the next time Connect shows it, it takes the customer's."""
    from sqlalchemy import update

    from connect_ext.store.models import CustomerAccount
    store.record_seen('PA-1', ['TA-1'])
    store.upsert_customer('TA-1', name='Zulu Voice', overage_status='disabled')
    with store.engine.begin() as connection:  # what the race leaves: the row missed the first write
        connection.execute(update(CustomerAccount).values(overage_status=None, search_name=''))
    assert store.list_customers(visible_to='PA-1', status='disabled').items == []

    store.record_seen('PA-1', ['TA-1'])
    assert _account_statuses(store, 'PA-1') == {'TA-1': 'disabled'}
    assert [record.customer_id for record in store.list_customers(
        visible_to='PA-1', status='disabled', search='zul').items] == ['TA-1']
