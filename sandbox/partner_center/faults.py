"""What can go wrong between a client and Partner Center, injected on purpose, and what was seen.

:class:`Faults` holds rules matched on method + path (regular expressions, ``re.search``):

- ``latency``: wait ``latency_ms`` (± ``jitter_ms``) before answering normally;
- ``throttle``: 429 with ``Retry-After`` and Microsoft's throttling body;
- ``error``: a 408/500/502/503/504, as Partner Center's JSON error or as a gateway's HTML page;
  with ``applied`` the request is carried out first and its answer replaced by the error (a
  write Microsoft made although the client was told it failed);
- ``timeout``: hold the answer ``hold_seconds`` (the client gives up), apply nothing, then 504;
- ``lost``: apply the request, then hold like a time-out ("applied but the answer was lost");
  :func:`held_overage_answer` is one of a customer's next overage ``PUT`` (the sandbox's control).

A rule fires with ``probability`` (a seeded RNG, so runs repeat) and, when ``times`` is set, only
on the next ``times`` matching calls. Latency rules add up; the first other rule that fires
decides the answer. Optional :class:`RateLimit` s then count calls on their paths in a sliding
minute (shortened by ``time_scale``), per partner tenant or per partner and customer, and answer
429 past a limit. :func:`microsoft_rate_limits` is the set Microsoft documents (and the assumed
one on the overage path); a plain ``RateLimit(n)`` is one shared budget on every throttled path.

:class:`CallLog` records every call the server answered, for tests and the sandbox to inspect.
"""
import random
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional, Tuple


KINDS = ('latency', 'throttle', 'error', 'timeout', 'lost')
ERROR_STATUSES = (408, 500, 502, 503, 504)
# By default faults hit the Partner Center API only (not the token endpoint nor /_simulator).
DEFAULT_PATH = r'^/v1/'
# Every throttled resource at once: the customer, its subscriptions, Azure entitlements, overage
# (``subscriptions/overage`` matches as a subscription id): one shared budget.
ENFORCED_PATHS = r'^/v1/customers/[^/]+(/subscriptions(/[^/]+(/azure[eE]ntitlements)?)?)?/?$'
# The reads Microsoft documents as throttled (docs/conformance.md): the customer, its
# subscriptions, one subscription, the Azure entitlements of an Azure plan; not the overage path.
DOCUMENTED_READ_PATHS = (r'^/v1/customers/[^/]+(/subscriptions(/(?!overage/?$)[^/]+'
                         r'(/azure[eE]ntitlements)?)?)?/?$')
OVERAGE_PATH = r'^/v1/customers/[^/]+/subscriptions/overage/?$'
PER_PARTNER = 'partner'
PER_PARTNER_CUSTOMER = 'partner_customer'
SCOPES = (PER_PARTNER, PER_PARTNER_CUSTOMER)
# Microsoft's figures (docs/conformance.md): 500 a minute per partner tenant is documented for the
# subscription reads; the per partner+customer figure and the overage path's are assumed.
DOCUMENTED_READS_PER_PARTNER = 500
ASSUMED_READS_PER_PARTNER_CUSTOMER = 100
ASSUMED_OVERAGE_PER_PARTNER = 500
_CUSTOMER_IN_PATH = re.compile(r'^/v1/customers/([^/]+)')


def _compile(pattern: str) -> 're.Pattern[str]':
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f'invalid path pattern {pattern!r}: {error}') from None


@dataclass
class FaultRule:
    kind: str
    method: str = '*'
    path: str = DEFAULT_PATH
    probability: float = 1.0
    times: Optional[int] = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    retry_after: float = 1.0
    status: int = 503
    html: bool = False
    hold_seconds: float = 1.0
    applied: bool = False
    fired: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f'fault kind must be one of {KINDS}, not {self.kind!r}')
        if self.kind == 'error' and self.status not in ERROR_STATUSES:
            raise ValueError(f'error status must be one of {ERROR_STATUSES}')
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError('probability must be between 0 and 1')
        if self.times is not None and self.times < 0:
            raise ValueError('times must be >= 0')
        if min(self.latency_ms, self.jitter_ms, self.retry_after, self.hold_seconds) < 0:
            raise ValueError('durations must be >= 0')
        self._path = _compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ('*', '') and self.method.upper() != method.upper():
            return False
        return bool(self._path.search(path))

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def to_dict(self) -> Dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def latency(ms: float, jitter_ms: float = 0.0, **match: Any) -> FaultRule:
    return FaultRule('latency', latency_ms=ms, jitter_ms=jitter_ms, **match)


def throttle(retry_after: float = 1.0, **match: Any) -> FaultRule:
    return FaultRule('throttle', retry_after=retry_after, **match)


def server_error(status: int = 503, html: bool = False, **match: Any) -> FaultRule:
    return FaultRule('error', status=status, html=html, **match)


