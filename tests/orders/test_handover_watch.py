"""The handover watch: the sync reads the customers with a handover right after the awaited changes
and before the rest; a release is enabled exactly once however many passes run at once; each path
(waiting, moved holder, notify only, stopped, expired, cancelled) ends as it should."""
import threading
from datetime import timedelta

import pytest

from connect_ext.orders.handover_watch import HandoverWatch
from connect_ext.orders.pacing import TokenBucket
from connect_ext.orders.sync import OverageSync
from connect_ext.partner_center import budget
from connect_ext.service.handover import HandoverService
from sandbox.partner_center import demo, faults, holders
from testkit.callers import OWNER_CALLER as OWNER
from testkit.clock import FakeClock
from testkit.customers import customer_ref


HELD = 'TA-3100-0000-0003'
READY = 'TA-3100-0000-0001'
SLOW_SHARE = 0.012  # one Partner Center call every 10 s (of the pass's clock)


@pytest.fixture
def service(make_service, notifications):
    return make_service(notify=notifications.append)


@pytest.fixture
def asked(store, service, notifications):
    """HELD (held by the rival partner) has a request to enable to our Azure subscription; READY
    is only recorded."""
    def ask(**options):
        options.setdefault('azure_subscription_id', demo.HELD_ENTITLEMENT_ID)
        options.setdefault('enable_when_released', True)
        record = HandoverService(service).ask(customer_ref(demo.HELD_CUSTOMER_ID, HELD), OWNER, **options)
        store.upsert_customer(READY, tenant_id=demo.READY_CUSTOMER_ID, name='Ready')
        notifications.clear()
        return record
    return ask


def _watch(store, service, clock=None, *, worker='w1', budget_seconds=10_000.0, **options):
    clock = clock or FakeClock()
    pacer = TokenBucket.for_partner_center(SLOW_SHARE, clock=clock, sleep=clock.sleep)
    return HandoverWatch(store, HandoverService(service, **options), pacer=pacer,
                         deadline=clock() + budget_seconds, worker_id=worker, clock=clock, sleep=clock.sleep)


def _types(notifications):
    from connect_ext.notifications.events import change_event

    return [change_event(item)['type'] for item in notifications]


def _puts(sim):
    return [call for call in sim.calls.all() if call.method == 'PUT']


def test_the_sync_reads_handovers_right_after_the_awaited_changes(asked, store, service, sim, clock,
                                                                  notifications):
    asked()
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)
    sim.calls.clear()
    pacer = TokenBucket.for_partner_center(SLOW_SHARE, clock=clock, sleep=clock.sleep)

    report = OverageSync(store, service, pacer=pacer, time_budget_seconds=10_000, clock=clock,
                         sleep=clock.sleep).run()

    assert report.handovers.enabled == [HELD]
    first_read = sim.calls.matching('GET', r'/overage$')[0]
    assert demo.HELD_CUSTOMER_ID in first_read.path  # before the round reads anyone else
    assert len(_puts(sim)) == 1
    assert _types(notifications) == ['overage.handover.released', 'overage.enable.succeeded']
    assert 'handovers: 1 enabled' in report.summary()


def test_its_calls_take_from_the_budget_as_handovers(asked, store, service, sim, monkeypatch):
    asked()
    seen = []
    original = HandoverService.watch

    def spying(self, record):
        seen.append(budget.current_priority())
        return original(self, record)

    monkeypatch.setattr(HandoverService, 'watch', spying)

    assert _watch(store, service).run().waiting == [HELD]
    assert seen == [budget.HANDOVERS]


