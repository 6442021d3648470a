"""One Partner Center budget for every process and every caller.

Partner Center throttles per partner tenant (500 calls a minute on the customer, subscription,
Azure entitlement and overage resources) and per partner and customer tenant (docs/conformance.md,
PC-35 to PC-38). Every rate-limited call takes from one budget kept in the store
(:mod:`connect_ext.store.rate_budget`, one GCRA row per budget), so the web app, the events and
every replica share it — first tries, retries and every page of a read alike, whoever makes them.

**Priorities.** Each call is made on behalf of someone (:func:`acting_for`, a context variable
that follows the call into the service's threads): people first (a page open, a change: the
default), then the background confirmations of changes, then handover watches, then order notes,
then the sync. Three due times of one row do it:

- every call moves the *total* due time; people may run it up to ``people_burst`` calls ahead of
  the clock, nobody else may run it ahead at all, so people cut in front;
- every call that is not people's also moves the *background* due time, paced at what
  ``PEOPLE_RATE_SHARE`` leaves: the people's share is never taken by anything else. Higher
  background priorities may run it a step or more ahead, lower ones less;
- the sync's calls also move the *sync* due time, paced at ``SYNC_RATE_SHARE`` of the background.

The total pace leaves room for the people's burst, so the budget never spends more than the limit
in any sliding minute. A 429 that arrives anyway pauses the budget for everyone for its
``Retry-After``. Time is injected (``clock`` and ``sleep``) so tests count calls per window on a
fake clock.
"""
import contextvars
import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional

from sqlalchemy.exc import SQLAlchemyError

from connect_ext.config import DEFAULT_PEOPLE_RATE_SHARE, DEFAULT_SYNC_RATE_SHARE
from connect_ext.store.rate_budget import Claim, RateBudgets


PEOPLE = 'people'
CONFIRMATIONS = 'confirmations'
HANDOVERS = 'handovers'
NOTES = 'notes'
SYNC = 'sync'
PRIORITIES = (PEOPLE, CONFIRMATIONS, HANDOVERS, NOTES, SYNC)
# How many steps of the background due time each background priority may run ahead.
# (Every one at least a step: a caller a little late for its turn keeps its pace.)
_BACKGROUND_STEPS = {CONFIRMATIONS: 4, HANDOVERS: 3, NOTES: 2, SYNC: 1}
MAX_BACKGROUND_STEPS = max(_BACKGROUND_STEPS.values())

PARTNER_CENTER_REQUESTS_PER_MINUTE = 500
# Per partner and customer tenant (PC-36, assumed figure).
PAIR_REQUESTS_PER_MINUTE = 100
# Calls a person may make at once (a page open's state and options reads).
PEOPLE_BURST = 10
# A 429 that names no wait pauses everyone this long.
NO_HINT_PAUSE_SECONDS = 5.0
WINDOW_SECONDS = 60.0

# The resources Partner Center throttles: the customer, its subscriptions, one subscription (the
# overage path among them) and an Azure plan's entitlements (the simulator's ENFORCED_PATHS).
_LIMITED = re.compile(
    r'^/v1/customers/(?P<customer>[^/]+)'
    r'(?:/subscriptions(?:/(?P<subscription>[^/]+)(?:/azure[eE]ntitlements)?)?)?/?$'
)

_acting_for: contextvars.ContextVar = contextvars.ContextVar('partner_center_priority', default=PEOPLE)


@contextmanager
def acting_for(priority: str) -> Iterator[None]:
    """Partner Center calls made inside this block (and in the threads it hands work to, when
    they copy the context) take from the budget at ``priority``."""
    if priority not in PRIORITIES:
        raise ValueError(f'priority must be one of {PRIORITIES}, not {priority!r}')
    token = _acting_for.set(priority)
    try:
        yield
    finally:
        _acting_for.reset(token)


def current_priority() -> str:
    return _acting_for.get()


@dataclass(frozen=True)
class Scope:
    """Whether a call is rate-limited, and the customer whose pair budget it also spends."""

    limited: bool
    pair_customer: Optional[str] = None


def scope_of(method: str, path: str) -> Scope:
    """The budgets a call spends: none, the partner's, or the partner's and the pair's (the
    documented reads; the overage path is limited per partner only, PC-37)."""
    found = _LIMITED.match(path or '')
    if not found:
        return Scope(False)
    subscription = (found.group('subscription') or '').lower()
    if method.upper() == 'GET' and subscription != 'overage':
        return Scope(True, found.group('customer').lower())
    return Scope(True)


