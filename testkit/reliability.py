"""The reliability runs the benchmark (row 5, large sizes) and ``tests/e2e/reliability`` (small
sizes, assertions) share: plain functions that return what they observed.

- :func:`run_operations` (a): enable / move / disable operations while the simulator answers 20%
  of the calls on customers with a 429, a 5xx, a time-out or "applied, but the answer was lost".
  Each operation is judged against the simulator's true state (not its answer): a success must
  show in Microsoft's world, a definite failure must have changed nothing, an "unknown outcome"
  error (time-out, unavailable: "reload before retrying") may go either way and is counted.
  The audit trail must hold exactly one entry per operation, and the signed webhook (the real
  notifier, to a local receiver) exactly one delivery per audit entry.
- :func:`run_redeliveries` (b): every OVG request event delivered three times at once, with
  Partner Center faults and failing note posts; Connect redelivers what is rescheduled; between
  pending and approved, overage is switched on for some customers. Exactly one note per request
  and situation: one for a request whose situation stayed, a second when it changed — none
  lost, none duplicated.

(c), the fuzzed event payloads, is :mod:`testkit.event_fuzz`. Each report holds the texts a
secret could leak into and the secrets to look for (:mod:`testkit.security`).
"""
import json
import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from connect_ext.errors.error import OverageError
from connect_ext.notifications.webhooks import WebhookNotifier, verify_signature
from sandbox.partner_center import faults
from sandbox.partner_center.testing import running_simulator
from testkit.security import connect_secrets, new_secret, world_secrets
from testkit.servers import WebhookReceiver
from testkit.services import events_application, make_service
from testkit.simulators import partner_center_client, partner_center_settings, running_connect
from testkit.stores import temporary_sqlite_store
from testkit.world import (
    OWNER_CALLER,
    add_ovg_purchase,
    connect_world,
    customer_ref,
    entitlement_id,
    ready_world,
    tenant_id,
)


FAULT_SHARE = 0.20
CUSTOMER_CALLS = r'^/v1/customers/'
# Errors whose message says the change may or may not have been applied ("reload first").
UNKNOWN_OUTCOME_CODES = frozenset({'MICROSOFT_TIMEOUT', 'MICROSOFT_UNAVAILABLE', 'MICROSOFT_ERROR'})
RESULT_OUTCOMES = frozenset({'succeeded', 'no_change', 'unconfirmed'})
CHANGE_ACTIONS = frozenset({'enable', 'move', 'disable'})


def fault_rules(share: float = FAULT_SHARE, *, hold_seconds: float,
                retry_after: float = 0.05) -> List[faults.FaultRule]:
    """429, 5xx (JSON 500 and an HTML 502), time-out and lost answer on the calls about
    customers, ``share`` of them in all, in equal parts.

    Rules are tried in order and the first that fires decides, so each probability is taken
    over what the earlier rules left: every kind then gets exactly its part of the calls.
    """
    makers = (
        (1.0, lambda p: faults.throttle(retry_after, path=CUSTOMER_CALLS, probability=p)),
        (0.5, lambda p: faults.server_error(500, path=CUSTOMER_CALLS, probability=p)),
        (0.5, lambda p: faults.server_error(502, html=True, path=CUSTOMER_CALLS, probability=p)),
        (1.0, lambda p: faults.timeout(hold_seconds, path=CUSTOMER_CALLS, probability=p)),
        (1.0, lambda p: faults.lost_answer(hold_seconds, path=CUSTOMER_CALLS, probability=p)),
    )
    part = share / sum(weight for weight, _ in makers)
    rules, left = [], 1.0
    for weight, make in makers:
        rules.append(make(part * weight / left))
        left -= part * weight
    return rules


# ------------------------------------------------------------------------------------ (a)

@dataclass
class Operation:
    """One enable / move / disable, Microsoft's true state around it, and what the service said."""

    customer: int
    action: str  # enable | disable
    target: Optional[str] = None
    before: Tuple[bool, Optional[str]] = (False, None)
    after: Tuple[bool, Optional[str]] = (False, None)
    outcome: str = ''  # the result's outcome, or the error code
    shown: Optional[Tuple[bool, Optional[str]]] = None  # the state the result showed
    error_body: Optional[Dict[str, Any]] = None
    crash: Optional[str] = None  # an exception other than OverageError

    @property
    def wanted(self) -> Tuple[bool, Optional[str]]:
        return (True, self.target) if self.action == 'enable' else (False, None)

    @property
    def audit_outcome(self) -> str:
        return self.outcome if self.outcome in RESULT_OUTCOMES else 'failed'


