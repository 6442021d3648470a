"""The scheduled sync: read what matters first, then every recorded customer's overage.

A run first purges what the store keeps only for a while (:mod:`connect_ext.store.housekeeping`:
no Partner Center call, a bounded number of short deletes; a failure is logged and the reads go
on), then reads the changes Microsoft accepted but did not show yet
(:class:`~connect_ext.orders.confirming.ConfirmationPass`, within the same pacing and time), then
the open handover requests (:class:`~connect_ext.orders.handover_watch.HandoverWatch`), then
one *round* reads each customer once in the order of the store's claim
(:mod:`connect_ext.store.sync_claims`: a customer with a recent order, then one held by another
partner, each not read for 12 h, then the longest unread), one Partner Center call each
(``OverageService.refresh``); a customer read during the round, or shortly before it began
(``FRESH_FOR_SECONDS``), ends it. What makes it safe to run anywhere, any time:

- **Several workers at once** (threads, replicas, an overlapping run): customers are taken with
  the store's claims, which hand a customer to one worker at a time, and a customer read in the
  round is not read again.
- **Cut off** (the runner's time limit, a crash): nothing is lost. What was read carries a fresh
  ``checked_at``; the rest stays oldest and comes first next time (a run that runs out of time
  hands back the claims it did not use). Claims are leases, so the claims of a dead worker lapse
  on their own; so do those of customers a run tried and could not read, which keeps any other
  worker from reading them again in the same round.
- **Microsoft pushing back**: calls are paced by a token bucket at a share of the rate limit; a
  429 pauses the bucket for ``Retry-After`` and the same customer is tried again; a 5xx or a
  time-out backs off (longer while failures repeat) and the round goes on. One customer's failure
  never ends the round; being still the oldest, it is read first once its claim has lapsed.

Clocks and sleep are injected so the tests drive the time.
"""
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Dict, List, Optional, Set

from sqlalchemy.exc import SQLAlchemyError

from connect_ext.customers.refs import ref_from_record
from connect_ext.orders.confirming import ConfirmationPass, ConfirmationReport
from connect_ext.orders.handover_watch import HandoverReport, HandoverWatch
from connect_ext.orders.pacing import PacedReads, TokenBucket
from connect_ext.partner_center.budget import SYNC, acting_for
from connect_ext.redaction import describe
from connect_ext.service.handover import HandoverService
from connect_ext.store.housekeeping import Purged


DEFAULT_BATCH_SIZE = 20
# A claim outlives a batch comfortably; customers this worker gave up on stay claimed (and out of
# its way) for this long, then lapse if it died.
MAX_LEASE_SECONDS = 900.0
LEASE_MARGIN_SECONDS = 60.0
ATTEMPTS_PER_CUSTOMER = 3
# The runner stops a scheduled task after SCHEDULED_TASK_MAX_EXECUTION_TIME seconds (12 h by
# default); the sync stops by itself this much earlier.
STOP_MARGIN_SECONDS = 60.0
# A customer read this recently before a run starts (by another run, or by someone opening it)
# counts as read in this round: overlapping runs and a run right after a cut-off one do not
# read it again.
FRESH_FOR_SECONDS = 300.0
# A customer the work queue never judged (after an upgrade: every one) costs a full read (five
# calls) instead of one. At most one in this many customers a run reads gets it, so that such a
# backlog slows a round by a fifth at most instead of five times (at 1,000,000 customers, five
# times would miss "every customer read within 3 days" for a week); the rest keep "not checked
# yet" until a later run judges them or someone opens them.
JUDGE_EVERY = 20


def time_budget(limit_seconds: float) -> float:
    """Seconds the sync may run within the runner's scheduled-task limit: a safety margin less."""
    return max(limit_seconds - STOP_MARGIN_SECONDS, limit_seconds / 2)


def new_worker_id() -> str:
    """Unique per run: host, process and a random part."""
    return f'{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}'


@dataclass
class SyncReport:
    """What one run did, customer ids by outcome."""

    worker_id: str
    refreshed: List[str] = field(default_factory=list)
    # No Microsoft tenant id recorded yet: nothing to read.
    skipped: List[str] = field(default_factory=list)
    # customer id -> the error code of the last attempt
    failed: Dict[str, str] = field(default_factory=dict)
    throttled: int = 0
    # Customers read in full because the work queue had never judged them.
    judged: int = 0
    # True when the time ran out before the round was complete.
    cut_off: bool = False
    # The awaited changes read first (their own report).
    confirmations: ConfirmationReport = field(default_factory=ConfirmationReport)
    # The open handover requests read next (their own report).
    handovers: HandoverReport = field(default_factory=HandoverReport)
    # What the store purged before the reads, or why it could not.
    purged: Purged = field(default_factory=Purged)
    purge_failed: Optional[str] = None

    def summary(self) -> str:
        end = 'cut off by its time limit' if self.cut_off else 'round complete'
        purge = (f'purge failed ({self.purge_failed})' if self.purge_failed is not None
                 else self.purged.summary())
        return (
            f'overage sync {self.worker_id}: {purge}; '
            f'awaited changes: {self.confirmations.summary()}; '
            f'handovers: {self.handovers.summary()}; '
            f'{len(self.refreshed)} refreshed ({self.judged} judged in full), '
            f'{len(self.skipped)} without tenant id, {len(self.failed)} failed, '
            f'{self.throttled + self.confirmations.throttled + self.handovers.throttled} throttled '
            f'answer(s); {end}'
        )


