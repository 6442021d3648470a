"""The ``rate_budgets`` table: Partner Center budgets shared by every process, as GCRA rows.

:mod:`connect_ext.partner_center.budget` decides what a call may take (its priority, its
intervals and tolerances); this module only runs those numbers against the rows, atomically on
both backends:

- :meth:`RateBudgets.take` is one ``UPDATE ... WHERE`` per budget the call spends (the partner
  tenant's, and the partner+customer pair's for the reads Microsoft limits that way), in one
  transaction: the row moves on only when every admission test holds, so two processes can never
  both take the last room (PostgreSQL re-checks the ``WHERE`` of a row another transaction just
  updated; SQLite's writing sessions hold the write lock). When it does not admit, it reads the
  rows and says how long until it would.
- :meth:`RateBudgets.throttled` records a 429: everyone pauses for its ``Retry-After``.
- :meth:`RateBudgets.state` is what the settings page shows.

Times are seconds on the budget's clock (wall-clock seconds in production, so every replica
counts in the same time), never datetimes: the limiter's arithmetic stays in SQL.
"""
import functools
import math
from dataclasses import dataclass
from typing import Callable, ContextManager, Dict, Optional, Sequence, Set

from sqlalchemy import TextClause, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connect_ext.store.fields import required_text
from connect_ext.store.models import RateBudgetRow


WINDOW_SECONDS = 60.0
HOUR_SECONDS = 3600.0


@dataclass(frozen=True)
class Claim:
    """What one call asks of one budget row.

    ``*_interval`` is how far the call moves each due time (0: that due time is not moved; the
    call is not of that kind); ``*_tolerance`` how far ahead of now each due time may already be
    for the call to be admitted (``None``: not tested).
    """

    key: str
    interval: float
    tolerance: float
    background_interval: float = 0.0
    background_tolerance: Optional[float] = None
    sync_interval: float = 0.0
    sync_tolerance: Optional[float] = None
    window_seconds: float = WINDOW_SECONDS

    def wait(self, row: RateBudgetRow, now: float) -> float:
        """Seconds until ``row`` admits this claim (0: it would now)."""
        waits = [row.paused_until - now, row.due - self.tolerance - now]
        if self.background_tolerance is not None:
            waits.append(row.background_due - self.background_tolerance - now)
        if self.sync_tolerance is not None:
            waits.append(row.sync_due - self.sync_tolerance - now)
        return max(0.0, *waits)


@dataclass(frozen=True)
class BudgetRecord:
    """A row as the settings page reads it, at ``now``."""

    key: str
    used_this_minute: int
    used_last_minute: int
    throttled_last_hour: int
    paused_for_seconds: float


def _minute(now: float, window: float) -> float:
    return math.floor(now / window) * window


def _counted_throttles(throttles: Optional[Dict[str, int]], now: float) -> Dict[str, int]:
    """The 429s by minute (``str(minute start)``) still within the last hour."""
    since = now - HOUR_SECONDS
    return {minute: int(count) for minute, count in (throttles or {}).items()
            if float(minute) > since}


class _NotAdmitted(Exception):
    """A budget of the call had no room: the transaction rolls back."""


