"""The scheduled sync on the Partner Center simulator: oldest first, paced, surviving 429 and 5xx,
one reader per customer even with two workers at once, and resumable after a cut-off."""
import itertools
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from connect.eaas.core.enums import ResultType
from sqlalchemy.exc import OperationalError

from connect_ext.orders.pacing import TokenBucket
from connect_ext.orders.sync import OverageSync
from connect_ext.wiring import EventsDependencies, overage_sync
from sandbox.partner_center import demo, faults
from testkit.clock import FakeClock
from testkit.syncs import clocked_sync


# Connect customer -> Microsoft tenant, in the order of their last read (oldest first).
NEVER_READ = {
    'TA-2000-0000-0001': demo.READY_CUSTOMER_ID,
    'TA-2000-0000-0002': demo.ENABLED_CUSTOMER_ID,
}
READ_BEFORE = {
    'TA-2000-0000-0003': demo.HELD_CUSTOMER_ID,
    'TA-2000-0000-0004': demo.NO_AZURE_PLAN_CUSTOMER_ID,
    'TA-2000-0000-0005': demo.NO_AZURE_SUBSCRIPTION_CUSTOMER_ID,
    'TA-2000-0000-0006': demo.LEGACY_AZURE_CUSTOMER_ID,
    'TA-2000-0000-0007': demo.BLOCKED_COUNTRY_CUSTOMER_ID,
    'TA-2000-0000-0008': demo.CHINA_CUSTOMER_ID,
    'TA-2000-0000-0009': demo.NO_OVG_CUSTOMER_ID,
    'TA-2000-0000-0010': demo.RESELLER_CUSTOMER_ID,
}
WITHOUT_TENANT = 'TA-2000-0000-0099'
OLDEST_FIRST = [*NEVER_READ, *READ_BEFORE]
TENANTS = {**NEVER_READ, **READ_BEFORE}
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
# 500 requests/min * 0.012 = 6 a minute: one token every 10 s, bursts of one.
SLOW_SHARE = '0.012'


@pytest.fixture
def seeded(store):
    for customer_id, tenant_id in TENANTS.items():
        store.upsert_customer(customer_id, tenant_id=tenant_id, name=customer_id)
    for days, customer_id in enumerate(READ_BEFORE):
        store.record_overage_state(customer_id, status='unknown', azure_entitlement_id=None,
                                   partner_id=None, checked_at=LONG_AGO + timedelta(days=days))
    store.upsert_customer(WITHOUT_TENANT, name='No tenant yet')
    return store


class Recorder:
    """The service, noting which worker read which customer when (by the sync's clock)."""

    def __init__(self, service, clock=time.monotonic, pause=0.0):
        self.service, self.clock, self.pause = service, clock, pause
        self.reads = []
        self._lock = threading.Lock()

    def refresh(self, customer, **options):
        with self._lock:
            self.reads.append((threading.current_thread().name, customer.customer_id,
                               self.clock()))
        if self.pause:
            time.sleep(self.pause)
        return self.service.refresh(customer, **options)

    def customers(self):
        return [customer_id for _, customer_id, _ in self.reads]


def slow_sync(store, service, clock, *, budget=10_000.0, share=SLOW_SHARE, **options):
    pacer = TokenBucket.for_partner_center(float(share), clock=clock, sleep=clock.sleep)
    return clocked_sync(store, service, clock, pacer=pacer, budget=budget, **options)


def overage_reads(sim):
    return [call.path.split('/')[3] for call in sim.calls.matching('GET', r'/overage$')]


def test_every_customer_is_read_once_oldest_first(seeded, service, sim, clock):
    recorder = Recorder(service, clock)

    report = slow_sync(seeded, recorder, clock, batch_size=3).run()

    assert recorder.customers() == OLDEST_FIRST
    # A customer whose overage goes somewhere the store has not seen is read in full (its
    # overage a second time) to learn whose Azure subscription it is.
    assert list(dict.fromkeys(overage_reads(sim))) == [TENANTS[c] for c in OLDEST_FIRST]
    assert report.refreshed == OLDEST_FIRST
    assert report.skipped == [WITHOUT_TENANT]
    assert report.failed == {}
    assert not report.cut_off
    for customer_id in OLDEST_FIRST:
        record = seeded.get_customer(customer_id)
        assert record.checked_at > LONG_AGO + timedelta(days=30)
        assert record.sync_claimed_by is None
    enabled = seeded.get_customer(demo_customer('ENABLED'))
    assert enabled.azure_entitlement_id == demo.ENABLED_ENTITLEMENT_ID
    assert enabled.overage_status == 'enabled'
    assert seeded.get_customer(demo_customer('HELD')).overage_status == 'other_partner'
    assert seeded.get_customer(demo_customer('READY')).overage_status == 'disabled'


