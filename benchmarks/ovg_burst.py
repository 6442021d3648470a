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
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

from benchmarks import MemoryProbe, Options, Row, at_most
from sandbox.partner_center.testing import running_simulator
from testkit.services import events_application, make_service
from testkit.simulators import partner_center_client, partner_center_settings, running_connect
from testkit.stores import temporary_sqlite_store
from testkit.world import add_ovg_purchase, add_ready_customer, connect_world, ready_world, tenant_id


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
    return rows