def request_timeout(applied: bool = False, **match: Any) -> FaultRule:
    """408: Microsoft stopped waiting; with ``applied`` the write was made all the same."""
    return FaultRule('error', status=408, applied=applied, **match)


def timeout(hold_seconds: float = 1.0, **match: Any) -> FaultRule:
    return FaultRule('timeout', hold_seconds=hold_seconds, **match)


def lost_answer(hold_seconds: float = 1.0, **match: Any) -> FaultRule:
    return FaultRule('lost', hold_seconds=hold_seconds, **match)


# The longest the overage control holds an answer (seconds): past any client's patience.
MAX_HELD_ANSWER_SECONDS = 600.0


def held_overage_answer(tenant: str, seconds: float) -> FaultRule:
    """The next ``PUT …/subscriptions/overage`` of ``tenant`` (a GUID, any case) is applied at once
    and answered ``seconds`` later (conformance PC-97): shorter than the client's read time-out, a
    slow answer; longer, a lost one (the client's retry with the same ``MS-RequestId`` gets the
    first answer, PC-32). One call only; every later call is answered at once."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not 0 < seconds <= MAX_HELD_ANSWER_SECONDS:
        raise ValueError(f'seconds must be a number above 0 and at most {MAX_HELD_ANSWER_SECONDS:g}')
    path = rf'(?i)^/v1/customers/{re.escape(tenant)}/subscriptions/overage/?$'
    return lost_answer(float(seconds), method='PUT', path=path, times=1)


@dataclass
class RateLimit:
    """``requests_per_minute`` on ``path`` (and ``method``), counted per partner tenant or, with
    ``per="partner_customer"``, per partner tenant and customer tenant; with ``time_scale`` 60 a
    "minute" is 1 s."""

    requests_per_minute: int
    time_scale: float = 1.0
    path: str = ENFORCED_PATHS
    per: str = PER_PARTNER
    method: str = '*'
    name: str = ''

    def __post_init__(self):
        if self.requests_per_minute < 1 or self.time_scale <= 0:
            raise ValueError('requests_per_minute must be >= 1 and time_scale > 0')
        if self.per not in SCOPES:
            raise ValueError(f'per must be one of {SCOPES}, not {self.per!r}')
        self._path = _compile(self.path)

    @property
    def window(self) -> float:
        return 60.0 / self.time_scale

    def applies_to(self, path: str, method: str = 'GET') -> bool:
        if self.method not in ('*', '') and self.method.upper() != method.upper():
            return False
        return bool(self._path.search(path))

    def counter(self, partner: str, path: str) -> Optional[Tuple[str, ...]]:
        """Whose budget the call spends: the partner's, or the partner's with this customer."""
        if self.per == PER_PARTNER:
            return (partner,)
        found = _CUSTOMER_IN_PATH.match(path)
        return (partner, found.group(1).lower()) if found else None

    def to_dict(self) -> Dict[str, Any]:
        return {'requests_per_minute': self.requests_per_minute, 'time_scale': self.time_scale,
                'path': self.path, 'per': self.per, 'method': self.method, 'name': self.name}


def microsoft_rate_limits(time_scale: float = 1.0) -> List[RateLimit]:
    """Partner Center's throttling as far as it is known (docs/conformance.md, "Throttling"):
    the documented reads per partner tenant and per partner+customer pair, and the overage path
    per partner tenant (assumed: Microsoft lists no figure for it)."""
    return [
        RateLimit(DOCUMENTED_READS_PER_PARTNER, time_scale, DOCUMENTED_READ_PATHS, PER_PARTNER,
                  'GET', 'documented reads per partner tenant'),
        RateLimit(ASSUMED_READS_PER_PARTNER_CUSTOMER, time_scale, DOCUMENTED_READ_PATHS,
                  PER_PARTNER_CUSTOMER, 'GET', 'documented reads per partner and customer'),
        RateLimit(ASSUMED_OVERAGE_PER_PARTNER, time_scale, OVERAGE_PATH, PER_PARTNER, '*',
                  'overage path per partner tenant (assumed)'),
    ]


@dataclass(frozen=True)
class Decision:
    """What to do with one call: wait ``delay`` s, then answer per ``rule`` or ``throttled_for``."""

    delay: float = 0.0
    rule: Optional[FaultRule] = None
    throttled_for: Optional[float] = None  # the rate limiter's Retry-After, in seconds


class Faults:
    """The run-time fault configuration, shared by the app and the test (thread-safe)."""

    def __init__(self, rules: Iterable[FaultRule] = (), *, rate_limit: Optional[RateLimit] = None,
                 rate_limits: Iterable[RateLimit] = (), seed: int = 0,
                 clock: Callable[[], float] = time.monotonic):
        self._lock = threading.Lock()
        self.clock = clock
        self._release_generation = 0
        self.configure(rules=rules, rate_limit=rate_limit, rate_limits=rate_limits, seed=seed)

    def configure(self, *, rules: Iterable[FaultRule] = (), rate_limit: Optional[RateLimit] = None,
                  rate_limits: Iterable[RateLimit] = (), seed: int = 0) -> None:
        """Replace every rule, the rate limits (``rate_limit`` first, then ``rate_limits``) and
        the RNG seed."""
        with self._lock:
            self.rules: List[FaultRule] = list(rules)
            self.rate_limits: List[RateLimit] = [*([rate_limit] if rate_limit else []),
                                                 *rate_limits]
            self.seed = seed
            self._random = random.Random(seed)
            self._seen: Dict[Tuple[int, Tuple[str, ...]], Deque[float]] = {}

    @property
    def rate_limit(self) -> Optional[RateLimit]:
        """The first rate limit (the only one, unless several were set), or None."""
        return self.rate_limits[0] if self.rate_limits else None

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self.rules.append(rule)
            return rule

    def set_rate_limit(self, rate_limit: Optional[RateLimit]) -> None:
        """Only this rate limit from now on (None: none), counting from zero."""
        self.set_rate_limits([rate_limit] if rate_limit else [])

    def set_rate_limits(self, rate_limits: Iterable[RateLimit]) -> None:
        with self._lock:
            self.rate_limits = list(rate_limits)
            self._seen = {}

    def clear(self) -> None:
        self.configure(seed=self.seed)

    def release_holds(self) -> None:
        """End every answer held right now (time-outs, lost answers) at once: used on stop."""
        with self._lock:
            self._release_generation += 1

    @property
    def release_generation(self) -> int:
        return self._release_generation

    def decide(self, method: str, path: str, partner: Optional[str]) -> Decision:
        with self._lock:
            delay, outcome = 0.0, None
            for rule in self.rules:
                if outcome is not None and rule.kind != 'latency':
                    continue
                if rule.exhausted or not rule.matches(method, path):
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.kind == 'latency':
                    jitter = self._random.uniform(-rule.jitter_ms, rule.jitter_ms)
                    delay += max(0.0, rule.latency_ms + jitter) / 1000.0
                else:
                    outcome = rule
            throttled_for = None
            if outcome is None and partner:
                throttled_for = self._admit(method, path, partner)
            return Decision(delay, outcome, throttled_for)

    def _admit(self, method: str, path: str, partner: str) -> Optional[float]:
        """Count the call in the sliding window of every limit that applies to it, or, when one
        is full, count it nowhere and say how long until every one has room again."""
        now = self.clock()
        windows = []
        for index, limit in enumerate(self.rate_limits):
            counter = limit.counter(partner, path) if limit.applies_to(path, method) else None
            if counter is None:
                continue
            seen = self._seen.setdefault((index, counter), deque())
            while seen and seen[0] <= now - limit.window:
                seen.popleft()
            windows.append((limit, seen))
        waits = [max(0.001, seen[0] + limit.window - now) for limit, seen in windows
                 if len(seen) >= limit.requests_per_minute]
        if waits:
            return max(waits)
        for _, seen in windows:
            seen.append(now)
        return None

    def to_dict(self) -> Dict[str, Any]:
        with self._lock:
            return {
                'seed': self.seed,
                'rules': [rule.to_dict() for rule in self.rules],
                'rate_limit': self.rate_limit.to_dict() if self.rate_limit else None,
                'rate_limits': [limit.to_dict() for limit in self.rate_limits],
            }

    def configure_from(self, data: Mapping[str, Any]) -> None:
        """:meth:`configure` from JSON (``PUT /_simulator/faults``); raises ValueError/TypeError."""
        rules = []
        for item in data.get('rules') or []:
            values = {k: v for k, v in dict(item).items() if k != 'fired'}
            rules.append(FaultRule(**values))
        if data.get('rate_limits') is not None:
            limits = [RateLimit(**dict(item)) for item in data['rate_limits']]
        else:
            limit = data.get('rate_limit')
            limits = [RateLimit(**dict(limit))] if limit else []
        self.configure(rules=rules, rate_limits=limits, seed=int(data.get('seed') or 0))


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int
    partner: Optional[str]
    request_id: Optional[str]
    correlation_id: Optional[str]
    at: float  # wall-clock time the call arrived
    fault: Optional[str] = None  # the fault kind that shaped the answer, or "rate_limit"
    query: str = ''

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class CallLog:
    """Every answered call, oldest first (bounded: the newest ``limit`` are kept)."""

    limit: int = 10000
    _calls: Deque[Call] = field(default_factory=deque)
    _lock: Any = field(default_factory=threading.Lock)

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            while len(self._calls) > self.limit:
                self._calls.popleft()

    def all(self) -> List[Call]:
        with self._lock:
            return list(self._calls)

    def matching(self, method: Optional[str] = None, path: Optional[str] = None) -> List[Call]:
        """The calls with this method and whose path matches this regular expression."""
        pattern = re.compile(path) if path else None
        return [c for c in self.all()
                if (method is None or c.method == method.upper())
                and (pattern is None or pattern.search(c.path))]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
