"""Pacing Partner Center calls: the sync's view of the shared budget, and a local token bucket.

:class:`BudgetPacer` is what the sync and the confirmation pass wait on in production: it waits
until the shared budget (:mod:`connect_ext.partner_center.budget`) has room for a call at the
current priority, without taking it — each call the customer's read makes takes from the budget
itself, in the client, retries included. :class:`TokenBucket` is an in-process bucket for tests
and the benchmarks' unpaced calibration.

Partner Center allows 500 requests per minute per tenant on its subscription resources and
answers 429 beyond that. The scheduled sync is the only caller that makes many calls in a row, so
it takes a token before each call: tokens refill at ``share`` of the limit, so the web API and the
events keep the rest. A 429 seen anyway (other callers, other replicas) pauses the bucket for as
long as Microsoft asked.

Time is injected (``clock`` and ``sleep``) so the tests check the pace without waiting.
"""
import logging
import time
from typing import Any, Callable, List, Optional

from connect_ext.config import DEFAULT_SYNC_RATE_SHARE
from connect_ext.errors.error import OverageError
from connect_ext.partner_center.budget import PARTNER_CENTER_REQUESTS_PER_MINUTE, RateBudget, acting_for


__all__ = ['PARTNER_CENTER_REQUESTS_PER_MINUTE', 'BudgetPacer', 'ClaimedPass', 'TokenBucket', 'is_throttled']
# How long to pause when Microsoft throttled without saying for how long.
DEFAULT_THROTTLE_PAUSE_SECONDS = 60.0
THROTTLED_CODES = frozenset({'THROTTLED'})


def is_throttled(error: OverageError) -> bool:
    """Microsoft said 429: the bucket pauses and the same call is tried again."""
    return error.code in THROTTLED_CODES or error.http_status == 429


