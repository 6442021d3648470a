"""Row 5: reliability under Partner Center faults, redelivered events and malformed payloads.

Each run is a plain function that returns what it observed, so the benchmark (large sizes) and
``tests/e2e/reliability`` (small sizes, assertions) run the very same code:

- :func:`run_operations` (a): enable / move / disable operations while the simulator answers 20%
  of the calls on customers with a 429, a 5xx, a time-out or "applied, but the answer was lost".
  Each operation is judged against the simulator's true state (not its answer): a success must
  show in Microsoft's world, a definite failure must have changed nothing, an "unknown outcome"
  error (time-out, unavailable: "reload before retrying") may go either way and is counted.
  The audit trail must hold exactly one entry per operation, and the signed webhook (the real
  notifier, to a local receiver) exactly one delivery per audit entry.
- :func:`run_redeliveries` (b): every OVG request event delivered three times at once, with
  Partner Center faults and failing note posts; Connect redelivers what is rescheduled. Exactly
  one note per request and status.
- :func:`run_fuzz` (c): the event handlers fed malformed payloads (hypothesis): arbitrary JSON
  and valid requests with one part broken. No exception may escape a handler.
- (d) every log line (root logger at DEBUG) and every error body captured during (a)-(c) is
  searched for the secrets: client secret, refresh tokens (the configured one and each rotated
  one), every access token the simulator issued, the webhook secret, Connect's API key.
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

from benchmarks import (
    OWNER_CALLER,
    LogCapture,
    MemoryProbe,
    Options,
    Row,
    WebhookReceiver,
    add_ovg_purchase,
    at_most,
    connect_world,
    customer_ref,
    entitlement_id,
    events_application,
    leaked_secrets,
    make_service,
    new_secret,
    partner_center_client,
    partner_center_settings,
    ready_world,
    running_connect,
    temporary_sqlite_store,
    tenant_id,
)
from connect_ext.errors.error import OverageError
from connect_ext.notifications.webhooks import WebhookNotifier, verify_signature
from sandbox import seed
from sandbox.partner_center import faults
from sandbox.partner_center.testing import running_simulator


NAME = 'reliability'
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


# ------------------------------------------------------------------------------------ secrets


def world_secrets(world) -> Dict[str, str]:
    """Every credential the simulated Microsoft knows of: app secrets, refresh tokens (also the
    rotated ones) and each access token it issued (its grants; read under its lock)."""
    found: Dict[str, str] = {}
    with world.lock:
        for partner in world.partners.values():
            for client_id, secret in partner.apps.items():
                found[f'client secret of {client_id}'] = secret
            for number, token in enumerate(partner.users):
                found[f'refresh token {number} of {partner.mpn_id}'] = token
        for number, token in enumerate(world._grants):
            found[f'access token {number}'] = token
    return found


def connect_secrets() -> Dict[str, str]:
    return {'Connect API key': seed.DISTRIBUTOR_API_KEY.split(':', 1)[-1]}


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
    body = result.state.to_dict()
    entitlement = body.get('azure_subscription_id')
    return bool(body['enabled']), (entitlement or '').lower() if body['enabled'] else None


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
            1 for delivery, sent in zip(deliveries, headers)
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
                                   backoff_seconds=0.01, timeout_seconds=5.0)
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
    notes: Dict[Tuple[str, str], int]  # (request id, status) -> notes on its conversation
    outcomes: Counter
    unsettled: List[Tuple[str, str]]  # events still rescheduled after every redelivery
    texts: List[str]
    secrets: Dict[str, str]
    seconds: float

    @property
    def wrong_counts(self) -> Dict[Tuple[str, str], int]:
        return {key: n for key, n in self.notes.items() if n != 1}


NOTE_MARKER = 'Overage Manager'


def run_redeliveries(requests_count: int, customers: int, *, copies: int = 3,
                     failing_posts: int = 3, seed_value: int = 6, read_timeout: float = 0.2,
                     sleep: Optional[Callable[[float], None]] = None,
                     max_rounds: int = 8) -> RedeliveryReport:
    """(b): each OVG purchase delivered ``copies`` times at once, pending then approved, under
    20% Partner Center faults and ``failing_posts`` failed note posts; what Connect would
    redeliver (rescheduled) is delivered again, up to ``max_rounds`` rounds."""
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
        for status in ('pending', 'approved'):
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
        notes = {}
        for request in requests:
            messages = world.notes_of(request['id'])
            texts += [str(message.get('text')) for message in messages]
            for status in ('pending', 'approved'):
                notes[(request['id'], status)] = sum(
                    1 for message in messages if _note_of(message, request['id'], status))
        secrets = {**world_secrets(sim.world), **connect_secrets()}
        service.executor.shutdown(wait=False)
    return RedeliveryReport(requests_count * 2, deliveries, notes, outcomes, unsettled, texts,
                            secrets, seconds)


def _note_of(message: Dict[str, Any], request_id: str, status: str) -> bool:
    """Whether a conversation message is the extension's note for this request and status."""
    from connect_ext.orders.notes import note_marker

    return note_marker(request_id, status) in str(message.get('text') or '')


