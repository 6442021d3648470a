"""The event handlers fed malformed payloads (hypothesis), against both simulators: any JSON to
any handler, and real purchase / change / cancel requests with one part removed or replaced by a
value of another type. :func:`run_fuzz` is run (c) of the reliability benchmark and of
``tests/e2e/reliability``: no exception may escape a handler (the runner would retry such an
event forever instead of skipping it), what is no request at all is skipped with its reason, and
no request is noted twice for one purpose, whatever it was fed.
"""
import json
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

from sandbox.partner_center.testing import running_simulator
from testkit.security import connect_secrets, world_secrets
from testkit.services import events_application, make_service
from testkit.simulators import partner_center_client, partner_center_settings, running_connect
from testkit.stores import temporary_sqlite_store
from testkit.world import add_ovg_purchase, connect_world, ready_world


@dataclass
class FuzzReport:
    examples: int
    escaped: List[str]  # "handler: exception" of each payload that raised
    outcomes: Counter
    texts: List[str]
    secrets: Dict[str, str]
    seconds: float
    # Payloads that are no request at all (any JSON) answered otherwise than "skip, because…".
    garbage_not_skipped: List[str] = field(default_factory=list)
    # (request id, note marker) -> how many times the note was written, when more than once.
    notes_written_twice: Dict[Tuple[str, str], int] = field(default_factory=dict)
    # Connect calls other than the conversations' (the extension never approves, fails,
    # inquires or updates a request).
    other_connect_calls: List[str] = field(default_factory=list)


def json_values():
    """Any JSON value (hypothesis strategy)."""
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


# The words of a Connect request, for JSON that looks like one (the handlers' first checks).
CONNECT_KEYS = ('id', 'type', 'status', 'asset', 'items', 'tiers', 'customer', 'tier1', 'params',
                'display_name', 'quantity', 'old_quantity', 'value')
CONNECT_WORDS = ('PR-1-001', 'AS-1', 'TA-1', 'purchase', 'change', 'cancel', 'pending', 'approved',
                 'Teams OVG', '5', '0')


def connect_like_values():
    """JSON made of a Connect request's keys and words, nested (hypothesis strategy)."""
    from hypothesis import strategies as st

    return st.recursive(
        json_values() | st.sampled_from(CONNECT_WORDS),
        lambda children: st.dictionaries(st.sampled_from(CONNECT_KEYS), children, max_size=6)
        | st.lists(children, max_size=3),
        max_leaves=30,
    )


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
                            st.lists(st.text(max_size=3), min_size=1, max_size=2), json_values(),
                            connect_like_values())

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


ANY_JSON = 'any JSON: '
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
    """(c): ``examples`` payloads (any JSON, also JSON made of a request's words, to any
    handler; broken real requests to the handler of their type). Records what escaped, any JSON
    answered otherwise than skipped, and the notes written twice. ``derandomize`` repeats the
    same examples each run; else ``seed_value`` seeds them."""
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    from sandbox.connect.app import CallLog

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
    garbage_not_skipped: List[str] = []
    outcomes: Counter = Counter()
    texts: List[str] = []
    with ExitStack() as stack:
        sim = stack.enter_context(running_simulator(ready_world(len(numbers)), seed=seed_value))
        store = stack.enter_context(temporary_sqlite_store())
        connect_calls = CallLog()
        connect_client = stack.enter_context(running_connect(world, calls=connect_calls))
        pc_settings = partner_center_settings(sim, read_timeout=2.0, max_attempts=1)
        client = partner_center_client(pc_settings, sleep=lambda _s: None)
        service = make_service(client, store, pc_settings, sleep=lambda _s: None, confirm_delays=())
        app = events_application(connect_client, store, service, pc_settings)

        any_json = st.tuples(st.sampled_from(HANDLERS), json_values() | connect_like_values()).map(
            lambda case: (*case, f'{ANY_JSON}{json.dumps(case[1])[:200]}'))

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
            if what.startswith(ANY_JSON) and (str(answer.status) != 'skip' or not answer.output):
                garbage_not_skipped.append(f'{handler}: {answer.status} for {what}')

        started = time.perf_counter()
        property_()
        seconds = time.perf_counter() - started
        secrets = {**world_secrets(sim.world), **connect_secrets()}
        service.executor.shutdown(wait=False)
    return FuzzReport(sum(outcomes.values()) + len(escaped), escaped, outcomes, texts, secrets,
                      seconds, garbage_not_skipped,
                      notes_written_twice(world, {template['id'] for template in templates}),
                      sorted({f'{call.method} {call.path}' for call in connect_calls.all()
                              if '/conversations' not in call.path}))


def notes_written_twice(world, request_ids) -> Dict[Tuple[str, str], int]:
    """The notes (by their marker, the last line) found more than once on a request's
    conversation: whatever a handler was fed, it notes each request and purpose once."""
    twice = {}
    for request_id in sorted(request_ids):
        notes = [str(message.get('text') or '') for message in world.notes_of(request_id)]
        markers = Counter(note.splitlines()[-1] for note in notes if note.strip())
        twice.update({(request_id, marker): n for marker, n in markers.items() if n > 1})
    return twice
