"""The handover watch: read every open handover request's customer, and act when the holder let go.

A customer whose overage another partner holds may have a handover request
(:mod:`connect_ext.service.handover`). This pass reads each open request's overage once
(``HandoverService.watch``: one Partner Center call) and takes the step that read decides:
released → enabled to the target through the one change path (or ended as released, notify only);
the holder changed without releasing → the request stays and says so; past ``HANDOVER_DAYS`` →
expired. Otherwise it waits for the next pass.

Who runs it: every scheduled sync, right after the confirmation pass, within the sync's pacing,
time budget and worker id (:class:`connect_ext.orders.sync.OverageSync`), so customers with a
handover are read before the rest; and, in the sandbox, a background thread every few seconds
(:func:`connect_ext.wiring.handover_watch`), so a handover completes there by itself. Its calls
take from the shared Partner Center budget at priority ``HANDOVERS``. Safe anywhere, any time:

- several passes at once (threads, replicas) take requests with the store's claims, one worker
  per request, and each step happens once however many read it (the store's ``advance``);
- a pass reads each request at most once (requests read since it began are not claimed again);
- Microsoft pushing back: a 429 pauses the shared budget and the same request is tried again; a
  5xx or a time-out backs off and the pass goes on; the request waits for the next pass.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from connect_ext.orders.pacing import ClaimedPass
from connect_ext.partner_center.budget import HANDOVERS
from connect_ext.service.handover import WATCH_HOLDER_CHANGED, WATCH_TAKEN, WATCH_WAITING
from connect_ext.vocabulary import HANDOVER_ENABLED, HANDOVER_EXPIRED, HANDOVER_RELEASED, HANDOVER_STOPPED


ATTEMPTS_PER_REQUEST = 3


@dataclass
class HandoverReport:
    """What one pass did, customer ids by what it found."""

    enabled: List[str] = field(default_factory=list)
    released: List[str] = field(default_factory=list)
    stopped: List[str] = field(default_factory=list)
    expired: List[str] = field(default_factory=list)
    holder_changed: List[str] = field(default_factory=list)
    waiting: List[str] = field(default_factory=list)
    # customer id -> the error code of the last attempt (the request stays as it is)
    failed: Dict[str, str] = field(default_factory=dict)
    throttled: int = 0
    cut_off: bool = False

    def summary(self) -> str:
        return (
            f'{len(self.enabled)} enabled, {len(self.released)} released (notify only), '
            f'{len(self.stopped)} stopped by a rule, {len(self.expired)} expired, '
            f'{len(self.holder_changed)} moved to another holder, {len(self.waiting)} waiting, '
            f'{len(self.failed)} unread'
        )

    def _list_for(self, found: str) -> Optional[List[str]]:
        return {
            HANDOVER_ENABLED: self.enabled, HANDOVER_RELEASED: self.released,
            HANDOVER_STOPPED: self.stopped, HANDOVER_EXPIRED: self.expired,
            WATCH_HOLDER_CHANGED: self.holder_changed, WATCH_WAITING: self.waiting,
        }.get(found)


class HandoverWatch(ClaimedPass):
    """One pass over the open handover requests (see the module docstring); call :meth:`run` once.

    ``handovers`` is the :class:`~connect_ext.service.handover.HandoverService`; the options are
    :class:`~connect_ext.orders.pacing.ClaimedPass`'s.
    """

    LABEL = 'handovers'
    # Its calls take from the shared budget as handovers: after confirmations, before the rest.
    PRIORITY = HANDOVERS
    REPORT = HandoverReport
    CLAIMS = 'handovers'

    def __init__(self, store, handovers, **options: Any):
        super().__init__(store, **options)
        self.handovers = handovers

    def _release(self, record) -> None:
        self.store.handovers.release(record.customer_id, record.request_id, self.worker_id)

    def _one(self, record) -> bool:
        return self._watch_one(record)

    def _done(self) -> HandoverReport:
        report = self.report
        if any((report.enabled, report.released, report.stopped, report.expired,
                report.holder_changed, report.failed)):
            self.log.info('handover watch %s: %s', self.worker_id, report.summary())
        return report

    def _watch_one(self, record) -> bool:
        """Read one request; False when the time ran out first (it stays as it is, unread)."""
        for _attempt in range(ATTEMPTS_PER_REQUEST):
            if not self.pacer.acquire(deadline=self.deadline):
                return False
            read, found = self._read(record.customer_id, lambda: self.handovers.watch(record))
            if read != 'retry':
                break
        if read == 'done' and found != WATCH_TAKEN:
            listed = self.report._list_for(found)
            if listed is not None:
                listed.append(record.customer_id)
        # Hands it back, read now (a no-op once a step ended it and cleared the claim).
        self.store.handovers.release(
            record.customer_id, record.request_id, self.worker_id, checked_at=self.store.now(),
        )
        return True