def judge(operation: Operation) -> str:
    """``agreed``, ``unknown outcome`` (an error that says so) or ``disagreed``."""
    if operation.crash:
        return 'disagreed'
    if operation.outcome in RESULT_OUTCOMES:
        agrees = operation.after == operation.wanted
        if operation.shown is not None and operation.outcome != 'unconfirmed':
            agrees = agrees and operation.shown == operation.after
        return 'agreed' if agrees else 'disagreed'
    if operation.outcome in UNKNOWN_OUTCOME_CODES:
        return 'unknown outcome'
    return 'agreed' if operation.after == operation.before else 'disagreed'


def true_state(world, number: int) -> Tuple[bool, Optional[str]]:
    state = world.overage_state(tenant_id(number))
    if state is None or not state.enabled:
        return False, None
    return True, state.azure_entitlement_id.lower()


def _shown(result) -> Tuple[bool, Optional[str]]:
    """The state the change result showed: enabled, and to which Azure subscription."""
    state = result.state
    return state.enabled, (state.azure_subscription_id or '').lower() if state.enabled else None


def plan_operations(customers: Sequence[int], count: int, seed_value: int) -> Dict[int, List[Operation]]:
    """``count`` operations spread over ``customers``: enable to either Azure subscription
    (a move when another one holds it) or disable, in a seeded random order."""
    rng = random.Random(seed_value)  # noqa: S311 - a reproducible plan, not cryptography
    plan: Dict[int, List[Operation]] = defaultdict(list)
    for index in range(count):
        number = customers[index % len(customers)]
        choice = rng.randrange(3)
        if choice == 2:
            plan[number].append(Operation(number, 'disable'))
        else:
            plan[number].append(Operation(number, 'enable', entitlement_id(number, choice)))
    return plan


def _perform(service, world, operation: Operation) -> None:
    customer = customer_ref(operation.customer)
    operation.before = true_state(world, operation.customer)
    try:
        if operation.action == 'enable':
            result = service.enable(customer, OWNER_CALLER, operation.target, actor_name='bench')
        else:
            result = service.disable(customer, OWNER_CALLER, actor_name='bench')
    except OverageError as error:
        operation.outcome = error.code
        operation.error_body = error.to_body()
    except Exception as error:  # noqa: BLE001 - counted as a disagreement, never hidden
        operation.outcome = 'crash'
        operation.crash = f'{type(error).__name__}: {error}'
    else:
        operation.outcome = result.outcome
        operation.shown = _shown(result)
    operation.after = true_state(world, operation.customer)


def align_audit(operations: List[Operation], entries) -> Tuple[List[Operation], int]:
    """(operations without their entry, number of entries without an operation), for one
    customer: its operations ran one after another, so its entries are in the same order."""
    changes = [entry for entry in sorted(entries, key=lambda e: e.id)
               if entry.action in CHANGE_ACTIONS]
    missing, position = [], 0
    for operation in operations:
        if position < len(changes) and changes[position].outcome == operation.audit_outcome:
            position += 1
        else:
            missing.append(operation)
    return missing, len(changes) - position


@dataclass
class OperationsReport:
    operations: List[Operation]
    verdicts: Counter
    outcomes: Counter
    audit_missing: List[Operation]
    audit_extra: int
    webhook_deliveries: int
    webhook_duplicates: int
    webhook_missing: int
    webhook_bad_signatures: int
    faults_fired: Dict[str, int]
    calls: int
    seconds: float
    texts: List[str] = field(default_factory=list)  # error bodies and webhook bodies
    secrets: Dict[str, str] = field(default_factory=dict)

    @property
    def disagreements(self) -> List[Operation]:
        return [op for op in self.operations if judge(op) == 'disagreed']

    @property
    def unaudited_changes(self) -> List[Operation]:
        """Operations that changed Microsoft's state and left no audit entry."""
        return [op for op in self.audit_missing if op.after != op.before]


def check_audit(store, plan: Dict[int, List[Operation]]) -> Tuple[List[Operation], int, set]:
    """(operations without their audit entry, entries without an operation, ids of the
    change entries), customer by customer."""
    missing: List[Operation] = []
    extra, audited = 0, set()
    for number, operations in plan.items():
        entries = store.list_audit(customer_id=customer_ref(number).customer_id, limit=1000).items
        lost, surplus = align_audit(operations, entries)
        missing += lost
        extra += surplus
        audited |= {entry.id for entry in entries if entry.action in CHANGE_ACTIONS}
    return missing, extra, audited


