"""Fake clocks: time moves only when the code under test waits or a test moves it.

:class:`FakeClock` counts seconds (a monotonic clock, or a wall clock when started at
:data:`EPOCH`); :class:`FakeDatetimeClock` hands out aware datetimes, as the store's clock does.
They are different things: the store never sleeps, the client never reads datetimes.
"""
from datetime import UTC, datetime, timedelta
from typing import List

from sandbox.partner_center.testing import FakeClock as _SimulatorClock


DEFAULT_START = 1000.0
# A start that reads as a plausible wall-clock time (2023-11-14), for code that also turns the
# clock into dates (Retry-After as an HTTP date, token expiry).
EPOCH = 1_700_000_000.0
# Where the store's clock starts.
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock(_SimulatorClock):
    """Seconds moved by hand (``advance``) or by ``sleep``, whose waits are kept in ``slept``.

    The simulator's own fake clock, so one instance can drive the client, the faults and the
    world. ``sleeps`` is the same list under the name the Partner Center client tests use.
    """

    def __init__(self, start: float = DEFAULT_START):
        super().__init__(start=start)

    @property
    def sleeps(self) -> List[float]:
        return self.slept


class FakeDatetimeClock:
    """The store's clock in tests: an aware datetime that stands still until told to move."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