class TokenBucket:
    """Up to ``rate`` acquisitions per second on average, bursts of at most ``capacity``.

    Kept as the time the next token is due rather than as a float count of tokens (the "generic
    cell rate" form of a token bucket): no drift from adding up fractions, and a wait is always
    a real step of the clock.
    """

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError(f'rate must be positive, not {rate!r}')
        if capacity < 1:
            raise ValueError(f'capacity must be at least 1, not {capacity!r}')
        self.rate = float(rate)
        self.capacity = float(capacity)
        self.clock = clock
        self.sleep = sleep
        self._interval = 1.0 / self.rate
        # How far ahead of the clock the due time may run: the burst beyond the first token.
        self._burst = (self.capacity - 1.0) * self._interval
        # When the next token is due if tokens were taken one per interval; the clock now means
        # a full bucket.
        self._due = clock()

    @classmethod
    def for_partner_center(cls, share: float = DEFAULT_SYNC_RATE_SHARE, **kwargs: Any) -> 'TokenBucket':
        """A bucket for ``share`` of Partner Center's per-minute limit (bursts: one second's)."""
        rate = PARTNER_CENTER_REQUESTS_PER_MINUTE * share / 60.0
        return cls(rate, capacity=max(1.0, rate), **kwargs)

    @staticmethod
    def _slack(now: float) -> float:
        # A few units in the last place of the clock's value: less is rounding, not time.
        return max(1e-9, abs(now) * 1e-15)

    def wait_time(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        now = self.clock()
        wait = self._due - self._burst - now
        return wait if wait > self._slack(now) else 0.0

    def acquire(self, deadline: Optional[float] = None) -> bool:
        """Take one token, sleeping until there is one; False (nothing taken) if that would end
        after ``deadline`` (a ``clock()`` value)."""
        while True:
            wait = self.wait_time()
            if wait <= 0:
                self._due = max(self._due, self.clock()) + self._interval
                return True
            if deadline is not None and self.clock() + wait > deadline:
                return False
            self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Take no token for ``seconds`` (Microsoft said ``Retry-After``), then start from empty."""
        resume = self.clock() + max(0.0, seconds)
        self._due = max(self._due, resume + self._burst)


class BudgetPacer:
    """The sync's pacer over the shared budget (the interface of :class:`TokenBucket`).

    ``acquire`` waits (with the sync's ``clock`` and ``sleep``) until the budget has room for the
    current priority, or says False when that would end after ``deadline``. ``pause`` does
    nothing: the client already paused the budget for everyone when Microsoft said 429.
    """

    def __init__(
        self,
        budget: RateBudget,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.budget = budget
        self.clock = clock
        self.sleep = sleep

    def acquire(self, deadline: Optional[float] = None) -> bool:
        while True:
            wait = self.budget.wait_time()
            if wait <= 0:
                return True
            if deadline is not None and self.clock() + wait > deadline:
                return False
            self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """The budget itself holds the pause (see the class docstring)."""


# How long a background read waits after a transient failure: doubling, capped.
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 60.0
# What a claimed pass takes per claim unless told.
DEFAULT_CLAIM_BATCH = 20


class PacedReads:
    """How a background pass (the sync, the confirmation pass) takes one failed read.

    The class using it has ``report`` (with ``failed`` and ``throttled``), ``pacer``, ``log``,
    ``sleep``, ``deadline``, ``clock`` and a ``LABEL`` for its log lines. :meth:`_read` runs one
    read: ``('done', value)``; ``('retry', None)`` when Microsoft throttled (the pacer now waits
    what Microsoft asked); ``('failed', None)`` otherwise, after a growing back-off when the failure
    was transient. One failure never ends the pass.
    """

    LABEL = 'background'
    _consecutive_failures = 0

    def _read(self, customer_id: str, call: Callable[[], Any]):
        try:
            value = call()
        except OverageError as error:
            self.report.failed[customer_id] = error.code
            if is_throttled(error):
                self.report.throttled += 1
                pause = error.retry_after if error.retry_after else DEFAULT_THROTTLE_PAUSE_SECONDS
                self.log.warning('%s: Partner Center throttled the read of %s; pausing %.0f s',
                                 self.LABEL, customer_id, pause)
                self.pacer.pause(pause)
                return 'retry', None
            if error.transient:
                self._back_off(customer_id, error)
            else:
                self.log.warning('%s: the overage of %s cannot be read: %s',
                                 self.LABEL, customer_id, error)
            return 'failed', None
        except Exception as error:  # one customer never ends the pass
            self.report.failed[customer_id] = type(error).__name__
            self.log.exception('%s: unexpected failure reading %s', self.LABEL, customer_id)
            return 'failed', None
        self.report.failed.pop(customer_id, None)
        self._consecutive_failures = 0
        return 'done', value

    def _back_off(self, customer_id: str, error: OverageError) -> None:
        """Microsoft failed transiently: wait longer each time it repeats, within the time left."""
        self._consecutive_failures += 1
        exponent = self._consecutive_failures - 1
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** exponent)
        self.log.warning('%s: reading %s failed transiently (%s); backing off %.0f s',
                         self.LABEL, customer_id, error.code, delay)
        if self.clock() + delay < self.deadline:
            self.sleep(delay)


class ClaimedPass(PacedReads):
    """A background pass over what the store hands out in claims (awaited changes, handover
    requests): batches claimed until none is left or the time runs out, each item read once.

    A subclass names its ``PRIORITY`` in the shared budget, its ``LABEL``, the ``REPORT`` a run
    fills, the store's ``CLAIMS`` it reads (``store.<CLAIMS>.claim``), and how to read ``_one``
    item (False: the time ran out first), ``_release`` an untried item and report when ``_done``.
    Its constructor takes its own collaborator, then these options: ``pacer``, ``deadline`` (a
    ``clock()`` value: no read starts after it), ``worker_id``, ``batch_size``, ``clock``,
    ``sleep`` and ``logger``.
    """

    PRIORITY = ''
    REPORT: Callable[[], Any] = dict
    CLAIMS = ''
    # A claim outlives one read (and one change) comfortably; a dead worker's claims lapse after it.
    LEASE_SECONDS = 300.0

    def __init__(
        self,
        store,
        *,
        pacer: Any,
        deadline: float,
        worker_id: str,
        batch_size: int = DEFAULT_CLAIM_BATCH,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        logger: Optional[logging.Logger] = None,
    ):
        self.store = store
        self.pacer = pacer
        self.deadline = deadline
        self.worker_id = worker_id
        self.batch_size = batch_size
        self.clock = clock
        self.sleep = sleep
        self.log = logger or logging.getLogger(type(self).__module__)
        self.report = self.REPORT()
        self._consecutive_failures = 0

    def run(self) -> Any:
        with acting_for(self.PRIORITY):
            return self._run()

    def _run(self) -> Any:
        started = self.store.now()
        while True:
            if self.clock() >= self.deadline:
                self.report.cut_off = True
                break
            batch = self._claim(started)
            if not batch:
                break
            for position, item in enumerate(batch):
                if not self._one(item):
                    self.report.cut_off = True
                    for untried in batch[position:]:
                        self._release(untried)
                    return self._done()
        return self._done()

    def _claim(self, read_before) -> List[Any]:
        return getattr(self.store, self.CLAIMS).claim(
            worker_id=self.worker_id, batch_size=self.batch_size, lease_seconds=self.LEASE_SECONDS,
            read_before=read_before,
        )

    def _one(self, item) -> bool:  # pragma: no cover
        raise NotImplementedError

    def _release(self, item) -> None:  # pragma: no cover
        raise NotImplementedError

    def _done(self) -> Any:  # pragma: no cover
        raise NotImplementedError
