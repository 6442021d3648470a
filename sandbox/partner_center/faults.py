"""What can go wrong between a client and Partner Center, injected on purpose, and what was seen.

:class:`Faults` holds rules matched on method + path (regular expressions, ``re.search``):

- ``latency``: wait ``latency_ms`` (± ``jitter_ms``) before answering normally;
- ``throttle``: 429 with ``Retry-After`` and Microsoft's throttling body;
- ``error``: a 500/502/503/504, as Partner Center's JSON error or as a gateway's HTML page;
- ``timeout``: hold the answer ``hold_seconds`` (the client gives up), apply nothing, then 504;
- ``lost``: apply the request, then hold like a time-out ("applied but the answer was lost").

A rule fires with ``probability`` (a seeded RNG, so runs repeat) and, when ``times`` is set, only
on the next ``times`` matching calls. Latency rules add up; the first other rule that fires
decides the answer. An optional :class:`RateLimit` then counts each partner tenant's calls on the
enforced paths in a sliding minute (shortened by ``time_scale``) and answers 429 past the limit.

:class:`CallLog` records every call the server answered, for tests and the sandbox to inspect.
"""
import random
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional


KINDS = ('latency', 'throttle', 'error', 'timeout', 'lost')
ERROR_STATUSES = (500, 502, 503, 504)
# By default faults hit the Partner Center API only (not the token endpoint nor /_simulator).
DEFAULT_PATH = r'^/v1/'
# Microsoft's throttled resources: the customer, its subscriptions, Azure entitlements, overage.
ENFORCED_PATHS = r'^/v1/customers/[^/]+(/subscriptions(/[^/]+(/azure[eE]ntitlements)?)?)?/?$'


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


def timeout(hold_seconds: float = 1.0, **match: Any) -> FaultRule:
    return FaultRule('timeout', hold_seconds=hold_seconds, **match)


def lost_answer(hold_seconds: float = 1.0, **match: Any) -> FaultRule:
    return FaultRule('lost', hold_seconds=hold_seconds, **match)


@dataclass
class RateLimit:
    """``requests_per_minute`` per partner tenant; with ``time_scale`` 60 a "minute" is 1 s."""

    requests_per_minute: int
    time_scale: float = 1.0
    path: str = ENFORCED_PATHS

    def __post_init__(self):
        if self.requests_per_minute < 1 or self.time_scale <= 0:
            raise ValueError('requests_per_minute must be >= 1 and time_scale > 0')
        self._path = _compile(self.path)

    @property
    def window(self) -> float:
        return 60.0 / self.time_scale

    def applies_to(self, path: str) -> bool:
        return bool(self._path.search(path))

    def to_dict(self) -> Dict[str, Any]:
        return {'requests_per_minute': self.requests_per_minute, 'time_scale': self.time_scale,
                'path': self.path}


@dataclass(frozen=True)
class Decision:
    """What to do with one call: wait ``delay`` s, then answer per ``rule`` or ``throttled_for``."""

    delay: float = 0.0
    rule: Optional[FaultRule] = None
    throttled_for: Optional[float] = None  # the rate limiter's Retry-After, in seconds


class Faults:
    """The run-time fault configuration, shared by the app and the test (thread-safe)."""

    def __init__(self, rules: Iterable[FaultRule] = (), *, rate_limit: Optional[RateLimit] = None,
                 seed: int = 0, clock: Callable[[], float] = time.monotonic):
        self._lock = threading.Lock()
        self.clock = clock
        self._release_generation = 0
        self.configure(rules=rules, rate_limit=rate_limit, seed=seed)

    def configure(self, *, rules: Iterable[FaultRule] = (), rate_limit: Optional[RateLimit] = None,
                  seed: int = 0) -> None:
        """Replace every rule, the rate limit and the RNG seed."""
        with self._lock:
            self.rules: List[FaultRule] = list(rules)
            self.rate_limit = rate_limit
            self.seed = seed
            self._random = random.Random(seed)
            self._seen: Dict[str, Deque[float]] = {}

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self.rules.append(rule)
            return rule

    def set_rate_limit(self, rate_limit: Optional[RateLimit]) -> None:
        with self._lock:
            self.rate_limit = rate_limit
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
            if outcome is None and partner and self.rate_limit and self.rate_limit.applies_to(path):
                throttled_for = self._admit(partner, self.rate_limit)
            return Decision(delay, outcome, throttled_for)

    def _admit(self, partner: str, limit: RateLimit) -> Optional[float]:
        """Count the call in the partner's sliding window, or say how long until one frees up."""
        now = self.clock()
        seen = self._seen.setdefault(partner, deque())
        while seen and seen[0] <= now - limit.window:
            seen.popleft()
        if len(seen) >= limit.requests_per_minute:
            return max(0.001, seen[0] + limit.window - now)
        seen.append(now)
        return None

    def to_dict(self) -> Dict[str, Any]:
        with self._lock:
            return {
                'seed': self.seed,
                'rules': [rule.to_dict() for rule in self.rules],
                'rate_limit': self.rate_limit.to_dict() if self.rate_limit else None,
            }

    def configure_from(self, data: Mapping[str, Any]) -> None:
        """:meth:`configure` from JSON (``PUT /_simulator/faults``); raises ValueError/TypeError."""
        rules = []
        for item in data.get('rules') or []:
            values = {k: v for k, v in dict(item).items() if k != 'fired'}
            rules.append(FaultRule(**values))
        limit = data.get('rate_limit')
        self.configure(rules=rules, rate_limit=RateLimit(**limit) if limit else None,
                       seed=int(data.get('seed') or 0))


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
