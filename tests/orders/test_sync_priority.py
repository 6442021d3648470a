"""What the sync reads first (issue 16): a recent order, then a customer held by another partner,
then the longest unread, resumed across runs from what the store records; one read per customer.

Both clocks are fake: the store's (datetimes, which the claim's priorities are computed from) and
the sync's (seconds, which its pacer and time budget run on). Nothing here depends on wall time.
"""
from datetime import timedelta

import pytest

from connect_ext.config import Settings
from connect_ext.store import Store
from connect_ext.store.sync_claims import PRIORITY_READ_EVERY_HOURS, RECENT_ORDER_DAYS
from testkit.clock import FakeClock, FakeDatetimeClock
from testkit.stores import copied_sqlite
from testkit.syncs import clocked_sync


DAY = timedelta(days=1)


@pytest.fixture
def store_clock():
    return FakeDatetimeClock()


@pytest.fixture
def store(store_template, tmp_path, store_clock):
    store = Store(copied_sqlite(store_template, tmp_path / 'store.sqlite3'), clock=store_clock)
    yield store
    store.close()


class ReadingService:
    """The service's ``refresh`` as the sync sees it: one read of the overage assignment (one
    Partner Center call, counted), recorded at the store's time, which moves a second per read.
    (What the passes before the round need of a service is there too; they find nothing to do.)"""

    def __init__(self, store, store_clock):
        self.store, self.store_clock = store, store_clock
        self.settings, self.notify, self.now = Settings.from_config({}), None, store.now
        self.reads = []

    def refresh(self, customer, **options):
        self.reads.append(customer.customer_id)
        record = self.store.get_customer(customer.customer_id)
        self.store.record_overage_state(
            customer.customer_id, status=record.overage_status,
            azure_entitlement_id=record.azure_entitlement_id, partner_id=None,
            checked_at=self.store.now(),
        )
        self.store_clock.advance(1)
        return record.overage_status


def _customer(store, customer_id, *, read_ago=None, status='disabled', ordered_ago=None):
    now = store.now()
    store.upsert_customer(
        customer_id, name=customer_id, tenant_id=f'tenant-{customer_id.lower()}',
        overage_status=status,
        checked_at=None if read_ago is None else now - read_ago,
        last_order_at=None if ordered_ago is None else now - ordered_ago,
    )


@pytest.fixture
def seeded(store):
    # Longest unread (and never read) come last: the priorities go before them.
    _customer(store, 'TA-NEVER')
    _customer(store, 'TA-OLDEST', read_ago=30 * DAY)
    _customer(store, 'TA-OLD-ORDER', read_ago=20 * DAY, ordered_ago=(RECENT_ORDER_DAYS + 1) * DAY)
    _customer(store, 'TA-HELD', read_ago=2 * DAY, status='other_partner')
    _customer(store, 'TA-HELD-NEVER', status='other_partner')
    _customer(store, 'TA-ORDER', read_ago=DAY, ordered_ago=DAY)
    _customer(store, 'TA-ORDER-HELD', read_ago=3 * DAY, ordered_ago=2 * DAY, status='other_partner')
    # Read since their priority made them due: they wait for their turn with everyone.
    _customer(store, 'TA-ORDER-READ', read_ago=timedelta(hours=1), ordered_ago=DAY + timedelta(hours=1))
    _customer(store, 'TA-HELD-READ', read_ago=timedelta(hours=2), status='other_partner')
    return store


PRIORITISED = ['TA-ORDER', 'TA-ORDER-HELD', 'TA-HELD-NEVER', 'TA-HELD']
THEN_LONGEST_UNREAD = ['TA-NEVER', 'TA-OLDEST', 'TA-OLD-ORDER', 'TA-HELD-READ', 'TA-ORDER-READ']


def _sync(store, service, clock, *, budget=10_000.0, rate=1e6, batch_size=3):
    return clocked_sync(store, service, clock, budget=budget, rate=rate, batch_size=batch_size,
                        worker_id='w1')


def test_a_round_reads_recent_orders_then_customers_held_by_others_then_the_longest_unread(
        seeded, store_clock):
    service = ReadingService(seeded, store_clock)

    report = _sync(seeded, service, FakeClock()).run()

    assert service.reads == PRIORITISED + THEN_LONGEST_UNREAD
    # One read per customer, each once in the round.
    assert report.refreshed == service.reads
    assert not report.cut_off


def test_a_cut_off_run_resumes_where_it_stopped_and_prioritised_customers_are_not_read_again(
        seeded, store_clock):
    clock = FakeClock()
    first = ReadingService(seeded, store_clock)
    # One read every 10 s and 35 s to run: four reads, then the time is up.
    report = _sync(seeded, first, clock, budget=35.0, rate=0.1).run()
    assert report.cut_off
    assert first.reads == PRIORITISED

    store_clock.advance(3600)  # the next run, an hour later: within PRIORITY_READ_EVERY_HOURS
    second = ReadingService(seeded, store_clock)
    _sync(seeded, second, clock).run()

    # Those the first run left unread come first; the prioritised ones, read an hour ago, are not
    # due again: they come last, as the longest unread after them.
    assert second.reads == THEN_LONGEST_UNREAD + PRIORITISED


def test_prioritised_customers_are_due_again_after_their_interval(seeded, store_clock):
    _sync(seeded, ReadingService(seeded, store_clock), FakeClock()).run()

    store_clock.advance(PRIORITY_READ_EVERY_HOURS * 3600 + 60)
    again = ReadingService(seeded, store_clock)
    _sync(seeded, again, FakeClock()).run()

    # Everyone was read 12 h ago; the prioritised ones come first again (the orders still recent,
    # the latest first; the partner still another, longest unread first), then the rest.
    assert again.reads[:6] == ['TA-ORDER', 'TA-ORDER-READ', 'TA-ORDER-HELD', 'TA-HELD-NEVER',
                               'TA-HELD', 'TA-HELD-READ']
    assert sorted(again.reads) == sorted(PRIORITISED + THEN_LONGEST_UNREAD)


def test_an_order_stops_counting_as_recent_after_its_days(store, store_clock):
    _customer(store, 'TA-A', read_ago=5 * DAY)
    _customer(store, 'TA-B', read_ago=DAY, ordered_ago=timedelta(0))
    store_clock.advance(RECENT_ORDER_DAYS * 86400 + 1)
    service = ReadingService(store, store_clock)

    _sync(store, service, FakeClock()).run()

    assert service.reads == ['TA-A', 'TA-B']
