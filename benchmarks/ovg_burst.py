"""Row 2: Partner Center calls per OVG order, in a burst of 200 requests for 20 customers.

The requests go through the real events application (``handle_purchase_request``, as the
runner delivers them, several at once) against the Connect simulator (conversations, notes) and
the Partner Center simulator. What is counted is what Microsoft sees: the simulator's call log.

Target (issue 8): at most one overage read per customer per minute of burst (counted in any
sliding 60-second window). The baseline is the naive cost: one read per request.

A second line runs the same burst with the change proposed when the target is missed: the
handler's ``service.state`` answered from a per-customer cache for 60 seconds, one read at a
time per customer (the wrapper below stands in for that change, in the benchmark only).
"""
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Dict, List

from benchmarks import MemoryProbe, Options, Row, at_most
from connect_ext.partner_center.budget import scope_of
from sandbox.partner_center import faults
from sandbox.partner_center.testing import running_simulator
from testkit.services import events_application, make_service, shared_budget
from testkit.simulators import partner_center_client, partner_center_settings, running_connect
from testkit.stores import temporary_sqlite_store
from testkit.world import (
    add_ovg_purchase,
    add_ready_customer,
    bulk_insert_customers,
    connect_world,
    customer_row,
    ready_world,
    tenant_id,
)


NAME = 'burst'
CUSTOMERS = 20
REQUESTS = 200
DELIVERY_THREADS = 8
WINDOW_SECONDS = 60.0


def max_in_window(times: List[float], window: float) -> int:
    """The most of ``times`` that fall in any ``window``-second interval."""
    ordered, best, start = sorted(times), 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _burst(options: Options) -> Dict[str, float]:
    """Deliver the burst once; what Partner Center and Connect saw."""
    numbers = list(range(1, CUSTOMERS + 1))
    world = connect_world(numbers)
    requests = [add_ovg_purchase(world, numbers[i % CUSTOMERS], i // CUSTOMERS)
                for i in range(REQUESTS)]
    with running_simulator(ready_world(CUSTOMERS)) as sim, temporary_sqlite_store() as store, \
            running_connect(world) as connect_client:
        pc_settings = partner_center_settings(sim, read_timeout=10.0)
        client = partner_center_client(pc_settings)
        service = make_service(client, store, pc_settings)
        app = events_application(connect_client, store, service, pc_settings)
        add_ready_customer(sim.world, CUSTOMERS + 1)
        client.get_overage(tenant_id(CUSTOMERS + 1))  # the token, on a tenant outside the burst
        sim.calls.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=DELIVERY_THREADS) as runner:
            outcomes = list(runner.map(app.handle_purchase_request, requests))
        seconds = time.perf_counter() - started
        calls = [call for call in sim.calls.all() if call.path.startswith('/v1/')]
        overage_reads: Dict[str, List[float]] = defaultdict(list)
        for call in calls:
            if call.method == 'GET' and call.path.endswith('/subscriptions/overage'):
                overage_reads[call.path.split('/')[3]].append(call.at)
        notes = sum(len(world.notes_of(request['id'])) for request in requests)
    return {
        'seconds': seconds,
        'calls': len(calls),
        'reads': sum(len(times) for times in overage_reads.values()),
        'worst_window': max((max_in_window(t, WINDOW_SECONDS) for t in overage_reads.values()),
                            default=0),
        'done': sum(1 for outcome in outcomes if str(outcome.status) == 'success'),
        'notes': notes,
    }


def _row(key: str, title: str, measured: Dict[str, float], probe, seconds: float) -> Row:
    per_request = measured['calls'] / REQUESTS
    return Row(
        key, title,
        f"{measured['reads']} overage reads, worst {measured['worst_window']} per customer in "
        f"60 s; {measured['calls']} Partner Center calls = {per_request:.1f} per request; "
        f"burst {measured['seconds']:.1f} s, {measured['notes']} notes",
        f'{REQUESTS} reads (one per request, {REQUESTS // CUSTOMERS} per customer)',
        '<= 1 overage read per customer per minute',
        at_most(measured['worst_window'], 1, ' reads'),
        seconds, probe.peak_rss_mb, probe.heap_peak_mb,
    )


def run(options: Options) -> List[Row]:
    rows = []
    for key, title in (
        ('2', f'{REQUESTS} OVG requests, {CUSTOMERS} customers, events handling'),
    ):
        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            measured = _burst(options)
        row = _row(key, title, measured, probe, time.perf_counter() - started)
        if measured['notes'] != REQUESTS or measured['done'] != REQUESTS:
            row.notes.append(f"{measured['done']} of {REQUESTS} events done, "
                             f"{measured['notes']} notes written")
        rows.append(row)
    return rows + run_with_sync(options)


# ------------------------------------------------------------------------------------ row 2s


