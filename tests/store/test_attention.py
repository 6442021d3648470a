"""The work queue in the store: attention kept with every write, its filter, and the word search rows.

Each test runs on SQLite and PostgreSQL (the ``store`` fixture).
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text

from connect_ext.store import Store
from connect_ext.store.migrate import upgrade
from connect_ext.store.models import CustomerWord
from connect_ext.vocabulary import FLAG_OVERAGE_WITHOUT_OVG


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _customer(store, customer_id, **fields):
    """A customer with a Microsoft tenant id (recorded as an order event would)."""
    tenant = f'00000000-0000-4000-8000-{int(customer_id[3:]):012d}'
    return store.upsert_customer(customer_id, tenant_id=tenant, **fields)


def _read(store, customer_id, status, entitlement=None):
    """A read of the overage assignment alone (the sync's)."""
    return store.record_overage_state(customer_id, status=status, azure_entitlement_id=entitlement,
                                      partner_id=None, checked_at=T0)


def _queue(store, attention, **filters):
    return [record.customer_id for record in store.list_customers(attention=attention, **filters).items]


def test_a_customer_never_judged_has_no_attention(store):
    assert _customer(store, 'TA-1', name='New').attention is None
    assert _read(store, 'TA-1', 'disabled').attention is None


def test_a_customer_without_a_tenant_id_needs_it_first(store):
    """Microsoft is never read without the tenant id: no read would ever judge it."""
    record = store.upsert_customer('TA-1', name='Tenantless')

    assert (record.attention, record.attention_reason) == ('action_needed', 'TENANT_ID_UNKNOWN')
    assert _customer(store, 'TA-1').attention is None  # the tenant id arrived: a read judges it


def test_a_full_read_judges_it_and_a_partial_read_keeps_the_judgement(store):
    _customer(store, 'TA-1', name='Contoso')
    _read(store, 'TA-1', 'disabled')

    assert store.work_queue.judged('TA-1', None) == 'ready_to_enable'
    record = store.get_customer('TA-1')
    assert (record.attention, record.attention_reason) == ('ready_to_enable', 'OVERAGE_READY_TO_ENABLE')

    assert _read(store, 'TA-1', 'other_partner', 'e-2').attention == 'held_by_other_partner'
    # Released by the other partner: the prerequisites of the last full read still hold.
    assert _read(store, 'TA-1', 'disabled').attention == 'ready_to_enable'
    assert _read(store, 'TA-1', 'enabled', 'e-1').attention == 'none'


def test_a_blocker_that_can_be_fixed_or_not(store):
    _customer(store, 'TA-1', name='Legacy')
    _customer(store, 'TA-2', name='China')
    for customer_id in ('TA-1', 'TA-2'):
        _read(store, customer_id, 'disabled')

    assert store.work_queue.judged('TA-1', 'LEGACY_AZURE_PRESENT') == 'action_needed'
    assert store.work_queue.judged('TA-2', 'CHINA_NOT_SUPPORTED') == 'cannot_enable'
    assert store.get_customer('TA-2').attention_reason == 'CHINA_NOT_SUPPORTED'


def test_the_cancel_flag_and_its_clearing_move_the_attention_without_a_read(store):
    _customer(store, 'TA-1', name='Flagged')
    _read(store, 'TA-1', 'enabled', 'e-1')

    flagged = store.upsert_customer('TA-1', flags=[FLAG_OVERAGE_WITHOUT_OVG])
    assert (flagged.attention, flagged.attention_reason) == (
        'overage_without_ovg', 'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION')
    assert store.upsert_customer('TA-1', flags=[]).attention == 'none'


def test_the_filter_keeps_one_attention_in_name_order(store):
    for customer_id, name in (('TA-1', 'Zeta'), ('TA-2', 'Alpha'), ('TA-3', 'Mid')):
        _customer(store, customer_id, name=name)
        _read(store, customer_id, 'disabled')
        store.work_queue.judged(customer_id, None)
    store.work_queue.judged('TA-3', 'LEGACY_AZURE_PRESENT')

    assert _queue(store, 'ready_to_enable') == ['TA-2', 'TA-1']
    assert _queue(store, 'action_needed') == ['TA-3']
    assert _queue(store, 'none') == []
    assert store.list_customers(attention='ready_to_enable').total == 2
    # With status, search, a reseller's scope and a cursor.
    assert _queue(store, 'ready_to_enable', status='disabled', search='zet') == ['TA-1']
    assert _queue(store, 'ready_to_enable', customer_ids=['TA-1']) == ['TA-1']
    first = store.list_customers(attention='ready_to_enable', limit=1)
    assert [record.customer_id for record in first.items] == ['TA-2']
    assert _queue(store, 'ready_to_enable', limit=1, after=first.next_after) == ['TA-1']


def test_a_change_awaiting_microsoft_is_waiting_whatever_is_stored(store):
    for customer_id in ('TA-1', 'TA-2'):
        _customer(store, customer_id, name=f'Customer {customer_id}')
        _read(store, customer_id, 'disabled')
        store.work_queue.judged(customer_id, None)
    store.confirmations.begin(
        'TA-1', action='enable', from_enabled=False, from_entitlement=None, to_enabled=True,
        to_entitlement='e-1', audit_id=1, requested_at=T0, confirm_by=T0 + timedelta(hours=1),
        actor_type='owner',
    )

    assert _queue(store, 'waiting_for_microsoft') == ['TA-1']
    assert _queue(store, 'ready_to_enable') == ['TA-2']


def test_an_unknown_attention_is_refused(store):
    with pytest.raises(ValueError, match='attention'):
        store.list_customers(attention='urgent')


def test_judging_an_unknown_customer_is_refused(store):
    from connect_ext.store.errors import CustomerNotFound

    with pytest.raises(CustomerNotFound):
        store.work_queue.judged('TA-404', None)


# --- the word search ---------------------------------------------------------------------------

def _words(store, customer_id):
    with store.session(write=False) as session:
        return sorted(session.scalars(
            select(CustomerWord.word).where(CustomerWord.customer_id == customer_id)))


def _found(store, search):
    return [record.customer_id for record in store.list_customers(search=search).items]


def test_a_rename_rewrites_the_words(store):
    _customer(store, 'TA-1', name='Wingtip Toys Ltd')
    assert _words(store, 'TA-1') == ['ltd', 'toys ltd']
    assert _found(store, 'Toys') == ['TA-1']
    assert _found(store, 'toys l') == ['TA-1']

    _customer(store, 'TA-1', name='Wingtip Games')
    assert _words(store, 'TA-1') == ['games']
    assert _found(store, 'toys') == []
    assert _found(store, 'GAM') == ['TA-1']
    # A write that keeps the name leaves the rows alone.
    _read(store, 'TA-1', 'enabled', 'e-1')
    assert _words(store, 'TA-1') == ['games']


def test_a_name_found_by_two_of_its_words_is_listed_once(store):
    _customer(store, 'TA-1', name='Toys and Toys')

    page = store.list_customers(search='toys')
    assert [record.customer_id for record in page.items] == ['TA-1']
    assert page.total == 1


def test_word_search_pages_with_the_cursor_and_counts(store):
    for number in range(1, 6):
        store.upsert_customer(f'TA-{number}', name=f'Shop{number} Toys')
    _customer(store, 'TA-9', name='Toys First')

    first = store.list_customers(search='toys', limit=4)
    assert [record.customer_id for record in first.items] == ['TA-1', 'TA-2', 'TA-3', 'TA-4']
    assert first.total == 6
    rest = store.list_customers(search='toys', limit=4, after=first.next_after)
    assert [record.customer_id for record in rest.items] == ['TA-5', 'TA-9']
    assert store.list_customers(search='toys', count_limit=3, limit=2).total_is != 'exact'


def test_the_migration_fills_the_words_of_customers_already_recorded(empty_database_url):
    upgrade(empty_database_url, '0006')
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO customers (customer_id, name, search_name, ovg_subscription_count, "
                "ovg_asset_ids, overage_status, flags, created_at, updated_at, version) VALUES "
                "('TA-1', 'Wingtip Toys', 'wingtip toys', 0, '[]', 'disabled', '[]', "
                ":now, :now, 1)"), {'now': T0})
    finally:
        engine.dispose()
    upgrade(empty_database_url)
    store = Store(empty_database_url)
    try:
        assert _found(store, 'toys') == ['TA-1']
        assert store.get_customer('TA-1').attention is None  # not judged before a full read
    finally:
        store.close()