# ------------------------------------------------------------------------------------ (c)


@dataclass
class FuzzReport:
    examples: int
    escaped: List[str]  # "handler: exception" of each payload that raised
    outcomes: Counter
    texts: List[str]
    secrets: Dict[str, str]
    seconds: float


def json_values():
    """Any JSON value (hypothesis strategy)."""
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


# The parts of a request the handlers read (connect-platform.md): broken more often than others.
READ_PARTS = frozenset({
    'id', 'type', 'status', 'asset', 'asset.id', 'asset.status', 'asset.items', 'asset.items.*',
    'asset.items.*.id', 'asset.items.*.name', 'asset.items.*.display_name', 'asset.items.*.mpn',
    'asset.items.*.quantity', 'asset.items.*.old_quantity', 'asset.params', 'asset.params.*',
    'asset.params.*.id', 'asset.params.*.value', 'asset.tiers', 'asset.tiers.customer',
    'asset.tiers.customer.id', 'asset.tiers.customer.name', 'asset.tiers.customer.contact_info',
    'asset.tiers.customer.contact_info.country', 'asset.tiers.tier1', 'asset.tiers.tier1.id',
    'asset.tiers.tier2',
})


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


def _part(path) -> str:
    return '.'.join('*' if isinstance(step, int) else str(step) for step in path)


def broken_requests(templates: List[Dict[str, Any]]):
    """(handler, payload): a real request with one part removed or replaced by a value of
    another type, for the handler of its type (strategy). A part the handlers read (each as
    often as another) is broken three times out of four, any part the rest of the time."""
    from hypothesis import strategies as st

    wrong_types = st.one_of(st.none(), st.booleans(), st.integers(), st.just([]), st.just({}),
                            st.lists(st.text(max_size=3), min_size=1, max_size=2), json_values())

    @st.composite
    def build(draw):
        template = draw(st.sampled_from(templates))
        every = [path for path in _paths(template) if path]
        by_part: Dict[str, List[tuple]] = defaultdict(list)
        for path in every:
            if _part(path) in READ_PARTS:
                by_part[_part(path)].append(path)
        if draw(st.integers(0, 3)):
            where = draw(st.sampled_from(by_part[draw(st.sampled_from(sorted(by_part)))]))
        else:
            where = draw(st.sampled_from(every))
        payload = json.loads(json.dumps(template))
        parent = payload
        for step in where[:-1]:
            parent = parent[step]
        spot = '.'.join(str(step) for step in where)
        if not draw(st.integers(0, 3)) and isinstance(parent, dict):
            del parent[where[-1]]
            change = f'{template["type"]} request without {spot}'
        else:
            parent[where[-1]] = draw(wrong_types)
            change = f'{template["type"]} request with {spot} = {json.dumps(parent[where[-1]])}'
        return HANDLER_OF[template['type']], payload, change[:200]

    return build()


