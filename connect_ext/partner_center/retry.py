"""When, and how long, to wait before sending one logical Partner Center call again.

Microsoft's guidance, as rules:

- 429 (throttled): wait exactly what ``Retry-After`` says (delta-seconds, fractional too, or an
  HTTP-date), then send again;
- 5xx, time-outs and dropped connections are transient: back off exponentially, with jitter so
  that many workers do not come back in step;
- 408 (Microsoft stopped waiting) is transient for a read, which the .NET SDK sends again like any
  status outside its never-retried list; a write that got 408 is not sent again here: it may
  have been applied, and the service reads it back instead;
- any other 4xx is Microsoft's answer, not an accident: it is never sent again;
- a logical call has a bounded budget (attempts and seconds), so an event handler or a web
  request is never held for long; a wait that would overrun the budget is not started.

The decisions are pure functions; :func:`run_with_retries` hands them to ``tenacity``, which
drives the attempts. Time is injected (``sleep``, ``clock``, ``wall_clock``) so tests assert the
exact waits without waiting.
"""
import email.utils
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Callable, Dict, Mapping, Optional

import requests
import tenacity


THROTTLED_STATUS = 429
REQUEST_TIMEOUT_STATUS = 408
# Methods that only read: sending one again cannot change anything at Microsoft.
READ_METHODS = frozenset({'GET', 'HEAD'})
DEFAULT_BASE_DELAY_SECONDS = 1.0
DEFAULT_MAX_DELAY_SECONDS = 16.0

# Microsoft's 429 body says it in words when a proxy drops the header:
# {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."}
_TRY_AGAIN_IN = re.compile(r'try again in (\d+(?:\.\d+)?) seconds?', re.IGNORECASE)

_TRANSIENT_TRANSPORT_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)
# A TLS failure is a configuration problem (wrong CA bundle), not a passing one.
_PERMANENT_TRANSPORT_ERRORS = (requests.exceptions.SSLError,)


@dataclass(frozen=True)
class RetryPolicy:
    """The budget of one logical call and the shape of its exponential back-off."""

    max_attempts: int = 4
    budget_seconds: float = 60.0
    base_delay_seconds: float = DEFAULT_BASE_DELAY_SECONDS
    max_delay_seconds: float = DEFAULT_MAX_DELAY_SECONDS

    @classmethod
    def from_settings(cls, settings: Any) -> 'RetryPolicy':
        """The policy the settings ask for (always at least one attempt)."""
        return cls(
            max_attempts=max(1, int(settings.max_attempts)),
            budget_seconds=max(0.0, float(settings.retry_budget_seconds)),
        )


def is_retryable_status(status: int, method: str = 'GET') -> bool:
    """429 and 5xx may succeed later, and 408 for a read; every other status is a final answer."""
    if status == REQUEST_TIMEOUT_STATUS:
        return method.upper() in READ_METHODS
    return status == THROTTLED_STATUS or 500 <= status <= 599


def is_transient_error(error: BaseException) -> bool:
    """Time-outs and lost connections may succeed later; TLS and programming errors will not."""
    return isinstance(error, _TRANSIENT_TRANSPORT_ERRORS) and not isinstance(
        error, _PERMANENT_TRANSPORT_ERRORS,
    )