class OverageSync(PacedReads):
    """One run of the sync (see the module docstring); call :meth:`run` once."""

    LABEL = 'sync'

    def __init__(
        self,
        store,
        service,
        *,
        pacer: TokenBucket,
        time_budget_seconds: float,
        worker_id: Optional[str] = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        fresh_for_seconds: float = FRESH_FOR_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        logger: Optional[logging.Logger] = None,
    ):
        self.store = store
        self.service = service
        self.pacer = pacer
        self.clock = clock
        self.sleep = sleep
        self.deadline = clock() + time_budget_seconds
        self.batch_size = batch_size
        self.fresh_for = timedelta(seconds=fresh_for_seconds)
        self.log = logger or logging.getLogger(__name__)
        self.report = SyncReport(worker_id=worker_id or new_worker_id())
        # Customers this run tried and could not read (or had no tenant id to read): they keep
        # their claim until its lease lapses.
        self._tried: Set[str] = set()
        self._consecutive_failures = 0

    @property
    def worker_id(self) -> str:
        return self.report.worker_id

    def _time_left(self) -> float:
        return self.deadline - self.clock()

    def run(self) -> SyncReport:
        read_since = self.store.now() - self.fresh_for
        self._purge()
        # The passes run within this run's pacing, time and worker id.
        within = {'pacer': self.pacer, 'deadline': self.deadline, 'worker_id': self.worker_id,
                  'clock': self.clock, 'sleep': self.sleep, 'logger': self.log}
        # Awaited changes first: the people who made them are waiting for the answer.
        self.report.confirmations = ConfirmationPass(self.store, self.service, **within).run()
        if not self.report.confirmations.cut_off:
            # Then the handover requests: a customer waiting for its holder to let go.
            self.report.handovers = HandoverWatch(
                self.store, HandoverService(self.service, store=self.store), **within,
            ).run()
        if self.report.confirmations.cut_off or self.report.handovers.cut_off:
            self.report.cut_off = True
        else:
            # Its calls take from the shared budget as the sync's: last, within SYNC_RATE_SHARE.
            with acting_for(SYNC):
                while not self._run_batch(read_since):
                    pass
        self.log.info(self.report.summary())
        return self.report

    def _purge(self) -> None:
        """Purge what the store keeps only for a while; never at the cost of the reads."""
        try:
            self.report.purged = self.store.housekeeping.purge()
        except SQLAlchemyError as error:
            # The reads matter more than the purge: a failure of it is logged and they go on.
            self.report.purge_failed = describe(error)
            self.log.warning('The store could not purge what it keeps only for a while: %s',
                             self.report.purge_failed)

    def _run_batch(self, read_since: datetime) -> bool:
        """Claim and read one batch; True when the run is over (round complete or time up)."""
        if self._time_left() <= 0:
            self.report.cut_off = True
            return True
        lease = min(self._time_left(), MAX_LEASE_SECONDS) + LEASE_MARGIN_SECONDS
        batch = self.store.claim_customers_for_sync(
            worker_id=self.worker_id, batch_size=self.batch_size, lease_seconds=lease,
        )
        if not batch:
            return True
        round_complete = False
        for position, record in enumerate(batch):
            if record.customer_id in self._tried:
                continue  # tried this run already; re-claiming keeps it out of everyone's way
            if record.checked_at is not None and record.checked_at >= read_since:
                # Read in this round; everything claimable after it was too (the prioritised
                # customers come before, never read this recently; then the longest unread first).
                self.store.release_sync_claim(record.customer_id, self.worker_id)
                round_complete = True
                continue
            if not self._sync_one(record):
                self.report.cut_off = True
                self._release_untried(batch[position:])
                return True
        return round_complete

    def _release_untried(self, records) -> None:
        """Time is up: hand back the claimed customers this run never tried, for anyone to take.

        Customers it tried and could not read stay claimed until their lease lapses, so that no
        other worker reads them again in this round.
        """
        for record in records:
            if record.customer_id not in self._tried:
                self.store.release_sync_claim(record.customer_id, self.worker_id)

    def _sync_one(self, record) -> bool:
        """Read one customer; False when the time ran out first (the customer stays unread)."""
        customer_id = record.customer_id
        if not record.tenant_id:
            self.report.skipped.append(customer_id)
            self._tried.add(customer_id)
            return True
        for attempt in range(ATTEMPTS_PER_CUSTOMER):
            if not self.pacer.acquire(deadline=self.deadline):
                if attempt:
                    self._tried.add(customer_id)
                return False
            outcome = self._refresh(record)
            if outcome == 'refreshed':
                self.store.release_sync_claim(customer_id, self.worker_id)
                return True
            if outcome != 'retry':
                break
        self._tried.add(customer_id)
        return True

    def _may_judge(self) -> bool:
        """Whether this read of a never-judged customer may be a full one (see ``JUDGE_EVERY``)."""
        if self.report.judged * JUDGE_EVERY > len(self.report.refreshed):
            return False
        self.report.judged += 1
        return True

    def _refresh(self, record) -> str:
        """``refreshed``, ``retry`` (throttled: the pacer now waits) or ``failed``."""
        customer_id = record.customer_id
        outcome, _ = self._read(customer_id, lambda: self.service.refresh(
            ref_from_record(record), may_judge=self._may_judge))
        if outcome != 'done':
            return outcome
        self.report.refreshed.append(customer_id)
        return 'refreshed'
