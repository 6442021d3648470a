"""The sync claim's order (issue 16): a recent order, then held by another partner, then longest
unread; the indexes that serve each step; and the coverage figures of the settings page."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from connect_ext.store.models import Customer
from connect_ext.store.sync_claims import (
    PRIORITY_READ_EVERY_HOURS,
    RECENT_ORDER_DAYS,
    priorities,
)
from testkit.clock import START


DAY = timedelta(days=1)


def _customer(store, customer_id, *, read_ago=None, status='disabled', ordered_ago=None):
    store.upsert_customer(
        customer_id, name=customer_id, overage_status=status,
        checked_at=None if read_ago is None else START - read_ago,
        last_order_at=None if ordered_ago is None else START - ordered_ago,
    )


def _ids(records):
    return [record.customer_id for record in records]


@pytest.fixture
def seeded(store):
    _customer(store, 'TA-NEVER')
    _customer(store, 'TA-OLDEST', read_ago=30 * DAY)
    _customer(store, 'TA-OLD-ORDER', read_ago=20 * DAY, ordered_ago=(RECENT_ORDER_DAYS + 1) * DAY)
    _customer(store, 'TA-HELD', read_ago=2 * DAY, status='other_partner')
    _customer(store, 'TA-HELD-NEVER', status='other_partner')
    _customer(store, 'TA-ORDER', read_ago=DAY, ordered_ago=DAY)
    _customer(store, 'TA-ORDER-NEVER', ordered_ago=timedelta(hours=3))
    _customer(store, 'TA-ORDER-READ', read_ago=timedelta(hours=1), ordered_ago=DAY + timedelta(hours=1))
    _customer(store, 'TA-HELD-READ', read_ago=timedelta(hours=2), status='other_partner')
    return store


ORDER = [
    # a recent order, not read for 12 h (the latest order first)
    'TA-ORDER-NEVER', 'TA-ORDER',
    # held by another partner, not read for 12 h
    'TA-HELD-NEVER', 'TA-HELD',
    # everyone else, longest unread first
    'TA-NEVER', 'TA-OLDEST', 'TA-OLD-ORDER', 'TA-HELD-READ', 'TA-ORDER-READ',
]


def test_the_claim_reads_recent_orders_then_held_by_others_then_the_longest_unread(seeded):
    claimed = seeded.claim_customers_for_sync(worker_id='w1', batch_size=20, lease_seconds=60)

    assert _ids(claimed) == ORDER


def test_batches_follow_the_order_across_its_steps_and_never_repeat_a_customer(seeded):
    batches = []
    while True:
        batch = seeded.claim_customers_for_sync(worker_id='w1', batch_size=3, lease_seconds=60)
        if not batch:
            break
        batches.append(_ids(batch))

    assert batches == [ORDER[0:3], ORDER[3:6], ORDER[6:9]]


def test_a_prioritised_customer_read_since_goes_back_to_its_place_among_everyone(seeded, clock):
    seeded.record_overage_state('TA-ORDER', status='disabled', azure_entitlement_id=None,
                                partner_id=None, checked_at=START)

    claimed = seeded.claim_customers_for_sync(worker_id='w1', batch_size=20, lease_seconds=60)

    assert _ids(claimed) == [c for c in ORDER if c != 'TA-ORDER'] + ['TA-ORDER']


def test_a_prioritised_customer_is_due_again_after_its_interval(seeded, clock):
    seeded.record_overage_state('TA-HELD', status='other_partner', azure_entitlement_id=None,
                                partner_id=None, checked_at=START)
    later = START + timedelta(hours=PRIORITY_READ_EVERY_HOURS, seconds=1)

    claimed = seeded.claim_customers_for_sync(worker_id='w1', batch_size=6, lease_seconds=60,
                                              now=later)

    # Everyone read more than 12 h before ``later`` is due: TA-HELD is again among the held ones.
    assert _ids(claimed) == ['TA-ORDER-NEVER', 'TA-ORDER', 'TA-ORDER-READ', 'TA-HELD-NEVER',
                             'TA-HELD-READ', 'TA-HELD']


def test_an_order_is_recorded_as_bookkeeping_without_a_new_version(store):
    first = store.upsert_customer('TA-1', name='One')

    updated = store.upsert_customer('TA-1', last_order_at=START)

    assert updated.last_order_at == START
    assert (updated.version, updated.updated_at) == (first.version, first.updated_at)
    with pytest.raises(ValueError, match='last_order_at'):
        store.upsert_customer('TA-1', last_order_at=START.replace(tzinfo=None))
    assert store.get_customer('TA-1').last_order_at == START


def test_two_workers_claiming_at_once_share_no_customer_of_any_step(seeded):
    barrier = threading.Barrier(2)
    batches = {}

    def claim(worker_id):
        barrier.wait()
        batches[worker_id] = _ids(seeded.claim_customers_for_sync(
            worker_id=worker_id, batch_size=4, lease_seconds=60,
        ))

    threads = [threading.Thread(target=claim, args=(name,)) for name in ('w1', 'w2')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not set(batches['w1']) & set(batches['w2'])
    assert sorted(batches['w1'] + batches['w2']) == sorted(ORDER[:8])


READS_INDEXES = ('ix_customers_checked_at', 'ix_customers_status_checked_at')


def _plan(store, step):
    conditions, order = step
    query = select(Customer.customer_id).where(*conditions).order_by(*order).limit(20)
    sql = str(query.compile(store.engine, compile_kwargs={'literal_binds': True}))
    with store.engine.begin() as connection:
        if store.is_postgresql:
            connection.execute(text('ANALYZE customers'))
            # A table this small makes any plan cheap: on it PostgreSQL's planner may read the
            # status range of ix_customers_status_search_name and sort it, a plan that sorts every
            # held customer at a million. Allow only the plans an index gives in order.
            for setting in ('enable_seqscan', 'enable_bitmapscan', 'enable_sort'):
                connection.execute(text(f'SET LOCAL {setting} = off'))
            rows = connection.execute(text(f'EXPLAIN {sql}')).all()
        else:
            rows = connection.execute(text(f'EXPLAIN QUERY PLAN {sql}')).all()
    return ' '.join(str(value) for row in rows for value in row)


@pytest.mark.parametrize(('step', 'indexes'), [
    (0, ('ix_customers_last_order_at',)),
    # Held by another partner, and the longest unread: either index of the reads walks them in
    # order; on a table this small PostgreSQL's planner picks one or the other from run to run.
    (1, READS_INDEXES),
    (2, READS_INDEXES),
    (3, READS_INDEXES),
])
def test_each_step_of_the_order_is_walked_in_order_on_an_index(seeded, step, indexes):
    plan = _plan(seeded, priorities(START)[step])

    assert any(index in plan for index in indexes), plan
    # Neither a sort of the rows found (PostgreSQL) nor a temporary one (SQLite).
    assert 'Sort' not in plan, plan
    assert 'TEMP B-TREE' not in plan, plan


def test_the_coverage_counts_reads_of_the_last_day_and_week_and_the_oldest(seeded):
    coverage = seeded.sync_coverage()

    assert coverage.at == START
    assert coverage.customers == 9
    # read within 24 h: TA-ORDER (24 h ago exactly), TA-ORDER-READ, TA-HELD-READ
    assert coverage.read_last_day == 3
    # within 7 days: those and TA-HELD (2 days)
    assert coverage.read_last_week == 4
    assert coverage.never_read == 3
    assert coverage.oldest_read_at == START - 30 * DAY
    assert coverage.oldest_read_age_seconds == 30 * 86400
    assert (coverage.share_last_day, coverage.share_last_week) == (3 / 9, 4 / 9)


def test_the_coverage_of_an_empty_store_is_complete_with_no_oldest_read(store):
    coverage = store.sync_coverage()

    assert (coverage.customers, coverage.never_read, coverage.oldest_read_at) == (0, 0, None)
    assert (coverage.share_last_day, coverage.share_last_week) == (1.0, 1.0)
    assert coverage.oldest_read_age_seconds is None