def check_webhooks(deliveries: List[Dict[str, Any]], secret: str, audited: set) -> Dict[str, int]:
    """How the deliveries the receiver got match the audited changes (one each, signed)."""
    per_audit = Counter(delivery['body']['data']['audit_id'] for delivery in deliveries)
    headers = [delivery['headers'] for delivery in deliveries]
    return {
        'webhook_deliveries': len(deliveries),
        'webhook_duplicates': sum(n - 1 for n in per_audit.values() if n > 1),
        'webhook_missing': len(audited - set(per_audit)),
        'webhook_bad_signatures': sum(
            1 for delivery, sent in zip(deliveries, headers, strict=False)
            if not verify_signature(secret, delivery['raw'], sent.get('X-Overage-Timestamp'),
                                    sent.get('X-Overage-Signature'))),
    }


def run_operations(count: int, customers: int, *, seed_value: int = 5, threads: int = 1,
                   read_timeout: float = 0.2, sleep: Optional[Callable[[float], None]] = None,
                   confirm_delays: Sequence[float] = (0.01, 0.02, 0.05),
                   service_workers: int = 8) -> OperationsReport:
    """(a): ``count`` operations on ``customers`` customers under 20% faults (see the module).

    ``sleep`` replaces the client's and the service's waits (back-off, Retry-After, read-back);
    ``None`` sleeps for real. Customers are shared out over ``threads``; one customer's
    operations run one after another, so Microsoft's state before and after each is its own.
    """
    numbers = list(range(1, customers + 1))
    plan = plan_operations(numbers, count, seed_value)
    rules = fault_rules(hold_seconds=read_timeout + 0.1)
    webhook_secret = new_secret('whsec')
    real_sleep = sleep or time.sleep
    with ExitStack() as stack:
        sim = stack.enter_context(running_simulator(ready_world(customers), rules=[],
                                                    seed=seed_value))
        sim.calls.limit = 40 * count + 1000
        store = stack.enter_context(temporary_sqlite_store())
        receiver = stack.enter_context(WebhookReceiver())
        pc_settings = partner_center_settings(sim, read_timeout=read_timeout, max_attempts=4)
        client = partner_center_client(pc_settings, sleep=real_sleep)
        notifier = WebhookNotifier(receiver.url, webhook_secret, store, sleep=real_sleep,
                                   backoff_seconds=0.01, timeout_seconds=5.0, local_receiver=True)
        deliveries: List[Any] = []
        deliveries_lock = threading.Lock()

        def notify(event):
            future = notifier(event)
            with deliveries_lock:
                deliveries.append(future)

        service = make_service(client, store, pc_settings, workers=service_workers,
                               sleep=real_sleep, confirm_delays=confirm_delays, notify=notify)
        client.get_overage(tenant_id(1))  # the token, before the faults
        sim.faults.configure(rules=rules, seed=seed_value)
        sim.calls.clear()

        def work(customer_numbers):
            for number in customer_numbers:
                for operation in plan[number]:
                    _perform(service, sim.world, operation)

        started = time.perf_counter()
        shares = [numbers[i::threads] for i in range(threads)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(work, shares))
        seconds = time.perf_counter() - started
        fired = {rule.kind + (f' {rule.status}' if rule.kind == 'error' else ''): rule.fired
                 for rule in sim.faults.rules}
        sim.faults.clear()
        for future in list(deliveries):
            future.result(timeout=60)
        operations = [op for number in numbers for op in plan[number]]
        missing, extra, audited = check_audit(store, plan)
        webhooks = check_webhooks(receiver.deliveries, webhook_secret, audited)
        texts = [json.dumps(op.error_body) for op in operations if op.error_body]
        texts += [op.crash for op in operations if op.crash]
        texts += [d['raw'].decode('utf-8', 'replace') for d in receiver.deliveries]
        secrets = {**world_secrets(sim.world), 'webhook secret': webhook_secret,
                   **connect_secrets()}
        calls = len(sim.calls.all())
        notifier.executor.shutdown(wait=True)
        service.executor.shutdown(wait=False)
    return OperationsReport(
        operations=operations,
        verdicts=Counter(judge(op) for op in operations),
        outcomes=Counter(op.outcome for op in operations),
        audit_missing=missing, audit_extra=extra, **webhooks, faults_fired=fired, calls=calls,
        seconds=seconds, texts=texts, secrets=secrets,
    )


# ------------------------------------------------------------------------------------ (b)


@dataclass
class RedeliveryReport:
    events: int
    deliveries: int
    notes: Dict[str, List[str]]  # request id -> the markers of its notes, in order
    expected: Dict[str, int]  # request id -> its situations (1, or 2 when it changed)
    outcomes: Counter
    unsettled: List[Tuple[str, str]]  # events still rescheduled after every redelivery
    texts: List[str]
    secrets: Dict[str, str]
    seconds: float

    @property
    def lost(self) -> Dict[str, int]:
        """Requests with fewer different notes than situations: how many are missing."""
        return {request: self.expected[request] - len(set(markers))
                for request, markers in self.notes.items()
                if len(set(markers)) < self.expected[request]}

    @property
    def duplicated(self) -> Dict[str, int]:
        """Requests with a note said twice (the same marker): how many copies too many."""
        return {request: len(markers) - len(set(markers))
                for request, markers in self.notes.items() if len(markers) > len(set(markers))}

    @property
    def wrong_counts(self) -> Dict[str, int]:
        """Requests whose notes are not one per situation: how many notes they have."""
        return {request: len(markers) for request, markers in self.notes.items()
                if len(markers) != self.expected[request] or request in self.duplicated}