def demo_customer(name):
    tenant = getattr(demo, f'{name}_CUSTOMER_ID')
    return next(customer for customer, found in TENANTS.items() if found == tenant)


def test_reads_are_paced_at_the_configured_share_of_the_rate_limit(seeded, service, clock):
    recorder = Recorder(service, clock)

    slow_sync(seeded, recorder, clock).run()

    times = [at for _, _, at in recorder.reads]
    gaps = [round(later - earlier, 6) for earlier, later in itertools.pairwise(times)]
    assert gaps == [10.0] * (len(OLDEST_FIRST) - 1)


def test_the_default_share_stays_under_475_calls_in_any_minute():
    clock = FakeClock()
    bucket = TokenBucket.for_partner_center(clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(1200):
        assert bucket.acquire()
        times.append(clock())

    window = [t for t in times if times[0] <= t < times[0] + 60]
    assert len(window) <= 475 + bucket.capacity  # 95% of Partner Center's 500 a minute
    assert times[-1] - times[0] >= (1200 - bucket.capacity) / bucket.rate - 1e-6


def test_a_throttled_read_pauses_for_retry_after_and_is_tried_again(seeded, service, sim, clock):
    throttled = demo_customer('HELD')
    sim.faults.add(faults.throttle(retry_after=37, times=1,
                                   path=rf'{demo.HELD_CUSTOMER_ID}/subscriptions/overage$'))
    recorder = Recorder(service, clock)

    report = slow_sync(seeded, recorder, clock, share='1').run()

    assert report.throttled == 1
    assert report.failed == {}
    assert sorted(report.refreshed) == sorted(OLDEST_FIRST)
    attempts = [at for _, customer, at in recorder.reads if customer == throttled]
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 37


def test_server_errors_back_off_and_the_round_goes_on(seeded, service, sim, clock):
    failing = demo_customer('ENABLED')
    sim.faults.add(faults.server_error(503, path=rf'{demo.ENABLED_CUSTOMER_ID}/'))
    recorder = Recorder(service, clock)

    report = slow_sync(seeded, recorder, clock, share='1').run()

    assert report.failed == {failing: 'MICROSOFT_UNAVAILABLE'}
    assert sorted(report.refreshed) == sorted(c for c in OLDEST_FIRST if c != failing)
    assert 2.0 in clock.slept
    assert recorder.customers().count(failing) == 1
    record = seeded.get_customer(failing)
    assert record.checked_at is None
    assert record.sync_claimed_by == report.worker_id  # kept until the lease lapses


def test_repeated_server_errors_back_off_longer_each_time(seeded, service, sim, clock):
    sim.faults.add(faults.server_error(502))

    report = slow_sync(seeded, service, clock, share='1').run()

    assert len(report.failed) == len(OLDEST_FIRST)
    backoffs = [delay for delay in clock.slept if delay >= 2.0]
    assert backoffs[:6] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0]


def test_an_unexpected_failure_of_one_customer_does_not_end_the_round(seeded, service, clock):
    class Flaky(Recorder):
        def refresh(self, customer, **options):
            if customer.customer_id == OLDEST_FIRST[0]:
                raise RuntimeError('boom')
            return super().refresh(customer, **options)

    report = slow_sync(seeded, Flaky(service, clock), clock, share='1').run()

    assert report.failed == {OLDEST_FIRST[0]: 'RuntimeError'}
    assert sorted(report.refreshed) == sorted(OLDEST_FIRST[1:])