SYNC_SCALE = 4.0  # the budget's and the simulator's minute last 15 real seconds
SYNC_CUSTOMERS = 3_000
BURST_CUSTOMERS = 60
ORDERS_PER_CUSTOMER = 3
BURST_FIRST = 200_001  # the burst's customers, apart from the sync's


def _burst_with_sync(options: Options, budgeted: bool) -> Dict[str, float]:
    """An order burst delivered while the sync runs: the rate-limited calls of both, by sliding
    (scaled) minute. ``budgeted``: within the shared budget; else as before it (the sync's own
    token bucket, the events unpaced)."""
    from benchmarks.sync_rate import LIMIT, ScaledTime, busiest_minute, sync_world
    from benchmarks.sync_rate import _policy as sync_policy
    from benchmarks.sync_rate import _replica as sync_replica

    numbers = list(range(BURST_FIRST, BURST_FIRST + BURST_CUSTOMERS))
    world = sync_world(SYNC_CUSTOMERS)
    for number in numbers:
        add_ready_customer(world, number)
    connect = connect_world(numbers)
    orders = [add_ovg_purchase(connect, number, index)
              for index in range(ORDERS_PER_CUSTOMER) for number in numbers]
    policy = sync_policy('')
    with running_simulator(world) as sim, temporary_sqlite_store() as store, \
            running_connect(connect) as connect_client:
        sim.calls.limit = 200_000
        pc_settings = partner_center_settings(sim, read_timeout=10.0)
        now = datetime.now(UTC)
        bulk_insert_customers(store, [customer_row(n, now=now) for n in range(1, SYNC_CUSTOMERS + 1)])
        scaled = ScaledTime(SYNC_SCALE)
        sync, _budget = sync_replica(store, pc_settings, '', scaled, 12.0 if options.quick else 25.0,
                                     'burst-sync', policy, legacy=not budgeted)
        budget = shared_budget(store, pc_settings, clock=scaled.clock, sleep=scaled.sleep,
                               policy=policy) if budgeted else None
        client = partner_center_client(pc_settings, budget=budget)
        app = events_application(connect_client, store, make_service(client, store, pc_settings),
                                 pc_settings)
        client.get_overage(tenant_id(numbers[0]))  # the token
        sim.faults.set_rate_limit(faults.RateLimit(LIMIT, time_scale=SYNC_SCALE))
        since = time.time()
        syncing = threading.Thread(target=sync.run, name='burst-sync')
        syncing.start()
        time.sleep(1.0)  # the sync is under way
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=DELIVERY_THREADS) as runner:
            outcomes = list(runner.map(app.handle_purchase_request, orders))
        burst_seconds = time.perf_counter() - started
        syncing.join()
        sim.faults.set_rate_limit(None)
        calls = [call for call in sim.calls.all()
                 if call.at >= since and scope_of(call.method, call.path).limited]
        notes = sum(len(connect.notes_of(order['id'])) for order in orders)
    return {
        'busiest': busiest_minute(calls, 60.0 / SYNC_SCALE),
        'calls': len(calls),
        'throttled': sum(1 for call in calls if call.status == 429),
        'burst_seconds': burst_seconds * SYNC_SCALE,  # in the budget's (scaled) seconds
        'done': sum(1 for outcome in outcomes if str(outcome.status) == 'success'),
        'notes': notes,
        'orders': len(orders),
        'people': policy.kept_for_people_per_minute,
        'limit': LIMIT,
    }


def run_with_sync(options: Options) -> List[Row]:
    rows = []
    with MemoryProbe(options.heap) as probe:
        started = time.perf_counter()
        measured = _burst_with_sync(options, budgeted=True)
        baseline = _burst_with_sync(options, budgeted=False)
        seconds = time.perf_counter() - started
    left = measured['limit'] - measured['people']

    def said(figures):
        return (f"busiest minute {figures['busiest']} rate-limited calls (of {figures['limit']}), "
                f"{figures['throttled']} of {figures['calls']} answered 429; burst of "
                f"{figures['orders']} orders {figures['burst_seconds']:.0f} scaled s, "
                f"{figures['done']} done, {figures['notes']} notes")

    row = Row('2s', f'{measured["orders"]} OVG orders for {BURST_CUSTOMERS} customers while the sync '
                    f'of {SYNC_CUSTOMERS:,} runs, one shared budget',
              said(measured), f'before the budget (sync token bucket, events unpaced): {said(baseline)}',
              f'<= {left:.0f}/min (the limit less the {measured["people"]:.0f} kept for people)',
              at_most(measured['busiest'], left, ' calls'), seconds, probe.peak_rss_mb,
              probe.heap_peak_mb)
    row.notes.append(f'500 req/min enforced at {SYNC_SCALE:.0f}x time; the people made no call, so '
                     'what the busiest minute leaves below the limit is what people could still take')
    for figures, what in ((measured, 'budgeted'), (baseline, 'baseline')):
        if figures['done'] != figures['orders']:
            row.notes.append(f"{what}: {figures['done']} of {figures['orders']} events done")
    rows.append(row)
    return rows
