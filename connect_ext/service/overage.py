"""The overage service: read where a customer's overage goes, and change it safely.

Every adapter (web API, events, the scheduled sync, the sandbox) goes through this one class.
What it guarantees:

- facts are gathered from Partner Center in parallel where independent (customer, subscriptions
  and overage first, then the entitlements of each active Azure plan);
- every prerequisite rule runs before any write, and a blocking finding stops the change;
- a change is serialised per customer (across threads and, on PostgreSQL, across replicas),
  refused when based on a stale read (``If-Match`` against the ETag of Microsoft's state),
  written with one logical ``MS-RequestId`` (reused by every retry of that write), read back until
  Microsoft shows it (bounded), and recorded once in the audit trail whatever the outcome;
- a change Microsoft accepted but did not show within that bound (``unconfirmed``) is awaited:
  every later read of the customer's overage may confirm it, until ``CONFIRM_WITHIN_MINUTES``
  (:mod:`.confirmations`; :meth:`OverageService.confirm` is the background pass's unit);
- it is idempotent: asking for the state the customer is already in writes nothing to Microsoft.

Its answers are plain domain results (:mod:`.results`); the facts are read by :mod:`.gathering`
and each change's one audit entry is written by :mod:`.audit`. How they look on the web is the
web API's business (:mod:`connect_ext.api.presenters`), never this module's.
"""

import hashlib
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, List, Optional, Sequence

from connect_ext.config import Settings
from connect_ext.customers.refs import known_fields, ref_from_record
from connect_ext.errors.error import OverageError
from connect_ext.errors.microsoft import VISIBLE_OVG_SUBSCRIPTIONS, translate
from connect_ext.overage.attention import blocker_of
from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.overage.prerequisites import (
    Finding,
    Intent,
    blocking_findings,
    caller_may_act,
    evaluate,
)
from connect_ext.partner_center.errors import THROTTLED, TIMEOUT, UNAVAILABLE, PartnerCenterError
from connect_ext.partner_center.models import Overage
from connect_ext.service.audit import _AuditDraft
from connect_ext.service.confirmations import Confirmations, verdict
from connect_ext.service.creation import created_in, is_creation, shows
from connect_ext.service.gathering import FactsGatherer
from connect_ext.service.reads import SHARED_READ_SECONDS, shared_reads
from connect_ext.service.results import (
    Assignment,
    AuditedChange,
    ChangeResult,
    OverageOptions,
    OverageState,
)
from connect_ext.store.records import PendingConfirmationRecord
from connect_ext.vocabulary import (
    ASSIGNED_STATUSES,
    BLOCKING,
    CONFIRMED,
    DISABLE,
    ENABLE,
    FAILED,
    MOVE,
    NO_CHANGE,
    NOT_CONFIRMED,
    OWNER,
    STATUS_DISABLED,
    STATUS_ENABLED,
    STATUS_UNKNOWN,
    SUCCEEDED,
    UNCONFIRMED,
)


logger = logging.getLogger(__name__)

# Who reads when the scheduled sync reads: the extension itself, for its owner.
SYNC_CALLER = Caller(role=OWNER, account_id='overage-manager-sync')

# How a failed write may still have been applied (its answer lost, then retried into one of these).
_MAYBE_APPLIED = (TIMEOUT, UNAVAILABLE, THROTTLED)

# Seconds to wait between read-backs of a change Microsoft accepted but does not show yet.
DEFAULT_CONFIRM_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


def utcnow() -> datetime:
    return datetime.now(UTC)


def overage_etag(overage: Optional[Overage]) -> str:
    """A strong ETag of Microsoft's overage assignment: it changes exactly when the state does."""
    state = {
        'enabled': bool(overage and overage.overage_enabled),
        'azure_entitlement_id': (overage.azure_entitlement_id or '').lower() if overage else '',
        'partner_id': (overage.partner_id or '') if overage else '',
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:20]
    return f'"{digest}"'


def _matches(if_match: Any, etag: str) -> bool:
    """Whether a precondition holds for ``etag``: an object with ``matches`` (the web API's parsed
    ``If-Match``) or one tag compared strongly (callers of the service in code)."""
    if hasattr(if_match, 'matches'):
        return bool(if_match.matches(etag))
    return str(if_match).strip() == etag


