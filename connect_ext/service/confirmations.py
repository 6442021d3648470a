"""Changes Microsoft accepted but did not show yet: awaited in the background, then ended once.

Microsoft's change can take a while to show (its own sample reads back and may find it "hasn't
completed yet"). The interactive answer stays bounded — a few read-backs, then ``unconfirmed``
(202) — and the change is then *awaited*: every later read of the customer's overage (the
background pass, the scheduled sync, a page that reads Microsoft, the next change) asks
:func:`verdict` whether that read decides it:

- it shows the requested setting: **confirmed**;
- it shows neither the setting before the change nor the requested one: someone else changed it,
  **not confirmed** (``changed_elsewhere``);
- it still shows the setting before the change once ``CONFIRM_WITHIN_MINUTES`` passed (or
  Microsoft could not be read by then): **not confirmed** (``deadline_passed``);
- a newer change of the customer was accepted: the awaited one is **superseded** (not confirmed;
  confirmed instead when Microsoft shows the same setting the newer one asked for);
- otherwise it is still awaited.

Each awaited change ends exactly once: its follow-up audit entry is written together with the
removal of its pending row (:meth:`connect_ext.store.confirmations.PendingConfirmations.finish`),
and only the one that removes the row notifies (``overage.<action>.confirmed`` or
``.not_confirmed``).
"""
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Optional, Tuple

from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.partner_center.models import Overage
from connect_ext.service.audit import record_follow_up
from connect_ext.service.creation import created_in, is_creation
from connect_ext.service.results import Assignment, AuditedChange
from connect_ext.store.records import PendingConfirmationRecord
from connect_ext.vocabulary import (
    CONFIRMED,
    NOT_CONFIRMED,
    REASON_CHANGED_ELSEWHERE,
    REASON_DEADLINE_PASSED,
    REASON_SUPERSEDED,
)


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """How an awaited change ends: ``confirmed``, or ``not_confirmed`` and why."""

    outcome: str
    reason: Optional[str] = None


def _setting(enabled: Optional[bool], azure_subscription_id: Optional[str]) -> Tuple[bool, str]:
    """A setting as compared here: on (to which Azure subscription, any case) or off."""
    return (True, (azure_subscription_id or '').strip().lower()) if enabled else (False, '')


def shown_setting(overage: Optional[Overage]) -> Tuple[bool, str]:
    """What Microsoft shows (None: never set, which is off)."""
    if overage is None:
        return _setting(False, None)
    return _setting(overage.overage_enabled, overage.azure_entitlement_id)


def verdict(
    pending: PendingConfirmationRecord, overage: Optional[Overage], now: datetime,
) -> Optional[Verdict]:
    """What this read of Microsoft (``overage``) at ``now`` decides; None: still awaited."""
    shown = shown_setting(overage)
    before = _setting(pending.from_enabled, pending.from_entitlement)
    if pending.to_enabled and not pending.to_entitlement:
        # An Azure subscription Microsoft creates: confirmed once overage goes to another one
        # than before (its id is only known then).
        if shown[0] and shown[1] and shown != before:
            return Verdict(CONFIRMED)
    elif shown == _setting(pending.to_enabled, pending.to_entitlement):
        return Verdict(CONFIRMED)
    if shown != before:
        return Verdict(NOT_CONFIRMED, REASON_CHANGED_ELSEWHERE)
    if now >= pending.confirm_by:
        return Verdict(NOT_CONFIRMED, REASON_DEADLINE_PASSED)
    return None


