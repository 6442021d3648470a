"""The background confirmation pass: read again every change Microsoft accepted but did not show yet.

A change whose interactive read-back ran out answers ``unconfirmed`` (202) and is awaited in the
store (:mod:`connect_ext.service.confirmations`). This pass reads each awaited change's customer
once (``OverageService.confirm``: one Partner Center call), which confirms it when Microsoft shows
it, or ends it as not confirmed when someone else changed it or ``CONFIRM_WITHIN_MINUTES`` passed;
otherwise it stays awaited for the next pass.

Who runs it: every scheduled sync, first, within the sync's own pacing, time budget and worker id
(:class:`connect_ext.orders.sync.OverageSync`); and, in the sandbox, a background thread every few
seconds (:func:`connect_ext.wiring.confirmation_pass`). Safe anywhere, any time, like the sync:

- several passes at once (threads, replicas) take rows with the store's claims, one worker per row,
  and each awaited change ends exactly once however many read it (the store's ``finish``);
- a pass reads each row at most once (rows read since it began are not claimed again), so it ends;
- Microsoft pushing back: a 429 pauses the shared bucket for ``Retry-After`` and the same row is
  tried again; a 5xx or a time-out backs off and the pass goes on; a row that cannot be read waits
  for the next pass (or, past its deadline, ends as not confirmed).
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List

from connect_ext.orders.pacing import ClaimedPass
from connect_ext.partner_center.budget import CONFIRMATIONS
from connect_ext.vocabulary import CONFIRMED, NOT_CONFIRMED


ATTEMPTS_PER_CHANGE = 3


@dataclass
class ConfirmationReport:
    """What one pass did, customer ids by outcome."""

    confirmed: List[str] = field(default_factory=list)
    not_confirmed: List[str] = field(default_factory=list)
    # Read, Microsoft still shows the old setting: awaited by the next pass.
    waiting: List[str] = field(default_factory=list)
    # customer id -> the error code of the last attempt (the change stays awaited)
    failed: Dict[str, str] = field(default_factory=dict)
    throttled: int = 0
    cut_off: bool = False

    def summary(self) -> str:
        return (
            f'{len(self.confirmed)} confirmed, {len(self.not_confirmed)} not confirmed, '
            f'{len(self.waiting)} still awaited, {len(self.failed)} unread'
        )


class ConfirmationPass(ClaimedPass):
    """One pass over the awaited changes (see the module docstring); call :meth:`run` once.

    ``service`` is the :class:`~connect_ext.service.overage.OverageService`; the options are
    :class:`~connect_ext.orders.pacing.ClaimedPass`'s.
    """

    LABEL = 'confirmations'
    # Its calls take from the shared budget as confirmations: after people, before the rest.
    PRIORITY = CONFIRMATIONS
    REPORT = ConfirmationReport
    CLAIMS = 'confirmations'

    def __init__(self, store, service, **options: Any):
        super().__init__(store, **options)
        self.service = service

    def _release(self, pending) -> None:
        self.store.confirmations.release(pending.customer_id, pending.audit_id, self.worker_id)

    def _one(self, pending) -> bool:
        return self._confirm_one(pending)

    def _done(self) -> ConfirmationReport:
        if any((self.report.confirmed, self.report.not_confirmed, self.report.waiting, self.report.failed)):
            self.log.info('confirmation pass %s: %s', self.worker_id, self.report.summary())
        return self.report

    def _confirm_one(self, pending) -> bool:
        """Read one awaited change; False when the time ran out first (it stays awaited, unread)."""
        customer_id = pending.customer_id
        for _attempt in range(ATTEMPTS_PER_CHANGE):
            if not self.pacer.acquire(deadline=self.deadline):
                return False
            outcome = self._confirm(pending)
            if outcome != 'retry':
                break
        self.store.confirmations.release(
            customer_id, pending.audit_id, self.worker_id, checked_at=self.store.now(),
        )
        return True

    def _confirm(self, pending) -> str:
        """The outcome, ``retry`` (throttled: the pacer now waits) or ``failed``."""
        customer_id = pending.customer_id
        read, outcome = self._read(customer_id, lambda: self.service.confirm(pending))
        if read != 'done':
            return read
        {CONFIRMED: self.report.confirmed, NOT_CONFIRMED: self.report.not_confirmed}.get(
            outcome, self.report.waiting,
        ).append(customer_id)
        return outcome