class OverageService:
    def __init__(
        self,
        client,
        store,
        settings: Settings,
        *,
        executor: Optional[ThreadPoolExecutor] = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utcnow,
        confirm_delays: Sequence[float] = DEFAULT_CONFIRM_DELAYS,
        notify: Optional[Callable[[AuditedChange], Any]] = None,
        shared_read_seconds: float = SHARED_READ_SECONDS,
    ):
        self.client = client
        self.store = store
        self.settings = settings
        self.executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix='overage')
        self.sleep = sleep
        self.now = now
        self.confirm_delays = tuple(confirm_delays)
        self.notify = notify
        self._gatherer = FactsGatherer(
            client, self.executor, shared_reads(store, settings, self.now, shared_read_seconds))
        self.confirmations = Confirmations(
            store, within=timedelta(minutes=settings.confirm_within_minutes), now=self.now, notify=notify,
        )

    # -- reading ---------------------------------------------------------------------------------

    def gather(
        self, customer: CustomerRef, caller: Caller, *, correlation_id: Optional[str] = None,
        shared: bool = False,
    ) -> OverageFacts:
        """Every fact the rules need, read from Partner Center in parallel (:mod:`.gathering`);
        ``shared``: the read of requests at the same moment (:mod:`.reads`)."""
        return self._gatherer.gather(customer, caller, correlation_id=correlation_id, shared=shared)

    def state(self, customer: CustomerRef, caller: Caller, *, fresh: bool = False) -> OverageState:
        """Microsoft's state now (one read shared by requests at the same moment, unless
        ``fresh``), every finding, and the store brought up to date."""
        self._check_caller(customer, caller)
        facts = self.gather(customer, caller, shared=not fresh)
        pending = self.confirmations.settle(customer, facts.overage, facts=facts)
        state = self._state_of(facts, evaluate(facts, self.settings), pending)
        self._remember(state)
        return state

    def options(self, customer: CustomerRef, caller: Caller) -> OverageOptions:
        return OverageOptions(self.state(customer, caller))

    def history(self, customer: CustomerRef, caller: Caller, *, limit: int = 50, offset: int = 0):
        self._check_caller(customer, caller)
        return self.store.list_audit(customer_id=customer.customer_id, limit=limit, offset=offset)

    def refresh(self, customer: CustomerRef, *, may_judge: Callable[[], bool] = lambda: True) -> str:
        """Bring the store up to Microsoft's state; the scheduled sync's unit of work.

        One call (the overage assignment) when it says enough: off, or on to the Azure
        subscription the store already knows (whose owner it knows). When overage now goes to an
        Azure subscription the store has not seen, whose it is takes a full read (five calls),
        which only happens when someone changed it outside this extension. A customer the work
        queue never judged gets that full read too, when ``may_judge()`` allows it (the sync
        rations them); otherwise it keeps "not checked yet" until a later read or someone opens it.
        """
        if not customer.tenant_id:
            raise OverageError.from_code('TENANT_ID_UNKNOWN', customer_id=customer.customer_id)
        try:
            overage = self.client.get_overage(customer.tenant_id)
        except PartnerCenterError as error:
            raise translate(error, context={'tenant_id': customer.tenant_id}) from error
        return self._record_read(customer, overage, may_judge=may_judge)

    def confirm(self, pending: PendingConfirmationRecord) -> str:
        """Read Microsoft once for an awaited change and end it if that read decides it.

        The background pass's unit (one call, like :meth:`refresh`, whose bookkeeping it does too).
        Answers ``confirmed`` or ``not_confirmed`` when the change ended, ``unconfirmed`` while it
        is still awaited. When Microsoft cannot be read, raises the translated error — unless the
        deadline has passed, which ends the change as not confirmed.
        """
        record = self.store.get_customer(pending.customer_id)
        customer = ref_from_record(record) if record is not None else None
        try:
            if customer is None or not customer.tenant_id:
                raise OverageError.from_code('TENANT_ID_UNKNOWN', customer_id=pending.customer_id)
            try:
                overage = self.client.get_overage(customer.tenant_id)
            except PartnerCenterError as error:
                raise translate(error, context={'tenant_id': customer.tenant_id}) from error
        except OverageError:
            known = customer or CustomerRef(pending.customer_id, None)
            if self.confirmations.give_up_if_late(known, pending):
                return NOT_CONFIRMED
            raise
        decided = verdict(pending, overage, self.now())
        self._record_read(customer, overage, pending)
        return decided.outcome if decided else UNCONFIRMED

    def _record_read(self, customer: CustomerRef, overage: Optional[Overage],
                     pending: Optional[PendingConfirmationRecord] = None, *,
                     may_judge: Callable[[], bool] = lambda: True) -> str:
        """Store what one read of the overage assignment says and settle an awaited change by it."""
        pending = pending or self.confirmations.pending(customer.customer_id)
        decided = verdict(pending, overage, self.now()) if pending is not None else None
        if decided is not None and decided.outcome == CONFIRMED and is_creation(pending):
            return self.state(customer, SYNC_CALLER, fresh=True).status  # names what was created
        if decided is not None and decided.outcome == CONFIRMED and pending.to_enabled:
            status = STATUS_ENABLED  # our own change now shows: that Azure subscription is ours
        else:
            status = _status_from_record(overage, self.store.get_customer(customer.customer_id))
        if status == STATUS_UNKNOWN or (
                self.store.work_queue.unjudged(customer.customer_id, status) and may_judge()):
            # Reads in full, and settles; also once for a customer the work queue never judged.
            return self.state(customer, SYNC_CALLER, fresh=True).status
        self.store.record_overage_state(
            customer.customer_id,
            status=status,
            azure_entitlement_id=overage.azure_entitlement_id if overage else None,
            partner_id=overage.partner_id if overage else None,
            checked_at=self.now(),
        )
        if pending is not None:  # looked up above: none awaited costs no second look-up
            self.confirmations.settle(customer, overage, pending)
        return status

    # -- changing --------------------------------------------------------------------------------

    def enable(self, customer, caller, azure_subscription_id: str, *, if_match=None, actor_name=None):
        return self.change(
            customer,
            caller,
            Intent.enable(azure_subscription_id),
            if_match=if_match,
            actor_name=actor_name,
        )

    def create_azure_subscription(self, customer, caller, *, if_match=None, actor_name=None):
        """Enable (or move) overage to an Azure subscription Microsoft creates with the write."""
        return self.change(customer, caller, Intent.create(), if_match=if_match, actor_name=actor_name)

    def disable(self, customer, caller, *, if_match=None, actor_name=None):
        return self.change(customer, caller, Intent.disable(), if_match=if_match, actor_name=actor_name)

    def change(
        self,
        customer: CustomerRef,
        caller: Caller,
        intent: Intent,
        *,
        if_match: Optional[str] = None,
        actor_name: Optional[str] = None,
    ) -> ChangeResult:
        """Enable, move or disable, with every guarantee of the module docstring.

        From the moment the customer's lock is held, the operation is audited exactly once,
        however it ends: refused by a rule, stale, Microsoft unreachable while reading, rejected,
        or done — and done is recorded before anything else can fail.
        """
        self._check_caller(customer, caller)
        with self.store.customer_lock(customer.customer_id):
            default_action = DISABLE if intent.action == Intent.DISABLE else ENABLE
            audit = _AuditDraft(
                self.store, customer, caller, actor_name, default_action, intent,
                now=self.now, notify=self.notify,
            )
            try:
                return self._change_locked(customer, caller, intent, if_match, audit)
            except OverageError as error:
                if not audit.recorded:
                    audit.record(FAILED, error=error)
                raise
            except Exception:
                if not audit.recorded:
                    audit.record(FAILED, error=OverageError.from_code('INTERNAL_ERROR'))
                raise
            finally:
                self._gatherer.reads.forget(customer)  # no read from before it answers after it

    def _change_locked(self, customer, caller, intent, if_match, audit) -> ChangeResult:
        correlation_id = str(uuid.uuid4())
        audit.ids['ms_correlation_id'] = correlation_id
        facts = self.gather(customer, caller, correlation_id=correlation_id)
        audit.before, audit.action = facts.overage, self._action_of(facts, intent)
        audit.learn_names(facts)
        findings = evaluate(facts, self.settings, intent)
        pending = self.confirmations.settle(customer, facts.overage, facts=facts)
        state = self._state_of(facts, findings, pending)
        self._remember(state)
        if if_match is not None and not _matches(if_match, state.etag):
            raise OverageError.from_code('STALE_STATE', details={'etag': state.etag})
        blocking = blocking_findings(findings, intent)
        if blocking:
            raise OverageError.from_finding(blocking[0], findings=blocking)
        warnings = [f for f in findings if f.severity != BLOCKING]
        # While an earlier change is awaited, Microsoft's setting is about to move: asking for the
        # one it still shows is a change too (it undoes the awaited one), written like any other.
        if shows(facts.overage, intent, facts.overage) and pending is None:
            audit_id = audit.record(NO_CHANGE)
            return ChangeResult(state, audit.action, NO_CHANGE, audit_id, warnings=warnings)
        return self._write(customer, caller, facts, intent, audit, warnings, correlation_id, pending)

    def _write(self, customer, caller, facts, intent, audit, warnings, correlation_id, pending=None):
        request_id = str(uuid.uuid4())
        audit.ids['ms_request_id'] = request_id
        enabling, creating = intent.enabling, intent.action == Intent.CREATE
        target_entitlement = (
            intent.azure_subscription_id
            if enabling
            # Disabling names the Azure subscription Microsoft holds: the one it shows, else the
            # awaited change's (Microsoft already has it, it does not show it yet).
            else (facts.overage.azure_entitlement_id if facts.overage else None)
            or (pending.to_entitlement or pending.from_entitlement if pending else None)
        )
        try:
            self.client.update_overage(
                customer.tenant_id,
                enabled=enabling,
                azure_entitlement_id=target_entitlement,
                partner_id=customer.reseller_mpn or None,
                request_id=request_id,
                correlation_id=correlation_id,
                create=creating,
                resource_group=self.settings.resource_group if creating else None,
            )
        except PartnerCenterError as error:
            # A time-out, an outage or throttling after a lost answer may hide a write Microsoft
            # applied: read it back before calling it failed.
            confirmed, shown = (
                self._confirm(customer, intent, correlation_id, facts)
                if error.kind in _MAYBE_APPLIED else (False, None)
            )
            if not confirmed:
                raise translate(
                    error,
                    context={
                        'tenant_id': customer.tenant_id,
                        'azure_subscription_id': intent.azure_subscription_id,
                        # Microsoft counts every partner's OVG subscriptions; we see only ours.
                        VISIBLE_OVG_SUBSCRIPTIONS: len(facts.active_ovg_subscriptions),
                    },
                ) from error
            outcome = SUCCEEDED
        else:
            confirmed, shown = self._confirm(customer, intent, correlation_id, facts)
            outcome = SUCCEEDED if confirmed else UNCONFIRMED
        facts_after = None
        if creating and outcome == SUCCEEDED:
            # Name what Microsoft created in the answer, the audit entry and the webhook.
            facts_after = self._gather_after(customer, caller, correlation_id)
            audit.created = created_in(
                facts_after.overage if facts_after else shown, facts_after,
                [plan.id for plan in facts.subscriptions if plan.is_azure_plan],
            )
        audit_id = audit.record(outcome)
        pending = self._follow_up(customer, caller, intent, audit, outcome, audit_id)
        written = Overage(
            azure_entitlement_id=audit.created.azure_subscription_id if audit.created else target_entitlement,
            overage_enabled=enabling,
            partner_id=customer.reseller_mpn or (facts.overage.partner_id if facts.overage else None),
        )
        facts_after = facts_after or self._gather_after(customer, caller, correlation_id)
        if facts_after is None:
            # The change is made and audited; only the fresh picture is missing. Show what was written.
            facts_after = replace(facts, overage=written if outcome == SUCCEEDED else facts.overage)
        elif pending is not None:
            pending = self.confirmations.settle(customer, facts_after.overage, pending, facts=facts_after)
        state = self._state_of(facts_after, evaluate(facts_after, self.settings), pending)
        self._remember(state)
        return ChangeResult(
            state,
            audit.action,
            outcome,
            audit_id,
            request_id,
            correlation_id,
            warnings,
            audit.created,
        )

    def _gather_after(self, customer, caller, correlation_id) -> Optional[OverageFacts]:
        """The facts after a change; None when they cannot be read (the change is made anyway)."""
        try:
            return self.gather(customer, caller, correlation_id=correlation_id)
        except OverageError as error:
            logger.warning('Re-read after the change of %s failed: %s', customer.customer_id, error)
            return None

    def _follow_up(self, customer, caller, intent, audit, outcome, audit_id):
        """After an accepted write: end the change awaited before it, and await this one if
        Microsoft does not show it yet. The change is made and audited whatever happens here."""
        requested = Assignment.requested(intent)
        try:
            self.confirmations.supersede(customer, requested, outcome == SUCCEEDED, audit_id)
            if outcome != UNCONFIRMED:
                return None
            return self.confirmations.await_change(
                customer, caller, audit.actor_name, audit.action, Assignment.of(audit.before), requested,
                audit_id,
            )
        except Exception:
            logger.exception('Could not record that change %s of %s awaits Microsoft', audit_id,
                             customer.customer_id)
            return None

    def _confirm(self, customer: CustomerRef, intent: Intent, correlation_id: str, facts):
        """Read back until Microsoft shows the change: (True, what it showed), or (False, None)
        when the bound runs out. ``facts``: read before the write (a created Azure subscription is
        one overage did not go to then)."""
        for delay in (0.0, *self.confirm_delays):
            if delay:
                self.sleep(delay)
            try:
                shown = self.client.get_overage(customer.tenant_id, correlation_id=correlation_id)
                if shows(shown, intent, facts.overage):
                    return True, shown
            except PartnerCenterError as error:
                logger.warning('Read-back of the overage of %s failed: %s', customer.customer_id, error)
        return False, None

    # -- helpers ---------------------------------------------------------------------------------

    def _check_caller(self, customer: CustomerRef, caller: Caller) -> None:
        """The caller-not-allowed rule, applied before Microsoft is called at all."""
        if not caller_may_act(OverageFacts(customer=customer, caller=caller)):
            raise OverageError.from_code('CALLER_NOT_ALLOWED')

    def _state_of(self, facts: OverageFacts, findings: List[Finding],
                  pending: Optional[PendingConfirmationRecord] = None) -> OverageState:
        return OverageState(
            facts=facts,
            status=facts.overage_status,
            findings=findings,
            etag=overage_etag(facts.overage),
            checked_at=self.now(),
            pending=pending,
        )

    def _remember(self, state: OverageState) -> None:
        customer, overage = state.customer, state.facts.overage
        ovg = state.facts.active_ovg_subscriptions
        self.store.upsert_customer(
            customer.customer_id,
            **known_fields(customer),
            ovg_subscription_count=len(ovg),
        )
        self.store.record_overage_state(
            customer.customer_id,
            status=state.status,
            azure_entitlement_id=overage.azure_entitlement_id if overage else None,
            partner_id=overage.partner_id if overage else None,
            checked_at=state.checked_at,
        )
        # The work queue: what stops this customer, judged from this full read (overage/attention.py).
        self.store.work_queue.judged(customer.customer_id, blocker_of(state.facts, self.settings),
                                     at=state.checked_at)

    @staticmethod
    def _action_of(facts: OverageFacts, intent: Intent) -> str:
        if intent.action == Intent.DISABLE:
            return DISABLE
        if facts.overage and facts.overage.overage_enabled:
            return MOVE
        return ENABLE


def _status_from_record(overage: Optional[Overage], record) -> str:
    if not (overage and overage.overage_enabled):
        return STATUS_DISABLED
    known = (record.azure_entitlement_id or '').lower() if record else ''
    if (
        record
        and record.overage_status in ASSIGNED_STATUSES
        and known == (overage.azure_entitlement_id or '').lower()
    ):
        return record.overage_status
    return STATUS_UNKNOWN