HANDLER_OF = {'purchase': 'handle_purchase_request', 'change': 'handle_change_request',
              'cancel': 'handle_cancel_request'}
HANDLERS = tuple(HANDLER_OF.values())


def describe_escape(handler: str, error: BaseException, payload: str) -> str:
    """The handler, the exception, where our code raised it, and what the payload was."""
    import traceback

    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if '/connect_ext/' in frame.filename.replace('\\', '/')]
    where = f' at {frames[-1].filename.rsplit("connect_ext", 1)[-1]}:{frames[-1].lineno}' \
        if frames else ''
    return f'{handler}: {type(error).__name__}: {error}{where}; payload: {payload}'


def run_fuzz(examples: int, *, seed_value: int = 7, derandomize: bool = True) -> FuzzReport:
    """(c): ``examples`` payloads (any JSON to any handler; broken real requests to the handler
    of their type). ``derandomize`` repeats the same examples each run; else ``seed_value``
    seeds them."""
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    numbers = [1, 2]
    world = connect_world(numbers)
    templates = [add_ovg_purchase(world, number, 900) for number in numbers]
    for template in list(templates):
        for kind in ('change', 'cancel'):
            changed = json.loads(json.dumps(template))
            changed['type'] = kind
            changed['status'] = 'approved' if kind == 'cancel' else 'pending'
            templates.append(changed)
    escaped: List[str] = []
    outcomes: Counter = Counter()
    texts: List[str] = []
    with ExitStack() as stack:
        sim = stack.enter_context(running_simulator(ready_world(len(numbers)), seed=seed_value))
        store = stack.enter_context(temporary_sqlite_store())
        connect_client = stack.enter_context(running_connect(world))
        pc_settings = partner_center_settings(sim, read_timeout=2.0, max_attempts=1)
        client = partner_center_client(pc_settings, sleep=lambda _s: None)
        service = make_service(client, store, pc_settings, sleep=lambda _s: None, confirm_delays=())
        app = events_application(connect_client, store, service, pc_settings)

        any_json = st.tuples(st.sampled_from(HANDLERS), json_values()).map(
            lambda case: (*case, f'any JSON: {json.dumps(case[1])[:200]}'))

        @seed(seed_value)
        @settings(max_examples=examples, database=None, deadline=None, derandomize=derandomize,
                  suppress_health_check=list(HealthCheck))
        @given(any_json | broken_requests(templates))
        def property_(case):
            handler, payload, what = case
            try:
                answer = getattr(app, handler)(payload)
            except Exception as error:  # noqa: BLE001 - exactly what is being looked for
                escaped.append(describe_escape(handler, error, what))
                return
            outcomes[str(answer.status)] += 1
            texts.append(str(answer.output or ''))

        started = time.perf_counter()
        property_()
        seconds = time.perf_counter() - started
        secrets = {**world_secrets(sim.world), **connect_secrets()}
        service.executor.shutdown(wait=False)
    return FuzzReport(sum(outcomes.values()) + len(escaped), escaped, outcomes, texts, secrets,
                      seconds)


# ------------------------------------------------------------------------------------ rows