def test_two_workers_at_once_never_read_the_same_customer(seeded, service):
    recorder = Recorder(service, pause=0.01)
    start = threading.Barrier(2)
    reports = {}

    def work(name):
        start.wait()
        sync = OverageSync(seeded, recorder, pacer=TokenBucket(1000.0, 1000.0),
                           time_budget_seconds=60.0, worker_id=name, batch_size=2)
        reports[name] = sync.run()

    threads = [threading.Thread(target=work, args=(name,), name=name) for name in ('A', 'B')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    read = recorder.customers()
    assert sorted(read) == sorted(OLDEST_FIRST)
    by_worker = {name: {c for w, c, _ in recorder.reads if w == name} for name in ('A', 'B')}
    assert by_worker['A']
    assert by_worker['B']
    assert not by_worker['A'] & by_worker['B']
    assert sorted(reports['A'].refreshed + reports['B'].refreshed) == sorted(OLDEST_FIRST)


def test_a_run_cut_off_by_time_is_continued_where_it_stopped(seeded, service, clock):
    first = Recorder(service, clock)

    report = slow_sync(seeded, first, clock, budget=25.0).run()

    assert report.cut_off
    assert first.customers() == OLDEST_FIRST[:3]  # at 0, 10 and 20 s; the next would be at 30
    unread = OLDEST_FIRST[3:]
    assert all(seeded.get_customer(c).sync_claimed_by is None for c in unread)

    second = Recorder(service, clock)
    report = slow_sync(seeded, second, clock).run()

    assert second.customers() == unread
    assert not report.cut_off


def test_the_time_budget_is_never_overrun_by_a_wait(seeded, service, clock):
    start = clock()

    slow_sync(seeded, service, clock, budget=15.0).run()

    assert clock() - start <= 15.0


def test_the_scheduled_handler_runs_the_sync_from_the_config(app, seeded, sim, monkeypatch):
    app.config = {'SYNC_RATE_SHARE': '1'}

    result = app.sync_overage({'id': 'EFS-000', 'method': 'sync_overage', 'parameter': {}})

    assert result.status == ResultType.SUCCESS
    assert sorted(set(overage_reads(sim))) == sorted(TENANTS.values())


def test_the_wiring_paces_at_the_configured_share(dependencies, clock):
    halved = EventsDependencies(replace(dependencies.settings, sync_rate_share=0.5),
                                store=dependencies.store, service=dependencies.service)
    sync = overage_sync(halved, clock=clock, sleep=clock.sleep, time_budget_seconds=100.0, worker_id='w')

    # A client given without a shared budget: a local bucket at the sync's share of what the
    # people's share (PEOPLE_RATE_SHARE, 0.2) leaves.
    assert sync.pacer.rate == pytest.approx(500 * 0.5 * (1 - 0.2) / 60)
    assert sync.deadline == clock() + 100.0
    assert sync.worker_id == 'w'


def test_a_sync_that_cannot_run_fails_the_scheduled_task_with_the_reason(app, caplog):
    class BrokenStore:
        def now(self):
            return datetime.now(UTC)

        def claim_customers_for_sync(self, **claim):
            raise RuntimeError('the database is unreachable')

        @property
        def housekeeping(self):  # purged first: a failure of it is logged and the reads go on
            raise OperationalError('DELETE FROM processed_events', {}, OSError('unreachable'))

        @property
        def confirmations(self):  # the awaited changes, read first
            raise RuntimeError('the database is unreachable')

    app.dependencies._store = BrokenStore()

    result = app.sync_overage({'id': 'EFS-000', 'method': 'sync_overage'})

    assert result.status == ResultType.FAIL
    assert result.output == 'overage sync failed: the database is unreachable'
    assert 'The overage sync could not run' in caplog.messages


class Judging(Recorder):
    """Asks for a full read of every customer, as if none had ever been judged: notes the answers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = []

    def refresh(self, customer, **options):
        self.allowed.append(options['may_judge']())
        return super().refresh(customer, may_judge=lambda: False)


def test_a_run_reads_at_most_one_in_judge_every_never_judged_customers_in_full(store, service, clock):
    for number in range(45):
        store.upsert_customer(f'TA-3000-0000-{number:04d}', tenant_id=demo.READY_CUSTOMER_ID,
                              name=f'Customer {number}')
    judging = Judging(service, clock)

    report = slow_sync(store, judging, clock, share='1').run()

    assert len(report.refreshed) == 45
    # The 1st, the 21st and the 41st read may be full; every other one is the overage read alone.
    assert [index for index, allowed in enumerate(judging.allowed) if allowed] == [0, 20, 40]
    assert report.judged == 3
    assert '45 refreshed (3 judged in full)' in report.summary()