@dataclass(frozen=True)
class BudgetPolicy:
    """The numbers of one budget: Microsoft's limit and how it is shared."""

    limit_per_minute: int = PARTNER_CENTER_REQUESTS_PER_MINUTE
    people_share: float = DEFAULT_PEOPLE_RATE_SHARE
    sync_share: float = DEFAULT_SYNC_RATE_SHARE
    people_burst: int = PEOPLE_BURST

    @property
    def usable_per_minute(self) -> float:
        """What the budget spends at most per minute, the people's burst kept aside."""
        return float(max(1, self.limit_per_minute - self.people_burst - 1))

    @property
    def kept_for_people_per_minute(self) -> float:
        return self.usable_per_minute * self.people_share + MAX_BACKGROUND_STEPS

    @property
    def background_per_minute(self) -> float:
        """What every caller but people may take together (the background's steps ahead kept
        out of the people's share too)."""
        return max(1.0, self.usable_per_minute - self.kept_for_people_per_minute)

    @property
    def sync_per_minute(self) -> float:
        return max(1.0, self.background_per_minute * self.sync_share)

    def claim(self, key: str, priority: str) -> Claim:
        """What one call at ``priority`` asks of the row ``key``."""
        interval = WINDOW_SECONDS / self.usable_per_minute
        if priority == PEOPLE:
            return Claim(key, interval, tolerance=self.people_burst * interval)
        background = WINDOW_SECONDS / self.background_per_minute
        sync = priority == SYNC
        return Claim(
            key, interval, tolerance=0.0, background_interval=background,
            background_tolerance=_BACKGROUND_STEPS[priority] * background,
            sync_interval=WINDOW_SECONDS / self.sync_per_minute if sync else 0.0,
            sync_tolerance=WINDOW_SECONDS / self.sync_per_minute if sync else None,
        )


@dataclass(frozen=True)
class BudgetState:
    """What the settings page and the benchmarks show of the partner's budget."""

    limit_per_minute: int
    usable_per_minute: float
    kept_for_people_per_minute: float
    sync_per_minute: float
    used_this_minute: int
    used_last_minute: int
    throttled_last_hour: int
    paused_for_seconds: float


class BudgetExhausted(Exception):
    """No room in the budget within the time the call may wait."""

    def __init__(self, wait: float):
        super().__init__(f'the shared Partner Center budget has no room for {wait:.1f} s')
        self.wait = wait


class RateBudget:
    """The budget of one partner tenant (and its pairs with customers), kept in the store."""

    def __init__(
        self,
        rows: RateBudgets,
        partner: str,
        policy: BudgetPolicy = BudgetPolicy(),
        *,
        pair_limit_per_minute: int = PAIR_REQUESTS_PER_MINUTE,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        logger: Optional[logging.Logger] = None,
    ):
        self.rows = rows
        self.partner = (partner or 'default').lower()
        self.policy = policy
        self.pair_policy = BudgetPolicy(
            limit_per_minute=pair_limit_per_minute, people_share=policy.people_share,
            sync_share=policy.sync_share, people_burst=policy.people_burst,
        )
        self.clock = clock
        self.sleep = sleep
        self.log = logger or logging.getLogger(__name__)

    @property
    def key(self) -> str:
        return f'partner:{self.partner}'

    def _claims(self, scope: Scope, priority: str) -> List[Claim]:
        claims = [self.policy.claim(self.key, priority)]
        if scope.pair_customer:
            # One customer's budget: whoever reads it may burst (a full read is a few calls at
            # once); the priorities share the partner's budget, not this one.
            claims.append(self.pair_policy.claim(f'{self.key}:customer:{scope.pair_customer}', PEOPLE))
        return claims

    def take(self, method: str, path: str, *, within: float) -> None:
        """Take one call from the budgets of ``method path`` at the current priority, waiting for
        room; :class:`BudgetExhausted` when there is none within ``within`` seconds. A call that
        is not rate-limited takes nothing; a store that fails lets the call through (logged)."""
        scope = scope_of(method, path)
        if not scope.limited:
            return
        claims = self._claims(scope, current_priority())
        deadline = self.clock() + within
        while True:
            now = self.clock()
            try:
                wait = self.rows.take(claims, now)
            except SQLAlchemyError as error:
                self.log.warning('Partner Center budget: the store failed (%s); calling unpaced',
                                 type(error).__name__)
                return
            if wait <= 0:
                return
            if now + wait > deadline:
                raise BudgetExhausted(wait)
            self.sleep(wait)

    def wait_time(self, priority: Optional[str] = None) -> float:
        """Seconds until the partner's budget has room for a call at ``priority`` (the current
        one by default), without taking it."""
        claim = self.policy.claim(self.key, priority or current_priority())
        try:
            return self.rows.wait_time(claim, self.clock())
        except SQLAlchemyError:
            return 0.0

    def throttled(self, method: str, path: str, retry_after: Optional[float]) -> None:
        """Microsoft answered 429 anyway: every process pauses for ``retry_after``."""
        pause = NO_HINT_PAUSE_SECONDS if retry_after is None else retry_after
        self.log.warning('Partner Center %s %s answered 429: everyone pauses %.1f s', method, path, pause)
        try:
            self.rows.throttled(self.key, now=self.clock(), retry_after=pause)
        except SQLAlchemyError as error:
            self.log.warning('Partner Center budget: the store failed (%s); 429 not shared',
                             type(error).__name__)

    def state(self) -> BudgetState:
        record = self.rows.state(self.key, self.clock())
        return BudgetState(
            limit_per_minute=self.policy.limit_per_minute,
            usable_per_minute=self.policy.usable_per_minute,
            kept_for_people_per_minute=self.policy.kept_for_people_per_minute,
            sync_per_minute=self.policy.sync_per_minute,
            used_this_minute=record.used_this_minute,
            used_last_minute=record.used_last_minute,
            throttled_last_hour=record.throttled_last_hour,
            paused_for_seconds=record.paused_for_seconds,
        )