def test_a_release_is_enabled_exactly_once_across_two_passes_at_once(asked, store, service, sim,
                                                                     notifications):
    asked()
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)
    reports, barrier = [], threading.Barrier(2)

    def run(worker):
        clock = FakeClock()
        pacer = TokenBucket(1000.0, capacity=1000.0, clock=clock, sleep=clock.sleep)
        watch = HandoverWatch(store, HandoverService(service), pacer=pacer, deadline=clock() + 60,
                              worker_id=worker, clock=clock, sleep=clock.sleep)
        barrier.wait()
        reports.append(watch.run())

    threads = [threading.Thread(target=run, args=(f'w{n}',)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(c for report in reports for c in report.enabled) == [HELD]
    assert len(_puts(sim)) == 1
    assert _types(notifications) == ['overage.handover.released', 'overage.enable.succeeded']
    outcomes = [entry.outcome for entry in store.list_audit(customer_id=HELD).items]
    assert (outcomes.count('released'), outcomes.count('succeeded')) == (1, 1)


def test_two_watches_of_one_request_at_once_enable_once(asked, store, service, sim, notifications):
    """Even past the claims (a lapsed lease): the step from waiting is taken once."""
    record = asked()
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)
    found, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        found.append(HandoverService(service).watch(record))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(found) == ['enabled', 'taken']
    assert len(_puts(sim)) == 1
    assert _types(notifications) == ['overage.handover.released', 'overage.enable.succeeded']


def test_a_waiting_request_is_read_once_per_pass_and_keeps_waiting(asked, store, service, sim):
    asked()
    sim.calls.clear()

    report = _watch(store, service).run()

    assert report.waiting == [HELD]
    assert len(sim.calls.matching('GET', r'/overage$')) == 1
    record = store.handovers.get(HELD)
    assert (record.state, record.claimed_by) == ('waiting', None)
    assert record.checked_at is not None


def test_a_moved_holder_is_reported_and_the_request_waits(asked, store, service, sim):
    asked()
    holders.move(sim.world, demo.HELD_CUSTOMER_ID, '5350999', 'e0710000-0000-4000-8000-000000000999')

    report = _watch(store, service).run()

    assert report.holder_changed == [HELD]
    assert store.handovers.get(HELD).state == 'waiting'
    assert _puts(sim) == []


def test_notify_only_ends_released(asked, store, service, sim):
    asked(enable_when_released=False)
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert _watch(store, service).run().released == [HELD]
    assert (store.handovers.get(HELD).state, _puts(sim)) == ('released', [])


def test_a_rule_that_blocks_at_the_release_stops_it(asked, store, service, sim):
    asked()
    sim.world.set_status(sim.world.entitlements[demo.HELD_ENTITLEMENT_ID], 'disabled')
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert _watch(store, service).run().stopped == [HELD]
    assert _puts(sim) == []


def test_a_request_past_its_time_expires(asked, store, service, sim):
    late = asked()

    report = _watch(store, service, now=lambda: late.expires_at + timedelta(minutes=1)).run()

    assert report.expired == [HELD]
    assert store.handovers.get(HELD).state == 'expired'


def test_a_throttled_read_pauses_and_is_tried_again(asked, store, service, sim, clock):
    asked()
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)
    sim.faults.add(faults.throttle(retry_after=37, times=1, method='GET', path=r'/overage$'))

    report = _watch(store, service, clock).run()

    assert report.enabled == [HELD]
    assert report.throttled == 1
    assert any(round(wait) >= 37 for wait in clock.slept)


def test_microsoft_failing_leaves_the_request_for_the_next_pass(asked, store, service, sim):
    asked()
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)
    sim.faults.add(faults.server_error(500, method='GET', path=r'/overage$'))

    report = _watch(store, service).run()

    assert set(report.failed) == {HELD}
    assert store.handovers.get(HELD).state == 'waiting'
    sim.faults.clear()
    assert _watch(store, service).run().enabled == [HELD]


def test_out_of_time_hands_back_what_it_did_not_read(asked, store, service, sim):
    asked()

    report = _watch(store, service, budget_seconds=0.0).run()

    assert report.cut_off
    record = store.handovers.get(HELD)
    assert (record.claimed_by, record.checked_at, record.state) == (None, None, 'waiting')