class RateBudgets:
    """Reads and writes of ``rate_budgets`` (``Store.rate_budgets``)."""

    def __init__(self, session: Callable[..., ContextManager[Session]]):
        self._session = session
        # Rows known to exist (rows are never deleted): no look-up before each take.
        self._known: Set[str] = set()

    def take(self, claims: Sequence[Claim], now: float) -> float:
        """Take one call from every budget of ``claims`` at once: 0.0 when taken, else the
        seconds until every one would admit it (nothing taken)."""
        if not claims:
            return 0.0
        for claim in claims:
            required_text(claim.key, 'key')
        self._ensure(claims, now)
        try:
            with self._session() as session:
                for claim in claims:
                    if not self._admit(session, claim, now):
                        raise _NotAdmitted  # rolls back what an earlier claim took
            return 0.0
        except _NotAdmitted:
            pass
        with self._session(write=False) as session:
            rows = {row.key: row for row in session.scalars(
                select(RateBudgetRow).where(RateBudgetRow.key.in_([c.key for c in claims])))}
        # A row that admits now lost a race: try again at once (a tiny wait, not a spin).
        return max(1e-3, *(claim.wait(rows[claim.key], now) for claim in claims))

    def wait_time(self, claim: Claim, now: float) -> float:
        """Seconds until ``claim`` would be admitted, without taking anything."""
        with self._session(write=False) as session:
            row = session.get(RateBudgetRow, claim.key)
            return 0.0 if row is None else claim.wait(row, now)

    def throttled(self, key: str, *, now: float, retry_after: float) -> None:
        """Microsoft answered 429: nobody takes from ``key`` for ``retry_after`` seconds (a longer
        pause already set stays), and the 429 is counted."""
        key = required_text(key, 'key')
        resume = now + max(0.0, retry_after)
        self._ensure([Claim(key, 0.0, 0.0)], now)
        with self._session() as session:
            row = session.get(RateBudgetRow, key, with_for_update=True)
            row.paused_until = max(row.paused_until, resume)
            # Back from the pause with nothing saved up: no burst lands on a limit just hit.
            row.due = max(row.due, resume)
            row.background_due = max(row.background_due, resume)
            row.sync_due = max(row.sync_due, resume)
            throttles = _counted_throttles(row.throttles, now)
            minute = repr(_minute(now, WINDOW_SECONDS))
            throttles[minute] = throttles.get(minute, 0) + 1
            row.throttles = throttles

    def state(self, key: str, now: float) -> BudgetRecord:
        with self._session(write=False) as session:
            row = session.get(RateBudgetRow, key)
            if row is None:
                return BudgetRecord(key, 0, 0, 0, 0.0)
            current = _minute(now, WINDOW_SECONDS)
            if row.window_start == current:
                this, last = row.window_used, row.previous_used
            elif row.window_start == current - WINDOW_SECONDS:
                this, last = 0, row.window_used
            else:
                this, last = 0, 0
            return BudgetRecord(
                key=key,
                used_this_minute=this,
                used_last_minute=last,
                throttled_last_hour=sum(_counted_throttles(row.throttles, now).values()),
                paused_for_seconds=max(0.0, row.paused_until - now),
            )

    # -- the statements -----------------------------------------------------------------

    @staticmethod
    @functools.lru_cache(maxsize=16)
    def _admit_statement(background_test: bool, background_move: bool, sync_test: bool,
                         sync_move: bool) -> TextClause:
        """The one GCRA statement of a claim's shape (plain SQL both backends speak): admitted rows
        move on, the others stay as they were."""
        tests = ['key = :key', 'paused_until <= :now', 'due - :now <= :tolerance']
        moves = ['due = CASE WHEN due > :now THEN due ELSE :now END + :interval']
        if background_test:
            tests.append('background_due - :now <= :background_tolerance')
        if background_move:
            moves.append('background_due = CASE WHEN background_due > :now THEN background_due '
                         'ELSE :now END + :background_interval')
        if sync_test:
            tests.append('sync_due - :now <= :sync_tolerance')
        if sync_move:
            moves.append('sync_due = CASE WHEN sync_due > :now THEN sync_due ELSE :now END '
                         '+ :sync_interval')
        moves += [
            'previous_used = CASE WHEN window_start = :minute THEN previous_used '
            'WHEN window_start = :previous_minute THEN window_used ELSE 0 END',
            'window_used = CASE WHEN window_start = :minute THEN window_used + 1 ELSE 1 END',
            'window_start = :minute',
        ]
        # Only the constant fragments above: every value is a bound parameter.
        sql = f'UPDATE rate_budgets SET {", ".join(moves)} WHERE {" AND ".join(tests)}'  # noqa: S608
        return text(sql)

    def _admit(self, session: Session, claim: Claim, now: float) -> bool:
        statement = self._admit_statement(
            claim.background_tolerance is not None, bool(claim.background_interval),
            claim.sync_tolerance is not None, bool(claim.sync_interval),
        )
        minute = _minute(now, claim.window_seconds)
        params = {
            'key': claim.key, 'now': now, 'tolerance': claim.tolerance, 'interval': claim.interval,
            'minute': minute, 'previous_minute': minute - claim.window_seconds,
        }
        if claim.background_tolerance is not None:
            params['background_tolerance'] = claim.background_tolerance
        if claim.background_interval:
            params['background_interval'] = claim.background_interval
        if claim.sync_tolerance is not None:
            params['sync_tolerance'] = claim.sync_tolerance
        if claim.sync_interval:
            params['sync_interval'] = claim.sync_interval
        return session.execute(statement, params).rowcount == 1

    def _ensure(self, claims: Sequence[Claim], now: float) -> None:
        """Create the rows that do not exist yet (a full budget), whoever gets there first."""
        keys = [claim.key for claim in claims if claim.key not in self._known]
        if not keys:
            return
        with self._session(write=False) as session:
            self._known.update(session.scalars(
                select(RateBudgetRow.key).where(RateBudgetRow.key.in_(keys))))
        for key in keys:
            if key in self._known:
                continue
            try:
                with self._session() as session:
                    session.add(RateBudgetRow(
                        key=key, due=now, background_due=now, sync_due=now, paused_until=now,
                        window_start=_minute(now, WINDOW_SECONDS), window_used=0, previous_used=0,
                        throttles=None,
                    ))
            except IntegrityError:
                pass  # another process created it
            self._known.add(key)