def _http_date_timestamp(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:  # Python 3.9 returns None instead of raising
        return None
    if moment.tzinfo is None:  # HTTP-dates are always GMT
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_retry_after(value: Optional[str], *, now: float) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` value, or ``None`` when it says nothing usable.

    ``value`` is delta-seconds (``"57"``, also fractional ``"0.5"``) or an HTTP-date, which is
    measured from ``now`` (a Unix timestamp; the response's own ``Date`` when it has one, so a
    skewed local clock does not change the wait). A date in the past means "now": 0.
    """
    text = (value or '').strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    moment = _http_date_timestamp(text)
    if moment is None:
        return None
    return max(0.0, moment - now)


def retry_after_from_message(message: Any) -> Optional[float]:
    """Seconds from the words of Microsoft's 429 body ("Try again in 57 seconds."), if any."""
    if not isinstance(message, str):
        return None
    match = _TRY_AGAIN_IN.search(message)
    return float(match.group(1)) if match else None


def throttle_delay(
    response: requests.Response, *, wall_clock: Callable[[], float],
) -> Optional[float]:
    """How long a 429 asks us to wait: its ``Retry-After``, else the seconds its message names."""
    headers: Mapping[str, str] = response.headers
    now = _http_date_timestamp(headers.get('Date'))
    delay = parse_retry_after(headers.get('Retry-After'), now=wall_clock() if now is None else now)
    if delay is not None:
        return delay
    try:
        body = response.json()
    except ValueError:
        return None
    return retry_after_from_message(body.get('message')) if isinstance(body, dict) else None


def backoff_delay(attempt_number: int, *, policy: RetryPolicy, rng: random.Random) -> float:
    """The wait after failed attempt ``attempt_number`` (1-based): exponential, "equal jitter".

    The ceiling doubles per attempt (up to ``max_delay_seconds``) and the wait is drawn from its
    upper half, so waits grow from one attempt to the next while workers still spread out.
    """
    exponent = min(max(attempt_number, 1) - 1, 32)
    ceiling = min(policy.max_delay_seconds, policy.base_delay_seconds * (2 ** exponent))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def next_delay(
    outcome: 'tenacity.Future',
    attempt_number: int,
    *,
    policy: RetryPolicy,
    rng: random.Random,
    wall_clock: Callable[[], float],
) -> float:
    """The wait before the next attempt, given how attempt ``attempt_number`` ended."""
    if not outcome.failed:
        response = outcome.result()
        if response.status_code == THROTTLED_STATUS:
            delay = throttle_delay(response, wall_clock=wall_clock)
            if delay is not None:
                return delay
    return backoff_delay(attempt_number, policy=policy, rng=rng)


def run_with_retries(
    attempt: Callable[[], requests.Response],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    wall_clock: Callable[[], float],
    rng: random.Random,
    on_retry: Callable[[int, float, 'tenacity.Future'], None],
    method: str = 'GET',
) -> requests.Response:
    """Call ``attempt`` (a ``method`` request) until its response is final or the budget is spent.

    Returns the last response (2xx, a 4xx, or the last 429/5xx when the budget ran out) or
    raises the last exception (a transient one after the budget, any other one at once).
    ``on_retry(attempt_number, delay, outcome)`` is told before each wait.
    """
    started = clock()
    planned: Dict[int, float] = {}

    def delay_for(state: tenacity.RetryCallState) -> float:
        # Computed once per attempt: the stop test and the wait must agree on a jittered value.
        if state.attempt_number not in planned:
            planned[state.attempt_number] = next_delay(
                state.outcome, state.attempt_number, policy=policy, rng=rng, wall_clock=wall_clock,
            )
        return planned[state.attempt_number]

    def should_retry(state: tenacity.RetryCallState) -> bool:
        if state.outcome.failed:
            return is_transient_error(state.outcome.exception())
        return is_retryable_status(state.outcome.result().status_code, method)

    def should_stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= policy.max_attempts:
            return True
        remaining = policy.budget_seconds - (clock() - started)
        return delay_for(state) > remaining

    def before_sleep(state: tenacity.RetryCallState) -> None:
        on_retry(state.attempt_number, delay_for(state), state.outcome)

    retrying = tenacity.Retrying(
        retry=should_retry,
        stop=should_stop,
        wait=delay_for,
        sleep=sleep,
        before_sleep=before_sleep,
        # Out of budget: hand back the last response (or raise the last error) as it was, so
        # the caller turns it into one typed error with everything Microsoft said.
        retry_error_callback=lambda state: state.outcome.result(),
    )
    return retrying(attempt)