class Confirmations:
    """The overage service's awaited changes, on its store, clock and notifier."""

    def __init__(
        self,
        store,
        *,
        within: timedelta,
        now: Callable[[], datetime],
        notify: Optional[Callable[[AuditedChange], Any]] = None,
    ):
        self.store = store
        self.within = within
        self.now = now
        self.notify = notify

    def pending(self, customer_id: str) -> Optional[PendingConfirmationRecord]:
        return self.store.confirmations.get(customer_id)

    def await_change(
        self,
        customer: CustomerRef,
        caller: Caller,
        actor_name: Optional[str],
        action: str,
        before: Assignment,
        requested: Assignment,
        audit_id: int,
    ) -> Optional[PendingConfirmationRecord]:
        """Await the change audited as ``audit_id`` (``unconfirmed``) for ``CONFIRM_WITHIN_MINUTES``."""
        requested_at = self.now()
        replaced = self.store.confirmations.begin(
            customer.customer_id,
            action=action,
            from_enabled=before.enabled,
            from_entitlement=before.azure_subscription_id,
            to_enabled=requested.enabled,
            to_entitlement=requested.azure_subscription_id,
            audit_id=audit_id,
            requested_at=requested_at,
            confirm_by=requested_at + self.within,
            actor_type=caller.role,
            actor_id=caller.account_id,
            actor_name=actor_name,
        )
        if replaced is not None:
            # Not expected: changes hold the customer's lock and end the awaited one first.
            logger.warning('An awaited change of %s was replaced by change %s',
                           customer.customer_id, audit_id)
            self._end(customer, replaced, Verdict(NOT_CONFIRMED, REASON_SUPERSEDED),
                      superseded_by=audit_id, removed=True)
        return self.pending(customer.customer_id)

    def settle(
        self,
        customer: CustomerRef,
        overage: Optional[Overage],
        pending: Optional[PendingConfirmationRecord] = None,
        facts: Optional[OverageFacts] = None,
    ) -> Optional[PendingConfirmationRecord]:
        """Decide the customer's awaited change by this read of Microsoft; what is still awaited.

        ``facts``: the full read ``overage`` came with, which names the Azure subscription and plan
        Microsoft created for an awaited creation."""
        pending = pending or self.pending(customer.customer_id)
        if pending is None:
            return None
        decided = verdict(pending, overage, self.now())
        if decided is None:
            return pending
        created = None
        if decided.outcome == CONFIRMED and is_creation(pending):
            # Which plans existed before is not kept with the awaited change: whether the plan is
            # new stays unsaid (None) here.
            created = created_in(overage, facts)
            created = replace(created, new_azure_plan=None) if created is not None else None
        self._end(customer, pending, decided, created=created)
        return None

    def give_up_if_late(self, customer: CustomerRef, pending: PendingConfirmationRecord) -> bool:
        """Microsoft could not be read: past its deadline, the change is not confirmed (True)."""
        if self.now() < pending.confirm_by:
            return False
        self._end(customer, pending, Verdict(NOT_CONFIRMED, REASON_DEADLINE_PASSED))
        return True

    def supersede(self, customer: CustomerRef, requested: Assignment, shown: bool, audit_id: int) -> None:
        """A newer change (``audit_id``, asking for ``requested``) was accepted: end the awaited one.

        ``shown``: Microsoft already shows ``requested``; an awaited change that asked for the same
        setting is then confirmed rather than superseded.
        """
        pending = self.pending(customer.customer_id)
        if pending is None:
            return
        same = (_setting(pending.to_enabled, pending.to_entitlement)
                == _setting(requested.enabled, requested.azure_subscription_id))
        if shown and same:
            self._end(customer, pending, Verdict(CONFIRMED))
        else:
            self._end(customer, pending, Verdict(NOT_CONFIRMED, REASON_SUPERSEDED), superseded_by=audit_id)

    def _end(
        self,
        customer: CustomerRef,
        pending: PendingConfirmationRecord,
        decided: Verdict,
        *,
        superseded_by: Optional[int] = None,
        removed: bool = False,
        created=None,
    ) -> Optional[int]:
        return record_follow_up(
            self.store, customer, pending, decided.outcome, decided.reason,
            superseded_by=superseded_by, removed=removed, now=self.now, notify=self.notify,
            created=created,
        )