def run_redeliveries(requests_count: int, customers: int, *, copies: int = 3,
                     failing_posts: int = 3, seed_value: int = 6, read_timeout: float = 0.2,
                     sleep: Optional[Callable[[float], None]] = None,
                     max_rounds: int = 8) -> RedeliveryReport:
    """(b): each OVG purchase delivered ``copies`` times at once, pending then approved, under
    20% Partner Center faults and ``failing_posts`` failed note posts; what Connect would
    redeliver (rescheduled) is delivered again, up to ``max_rounds`` rounds. Before the approved
    round, overage is switched on for every other customer, a minute later (the reads of the
    pending round are no longer shared): their requests' approved note says something new."""
    from sandbox.connect.app import Faults as ConnectFaults

    numbers = list(range(1, customers + 1))
    world = connect_world(numbers)
    requests = [add_ovg_purchase(world, numbers[i % customers], 100 + i // customers)
                for i in range(requests_count)]
    connect_faults = ConnectFaults()
    connect_faults.fail('POST', '/messages', 503, times=failing_posts)
    real_sleep = sleep or time.sleep
    outcomes: Counter = Counter()
    texts: List[str] = []
    unsettled: List[Tuple[str, str]] = []
    deliveries = 0
    with ExitStack() as stack:
        sim = stack.enter_context(running_simulator(ready_world(customers), seed=seed_value))
        store = stack.enter_context(temporary_sqlite_store())
        connect_client = stack.enter_context(running_connect(world, connect_faults))
        pc_settings = partner_center_settings(sim, read_timeout=read_timeout, max_attempts=2)
        client = partner_center_client(pc_settings, sleep=real_sleep)
        service = make_service(client, store, pc_settings, sleep=real_sleep, confirm_delays=())
        app = events_application(connect_client, store, service, pc_settings)
        client.get_overage(tenant_id(1))
        sim.faults.configure(rules=fault_rules(hold_seconds=read_timeout + 0.1), seed=seed_value)
        started = time.perf_counter()
        changed = set(numbers[::2])
        for status in ('pending', 'approved'):
            if status == 'approved':
                _switch_overage_on(sim.world, store, app, changed)
            events = []
            for request in requests:
                if status == 'approved':
                    world.set_request_status(request['id'], 'approved')
                events.append(dict(world.requests[request['id']]))
            for event in events:
                settled = False
                for _round in range(max_rounds):
                    with ThreadPoolExecutor(max_workers=copies) as pool:
                        answers = list(pool.map(app.handle_purchase_request,
                                                [json.loads(json.dumps(event))
                                                 for _ in range(copies)]))
                    deliveries += copies
                    for answer in answers:
                        outcomes[str(answer.status)] += 1
                        texts.append(str(answer.output or ''))
                    if any(str(answer.status) != 'reschedule' for answer in answers):
                        settled = True
                        break
                if not settled:
                    unsettled.append((event['id'], status))
        seconds = time.perf_counter() - started
        sim.faults.clear()
        notes, expected = {}, {}
        for index, request in enumerate(requests):
            messages = world.notes_of(request['id'])
            texts += [str(message.get('text')) for message in messages]
            notes[request['id']] = [marker for marker in map(_marker, messages) if marker]
            expected[request['id']] = 2 if numbers[index % customers] in changed else 1
        secrets = {**world_secrets(sim.world), **connect_secrets()}
        service.executor.shutdown(wait=False)
    return RedeliveryReport(requests_count * 2, deliveries, notes, expected, outcomes, unsettled,
                            texts, secrets, seconds)


def _switch_overage_on(pc_world, store, app, numbers) -> None:
    """Overage switched on for ``numbers`` in Partner Center, seen a minute later: neither the
    notes' recent reads nor the shared read of the pending round hold these customers."""
    from sandbox.partner_center import demo

    for number in numbers:
        pc_world.set_overage(tenant_id(number), demo.DISTRIBUTOR_TENANT_ID,
                             entitlement_id(number, 0))
        store.partner_center_reads.forget(tenant_id(number))
    app.dependencies.recent_states.clear()


def _marker(message: Dict[str, Any]) -> Optional[str]:
    """The marker of the extension's note, or None for any other message."""
    from connect_ext.orders.notes import marker_of

    return marker_of(message.get('text'))