def _operations_row(report: OperationsReport, probe, seconds) -> Row:
    verdicts = report.verdicts
    problems = (len(report.disagreements) + len(report.audit_missing) + report.audit_extra
                + report.webhook_duplicates + report.webhook_missing)
    fired = sum(report.faults_fired.values())
    row = Row(
        '5a', f'{len(report.operations):,} enable/move/disable, 20% faults',
        f"{verdicts['agreed']} agree with Microsoft, {verdicts['disagreed']} disagree, "
        f"{verdicts['unknown outcome']} 'may or may not have applied'; audit: "
        f'{len(report.audit_missing)} missing ({len(report.unaudited_changes)} of them changed '
        f'Microsoft), {report.audit_extra} extra; webhooks: '
        f'{report.webhook_deliveries} sent, {report.webhook_duplicates} duplicate, '
        f'{report.webhook_missing} missing, {report.webhook_bad_signatures} badly signed',
        f'{fired} faults injected in {report.calls:,} calls ('
        + ', '.join(f'{kind} {n}' for kind, n in report.faults_fired.items()) + ')',
        '0 disagreements, 1 audit entry and 1 webhook per operation',
        at_most(problems, 0, ' problems'), seconds, probe.peak_rss_mb, probe.heap_peak_mb,
    )
    row.notes.append('outcomes: ' + ', '.join(f'{k} {n}' for k, n in report.outcomes.most_common()))
    for operation in report.disagreements[:5]:
        row.notes.append(
            f'disagreement: customer {operation.customer} {operation.action} '
            f'{operation.target or ""} -> {operation.outcome}; Microsoft before {operation.before}, '
            f'after {operation.after}, shown {operation.shown} {operation.crash or ""}')
    return row


def run(options: Options) -> List[Row]:
    rows: List[Row] = []
    capture = LogCapture()
    texts: List[str] = []
    secrets: Dict[str, str] = {}
    count = 120 if options.quick else 2000
    with capture.installed():
        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            report = run_operations(count, max(10, count // 20), threads=16, read_timeout=0.3,
                                    sleep=lambda seconds: time.sleep(seconds / 20),
                                    service_workers=32)
            seconds = time.perf_counter() - started
        rows.append(_operations_row(report, probe, seconds))
        texts += report.texts
        secrets.update(report.secrets)

        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            redelivered = run_redeliveries(10 if options.quick else 40, 10,
                                           sleep=lambda seconds: time.sleep(seconds / 20))
            seconds = time.perf_counter() - started
        wrong = redelivered.wrong_counts
        rows.append(Row(
            '5b', f'{redelivered.events} OVG events, each delivered {3}x at once, 20% faults',
            f'{len(redelivered.notes) - len(wrong)} of {len(redelivered.notes)} have exactly one '
            f'note; {len(redelivered.unsettled)} never settled',
            f'{redelivered.deliveries} deliveries: ' + ', '.join(
                f'{k} {n}' for k, n in redelivered.outcomes.most_common()),
            'exactly 1 note per request and status', at_most(len(wrong), 0, ' events'),
            seconds, probe.peak_rss_mb, probe.heap_peak_mb,
            notes=[f'{key}: {n} notes' for key, n in list(wrong.items())[:5]],
        ))
        texts += redelivered.texts
        secrets.update(redelivered.secrets)

        with MemoryProbe(options.heap) as probe:
            started = time.perf_counter()
            fuzzed = run_fuzz(100 if options.quick else 600, derandomize=False)
            seconds = time.perf_counter() - started
        rows.append(Row(
            '5c', 'event handlers fed malformed payloads (hypothesis)',
            f'{len(fuzzed.escaped)} exceptions escaped in {fuzzed.examples} payloads',
            'answers: ' + ', '.join(f'{k} {n}' for k, n in fuzzed.outcomes.most_common()),
            '0 exceptions escape', at_most(len(fuzzed.escaped), 0, ' exceptions'),
            seconds, probe.peak_rss_mb, probe.heap_peak_mb, notes=fuzzed.escaped[:3],
        ))
        texts += fuzzed.texts
        secrets.update(fuzzed.secrets)
    leaks = leaked_secrets(secrets, capture.lines + texts)
    rows.append(Row(
        '5d', 'secrets in logs (root at DEBUG) and error bodies of 5a-5c',
        f'{sum(leaks.values())} lines hold a secret' + (f' ({", ".join(leaks)})' if leaks else ''),
        f'{len(secrets)} secrets searched in {len(capture.lines):,} log lines and '
        f'{len(texts):,} bodies',
        'no secret anywhere', at_most(len(leaks), 0, ' secrets'), 0.0,
    ))
    return rows
