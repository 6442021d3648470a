"""The background confirmation pass: the sync reads awaited changes first, within its pacing; a
pass reads each once, survives throttling, stops on time, and several at once end each change once."""
import threading
from dataclasses import replace

import pytest

from connect_ext.orders.confirming import ConfirmationPass
from connect_ext.orders.pacing import TokenBucket
from connect_ext.orders.sync import OverageSync
from sandbox.partner_center import demo, faults
from testkit import simulators
from testkit.callers import OWNER_CALLER as OWNER
from testkit.clock import FakeClock
from testkit.customers import customer_ref


READY = 'TA-3000-0000-0001'
ENABLED = 'TA-3000-0000-0002'
HELD = 'TA-3000-0000-0003'
LAG = 300.0
SLOW_SHARE = 0.012  # one Partner Center call every 10 s (of the sync's clock)


@pytest.fixture
def world_clock(sim, monkeypatch):
    return simulators.lagging_microsoft(sim, monkeypatch, LAG)


@pytest.fixture
def awaited(store, service, world_clock, notifications):
    """READY enabled and ENABLED disabled: both accepted, neither shown yet; HELD only recorded."""
    ready = customer_ref(demo.READY_CUSTOMER_ID, READY)
    enabled = customer_ref(demo.ENABLED_CUSTOMER_ID, ENABLED)
    assert service.enable(ready, OWNER, demo.READY_ENTITLEMENT_ID).outcome == 'unconfirmed'
    assert service.disable(enabled, OWNER).outcome == 'unconfirmed'
    store.upsert_customer(HELD, tenant_id=demo.HELD_CUSTOMER_ID, name='Held')
    notifications.clear()
    return store


@pytest.fixture
def notifying_service(make_service, notifications):
    return make_service(notify=notifications.append)


@pytest.fixture
def service(notifying_service):
    return notifying_service


def _pass(store, service, clock, *, budget=10_000.0, worker='w1'):
    pacer = TokenBucket.for_partner_center(SLOW_SHARE, clock=clock, sleep=clock.sleep)
    return ConfirmationPass(store, service, pacer=pacer, deadline=clock() + budget, worker_id=worker,
                            clock=clock, sleep=clock.sleep)


def _overage_reads(sim):
    return [call.path.split('/')[3] for call in sim.calls.matching('GET', r'/overage$')]


def _types(notifications):
    return [f'{change.action}.{change.outcome}' for change in notifications]


def test_the_sync_reads_the_awaited_changes_first_then_the_round(
        awaited, service, sim, clock, world_clock, notifications):
    world_clock.advance(LAG)
    sim.calls.clear()
    pacer = TokenBucket.for_partner_center(SLOW_SHARE, clock=clock, sleep=clock.sleep)
    sync = OverageSync(awaited, service, pacer=pacer, time_budget_seconds=10_000, clock=clock,
                       sleep=clock.sleep)

    report = sync.run()

    assert sorted(report.confirmations.confirmed) == [READY, ENABLED]
    reads = _overage_reads(sim)
    assert set(reads[:2]) == {demo.READY_CUSTOMER_ID, demo.ENABLED_CUSTOMER_ID}
    assert reads[2] == demo.HELD_CUSTOMER_ID  # then the round, oldest first
    assert report.refreshed[0] == HELD
    # One pacing for both: each call took its own token, 10 s apart.
    assert clock.slept
    assert all(round(wait, 6) == 10.0 for wait in clock.slept)
    assert sorted(_types(notifications)) == ['disable.confirmed', 'enable.confirmed']
    assert 'awaited changes: 2 confirmed' in report.summary()
    assert [awaited.confirmations.get(one) for one in (READY, ENABLED)] == [None, None]


def test_a_change_still_not_shown_is_read_once_per_pass_and_stays_awaited(awaited, service, sim, clock):
    sim.calls.clear()

    report = _pass(awaited, service, clock).run()

    assert sorted(report.waiting) == [READY, ENABLED]
    assert sorted(_overage_reads(sim)) == sorted([demo.READY_CUSTOMER_ID, demo.ENABLED_CUSTOMER_ID])
    pending = awaited.confirmations.get(READY)
    assert pending.checked_at is not None
    assert pending.claimed_by is None
    assert (report.confirmed, report.not_confirmed, report.cut_off) == ([], [], False)


def test_a_throttled_read_pauses_the_bucket_and_is_tried_again(awaited, service, sim, clock, world_clock):
    world_clock.advance(LAG)
    sim.faults.add(faults.throttle(retry_after=37, times=1, method='GET', path=r'/overage$'))

    report = _pass(awaited, service, clock).run()

    assert sorted(report.confirmed) == [READY, ENABLED]
    assert report.throttled == 1
    assert report.failed == {}
    assert any(round(wait) >= 37 for wait in clock.slept)


def test_microsoft_failing_leaves_the_change_awaited_for_the_next_pass(awaited, service, sim, clock,
                                                                       world_clock):
    world_clock.advance(LAG)
    sim.faults.add(faults.server_error(
        500, method='GET', path=rf'{demo.READY_CUSTOMER_ID}/subscriptions/overage$'))

    report = _pass(awaited, service, clock).run()

    assert report.confirmed == [ENABLED]
    assert set(report.failed) == {READY}
    assert awaited.confirmations.get(READY) is not None
    sim.faults.clear()
    assert _pass(awaited, service, clock).run().confirmed == [READY]


def test_out_of_time_hands_back_what_it_did_not_read(awaited, service, sim, clock):
    sim.calls.clear()

    report = _pass(awaited, service, clock, budget=5.0).run()  # one token, then the next is 10 s off

    assert report.cut_off
    assert len(report.waiting) == 1
    untried = ({READY, ENABLED} - set(report.waiting)).pop()
    pending = awaited.confirmations.get(untried)
    assert (pending.claimed_by, pending.checked_at) == (None, None)


def test_passes_running_at_once_end_each_change_once(awaited, service, world_clock, notifications):
    world_clock.advance(LAG)
    reports, barrier = [], threading.Barrier(3)

    def run(worker):
        clock = FakeClock()
        pacer = TokenBucket(1000.0, capacity=1000.0, clock=clock, sleep=clock.sleep)
        barrier.wait()
        reports.append(ConfirmationPass(awaited, service, pacer=pacer, deadline=clock() + 60,
                                        worker_id=worker, clock=clock, sleep=clock.sleep).run())

    threads = [threading.Thread(target=run, args=(f'w{n}',)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(_types(notifications)) == ['disable.confirmed', 'enable.confirmed']
    assert sorted(c for report in reports for c in report.confirmed) == [READY, ENABLED]
    outcomes = [entry.outcome for entry in awaited.list_audit(customer_id=READY).items]
    assert outcomes.count('confirmed') == 1


def test_the_scheduled_handler_confirms_from_the_config(app, awaited, world_clock, notifications):
    world_clock.advance(LAG)
    app.dependencies.settings = replace(app.dependencies.settings, sync_rate_share=1.0)

    result = app.sync_overage({'id': 'EFS-000', 'method': 'sync_overage', 'parameter': {}})

    assert result.status == 'success'
    assert [awaited.confirmations.get(one) for one in (READY, ENABLED)] == [None, None]
