"""The scheduled sync on a fake clock, as the sync's tests build it."""
from typing import Any, Optional

from connect_ext.orders.pacing import TokenBucket
from connect_ext.orders.sync import OverageSync


def clocked_sync(store, service, clock, *, pacer: Optional[TokenBucket] = None, rate: float = 1e6,
                 budget: float = 10_000.0, **options: Any) -> OverageSync:
    """One run of the sync whose time is ``clock``'s (its sleeps move it), within ``budget``
    seconds, paced by ``pacer`` (by default a token bucket of ``rate`` calls a second on the same
    clock); ``options``: the sync's own (``worker_id``, ``batch_size``...)."""
    if pacer is None:
        pacer = TokenBucket(rate, clock=clock, sleep=clock.sleep)
    return OverageSync(store, service, pacer=pacer, time_budget_seconds=budget, clock=clock,
                       sleep=clock.sleep, **options)
