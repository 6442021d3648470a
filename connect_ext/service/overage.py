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
- it is idempotent: asking for the state the customer is already in writes nothing to Microsoft.
"""

import hashlib
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence

from connect_ext.cache import BoundedCache
from connect_ext.config import Settings
from connect_ext.errors.error import OverageError
from connect_ext.errors.microsoft import translate
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


logger = logging.getLogger(__name__)

# Who reads when the scheduled sync reads: the extension itself, for its owner.
SYNC_CALLER = Caller(role='owner', account_id='overage-manager-sync')

# How a failed write may still have been applied (its answer lost, then retried into one of these).
_MAYBE_APPLIED = (TIMEOUT, UNAVAILABLE, THROTTLED)

# Seconds to wait between read-backs of a change Microsoft accepted but does not show yet.
DEFAULT_CONFIRM_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def overage_etag(overage: Optional[Overage]) -> str:
    """A strong ETag of Microsoft's overage assignment: it changes exactly when the state does."""
    state = {
        'enabled': bool(overage and overage.overage_enabled),
        'azure_entitlement_id': (overage.azure_entitlement_id or '').lower() if overage else '',
        'partner_id': (overage.partner_id or '') if overage else '',
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:20]
    return f'"{digest}"'


def _shows(overage: Optional[Overage], intent: Intent) -> bool:
    """Whether Microsoft's overage already is what ``intent`` asks for."""
    if intent.action == Intent.DISABLE:
        return not (overage and overage.overage_enabled)
    return bool(
        overage
        and overage.overage_enabled
        and (overage.azure_entitlement_id or '').lower() == intent.azure_subscription_id.lower()
    )


@dataclass(frozen=True)
class OverageState:
    """What ``GET /customers/{id}/overage`` shows: Microsoft's state read now, and the findings."""

    facts: OverageFacts
    status: str
    findings: List[Finding]
    etag: str
    checked_at: datetime

    @property
    def customer(self) -> CustomerRef:
        return self.facts.customer

    def to_dict(self) -> Dict[str, Any]:
        overage = self.facts.overage
        entitlement_id = overage.azure_entitlement_id if overage else None
        plan, subscription = _locate_entitlement(self.facts, self.facts.current_azure_subscription_id)
        return {
            'customer': _customer_dict(self.customer),
            'status': self.status,
            'enabled': bool(overage and overage.overage_enabled),
            'azure_subscription_id': entitlement_id,
            'partner_id': overage.partner_id if overage else None,
            'azure_plan': plan,
            'azure_subscription': subscription,
            'ovg_subscriptions': [
                {
                    'id': sub.id,
                    'offer_id': sub.offer_id,
                    'name': sub.friendly_name or sub.offer_name,
                    'status': sub.status,
                    'partner_id': sub.partner_id,
                }
                for sub in self.facts.subscriptions
                if sub.is_overage_capable
            ],
            'findings': [finding.to_dict() for finding in self.findings],
            'etag': self.etag,
            'checked_at': self.checked_at.isoformat(),
        }


@dataclass(frozen=True)
class OverageOptions:
    """The Azure plans and subscriptions that may receive the overage; whether None may be set."""

    state: OverageState

    def to_dict(self) -> Dict[str, Any]:
        facts = self.state.facts
        current = (facts.current_azure_subscription_id or '').lower()
        plans = []
        for plan in facts.active_azure_plans:
            plans.append(
                {
                    'subscription_id': plan.id,
                    'name': plan.friendly_name or plan.offer_name,
                    'offer_id': plan.offer_id,
                    'status': plan.status,
                    'azure_subscriptions': [
                        {
                            'id': ent.id,
                            'name': ent.friendly_name,
                            'status': ent.status,
                            'eligible': facts.is_eligible(ent.id),
                            'current': ent.id.lower() == current and self.state.status == 'enabled',
                        }
                        for ent in facts.entitlements_of(plan.id)
                    ],
                }
            )
        return {
            'customer': _customer_dict(facts.customer),
            'status': self.state.status,
            'azure_plans': plans,
            'can_enable': not blocking_findings(self.state.findings, Intent.ENABLE),
            'can_disable': not blocking_findings(self.state.findings, Intent.DISABLE),
            'findings': [finding.to_dict() for finding in self.state.findings],
            'etag': self.state.etag,
        }


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of an enable, move or disable, as recorded in the audit trail."""

    state: OverageState
    action: str
    outcome: str  # succeeded | no_change | unconfirmed
    audit_id: Any
    ms_request_id: Optional[str] = None
    ms_correlation_id: Optional[str] = None
    warnings: List[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.outcome in ('succeeded', 'unconfirmed')

    def to_dict(self) -> Dict[str, Any]:
        body = self.state.to_dict()
        body['change'] = {
            'action': self.action,
            'outcome': self.outcome,
            'audit_id': self.audit_id,
            'ms_request_id': self.ms_request_id,
            'ms_correlation_id': self.ms_correlation_id,
        }
        return body


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
        notify: Optional[Callable[[Dict[str, Any]], None]] = None,
    ):
        self.client = client
        self.store = store
        self.settings = settings
        self.executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix='overage')
        self.sleep = sleep
        self.now = now
        self.confirm_delays = tuple(confirm_delays)
        self.notify = notify
        # tenant -> the Azure plan subscription ids seen at its last read (see gather()).
        self._plan_ids = BoundedCache(50_000)

    # -- reading ---------------------------------------------------------------------------------

    def gather(
        self, customer: CustomerRef, caller: Caller, *, correlation_id: Optional[str] = None
    ) -> OverageFacts:
        """Every fact the rules need, read from Partner Center now, in parallel.

        The entitlements of an Azure plan can only be listed once the plan's subscription id is
        known, which would make two rounds of calls. The plan ids seen at the last read of this
        tenant are listed speculatively in the first round; a second round happens only for
        plans that were not known (a new plan), so an ordinary read costs one round.
        """
        if not customer.tenant_id:
            raise OverageError.from_code('TENANT_ID_UNKNOWN', customer_id=customer.customer_id)
        tenant = customer.tenant_id
        correlation_id = correlation_id or str(uuid.uuid4())
        known_plans = self._plan_ids.get(tenant.lower(), ())
        calls = {
            'ms_customer': (self.client.get_customer, (tenant,), {'include_qualifications': False}),
            'qualifications': (self.client.get_qualifications, (tenant,), {}),
            'subscriptions': (self.client.list_subscriptions, (tenant,), {}),
            'overage': (self.client.get_overage, (tenant,), {}),
        }
        for plan_id in known_plans:
            calls[('plan', plan_id)] = (self.client.list_azure_entitlements, (tenant, plan_id), {})
        first = self._in_parallel(calls, correlation_id, customer, tolerate=set(known_plans))
        # Every Azure plan, whatever its status: overage pointing at a subscription of a suspended
        # plan is still ours, and must not look like another partner's.
        plans = [sub.id for sub in first['subscriptions'] if sub.is_azure_plan]
        entitlements = {plan_id: first[('plan', plan_id)] for plan_id in plans if ('plan', plan_id) in first}
        missing = [plan_id for plan_id in plans if plan_id not in entitlements]
        entitlements.update(
            self._in_parallel(
                {
                    plan_id: (self.client.list_azure_entitlements, (tenant, plan_id), {})
                    for plan_id in missing
                },
                correlation_id,
                customer,
            )
        )
        self._plan_ids.put(tenant.lower(), tuple(plans))
        ms_customer = first['ms_customer']
        ms_customer.qualifications = list(first['qualifications'])
        return OverageFacts(
            customer=customer,
            caller=caller,
            ms_customer=ms_customer,
            subscriptions=list(first['subscriptions']),
            entitlements={plan_id: list(items) for plan_id, items in entitlements.items()},
            # Microsoft answers an empty collection when overage was never set: that is "off".
            overage=first['overage'] or Overage(overage_enabled=False),
        )

    def state(self, customer: CustomerRef, caller: Caller) -> OverageState:
        """Microsoft's state now, every finding, and the store brought up to date."""
        self._check_caller(customer, caller)
        facts = self.gather(customer, caller)
        state = self._state_of(facts, evaluate(facts, self.settings))
        self._remember(state)
        return state

    def options(self, customer: CustomerRef, caller: Caller) -> OverageOptions:
        return OverageOptions(self.state(customer, caller))

    def history(self, customer: CustomerRef, caller: Caller, *, limit: int = 50, offset: int = 0):
        self._check_caller(customer, caller)
        return self.store.list_audit(customer_id=customer.customer_id, limit=limit, offset=offset)

    def refresh(self, customer: CustomerRef) -> str:
        """Bring the store up to Microsoft's state; the scheduled sync's unit of work.

        One call (the overage assignment) when it says enough: off, or on to the Azure
        subscription the store already knows (whose owner it knows). When overage now goes to an
        Azure subscription the store has not seen, whose it is takes a full read (five calls),
        which only happens when someone changed it outside this extension.
        """
        if not customer.tenant_id:
            raise OverageError.from_code('TENANT_ID_UNKNOWN', customer_id=customer.customer_id)
        try:
            overage = self.client.get_overage(customer.tenant_id)
        except PartnerCenterError as error:
            raise translate(error, context={'tenant_id': customer.tenant_id}) from error
        status = _status_from_record(overage, self.store.get_customer(customer.customer_id))
        if status == 'unknown':
            return self.state(customer, SYNC_CALLER).status
        self.store.record_overage_state(
            customer.customer_id,
            status=status,
            azure_entitlement_id=overage.azure_entitlement_id if overage else None,
            partner_id=overage.partner_id if overage else None,
            checked_at=self.now(),
        )
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
            default_action = 'disable' if intent.action == Intent.DISABLE else 'enable'
            audit = _AuditDraft(self, customer, caller, actor_name, default_action, None, intent)
            try:
                return self._change_locked(customer, caller, intent, if_match, audit)
            except OverageError as error:
                if not audit.recorded:
                    audit.record('failed', error=error)
                raise
            except Exception:
                if not audit.recorded:
                    audit.record('failed', error=OverageError.from_code('INTERNAL_ERROR'))
                raise

    def _change_locked(self, customer, caller, intent, if_match, audit) -> ChangeResult:
        correlation_id = str(uuid.uuid4())
        audit.ids['ms_correlation_id'] = correlation_id
        facts = self.gather(customer, caller, correlation_id=correlation_id)
        audit.before, audit.action = facts.overage, self._action_of(facts, intent)
        findings = evaluate(facts, self.settings, intent)
        state = self._state_of(facts, findings)
        self._remember(state)
        if if_match and if_match.strip() != state.etag:
            raise OverageError.from_code('STALE_STATE', details={'etag': state.etag})
        blocking = blocking_findings(findings, intent)
        if blocking:
            raise OverageError.from_finding(blocking[0], findings=blocking)
        warnings = [f for f in findings if f.severity != 'blocking']
        if _shows(facts.overage, intent):
            audit_id = audit.record('no_change')
            return ChangeResult(state, audit.action, 'no_change', audit_id, warnings=warnings)
        return self._write(customer, caller, facts, intent, audit, warnings, correlation_id)

    def _write(self, customer, caller, facts, intent, audit, warnings, correlation_id):
        request_id = str(uuid.uuid4())
        audit.ids['ms_request_id'] = request_id
        enabling = intent.action == Intent.ENABLE
        target_entitlement = (
            intent.azure_subscription_id
            if enabling
            else (facts.overage.azure_entitlement_id if facts.overage else None)
        )
        try:
            self.client.update_overage(
                customer.tenant_id,
                enabled=enabling,
                azure_entitlement_id=target_entitlement,
                partner_id=customer.reseller_mpn or None,
                request_id=request_id,
                correlation_id=correlation_id,
            )
        except PartnerCenterError as error:
            # A time-out, an outage or throttling after a lost answer may hide a write Microsoft
            # applied: read it back before calling it failed.
            if error.kind not in _MAYBE_APPLIED or not self._confirm(customer, intent, correlation_id):
                raise translate(
                    error,
                    context={
                        'tenant_id': customer.tenant_id,
                        'azure_subscription_id': intent.azure_subscription_id,
                    },
                ) from error
            outcome = 'succeeded'
        else:
            outcome = 'succeeded' if self._confirm(customer, intent, correlation_id) else 'unconfirmed'
        audit_id = audit.record(outcome)
        written = Overage(
            azure_entitlement_id=target_entitlement,
            overage_enabled=enabling,
            partner_id=customer.reseller_mpn or (facts.overage.partner_id if facts.overage else None),
        )
        try:
            facts_after = self.gather(customer, caller, correlation_id=correlation_id)
        except OverageError as error:
            # The change is made and audited; only the fresh picture is missing. Show what was written.
            logger.warning('Re-read after the change of %s failed: %s', customer.customer_id, error)
            facts_after = replace(facts, overage=written if outcome == 'succeeded' else facts.overage)
        state = self._state_of(facts_after, evaluate(facts_after, self.settings))
        self._remember(state)
        return ChangeResult(
            state,
            audit.action,
            outcome,
            audit_id,
            request_id,
            correlation_id,
            warnings,
        )

    def _confirm(self, customer: CustomerRef, intent: Intent, correlation_id: str) -> bool:
        """Read back until Microsoft shows the change; False when the bound runs out."""
        for delay in (0.0, *self.confirm_delays):
            if delay:
                self.sleep(delay)
            try:
                if _shows(
                    self.client.get_overage(customer.tenant_id, correlation_id=correlation_id),
                    intent,
                ):
                    return True
            except PartnerCenterError as error:
                logger.warning('Read-back of the overage of %s failed: %s', customer.customer_id, error)
        return False

    # -- helpers ---------------------------------------------------------------------------------

    def _in_parallel(self, calls, correlation_id, customer, tolerate=()) -> Dict[Any, Any]:
        """Run ``calls`` (key -> (function, args, kwargs)) at once and raise the first failure,
        translated; failures of the speculative plan reads (ids in ``tolerate``) are dropped."""
        futures = {
            key: self.executor.submit(func, *args, correlation_id=correlation_id, **kwargs)
            for key, (func, args, kwargs) in calls.items()
        }
        results, first_error = {}, None
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except PartnerCenterError as error:
                if not (isinstance(key, tuple) and key[1] in tolerate):
                    first_error = first_error or error
        if first_error:
            raise translate(first_error, context={'tenant_id': customer.tenant_id}) from first_error
        return results

    def _check_caller(self, customer: CustomerRef, caller: Caller) -> None:
        """The caller-not-allowed rule, applied before Microsoft is called at all."""
        if not caller_may_act(OverageFacts(customer=customer, caller=caller)):
            raise OverageError.from_code('CALLER_NOT_ALLOWED')

    def _state_of(self, facts: OverageFacts, findings: List[Finding]) -> OverageState:
        return OverageState(
            facts=facts,
            status=facts.overage_status,
            findings=findings,
            etag=overage_etag(facts.overage),
            checked_at=self.now(),
        )

    def _remember(self, state: OverageState) -> None:
        customer, overage = state.customer, state.facts.overage
        ovg = state.facts.active_ovg_subscriptions
        self.store.upsert_customer(
            customer.customer_id,
            tenant_id=customer.tenant_id,
            name=customer.name,
            country=customer.country,
            tier1_id=customer.tier1_id,
            tier2_id=customer.tier2_id,
            reseller_mpn=customer.reseller_mpn,
            ovg_subscription_count=len(ovg),
        )
        self.store.record_overage_state(
            customer.customer_id,
            status=state.status,
            azure_entitlement_id=overage.azure_entitlement_id if overage else None,
            partner_id=overage.partner_id if overage else None,
            checked_at=state.checked_at,
        )

    @staticmethod
    def _action_of(facts: OverageFacts, intent: Intent) -> str:
        if intent.action == Intent.DISABLE:
            return 'disable'
        if facts.overage and facts.overage.overage_enabled:
            return 'move'
        return 'enable'


class _AuditDraft:
    """One operation's audit entry, written exactly once, whatever the outcome."""

    def __init__(self, service, customer, caller, actor_name, action, before, intent):
        self.service, self.customer, self.caller = service, customer, caller
        self.actor_name, self.action, self.before, self.intent = actor_name, action, before, intent
        self.recorded = False
        # The Microsoft ids of the operation, filled in as they are chosen.
        self.ids: Dict[str, Optional[str]] = {}

    def record(self, outcome: str, *, error: Optional[OverageError] = None) -> Any:
        ids = self.ids
        assert not self.recorded, 'an operation is audited once'
        self.recorded = True
        enabling = self.intent.action == Intent.ENABLE
        entry = self.service.store.record_audit(
            customer_id=self.customer.customer_id,
            tenant_id=self.customer.tenant_id,
            at=self.service.now(),
            actor_type=self.caller.role,
            actor_id=self.caller.account_id,
            actor_name=self.actor_name,
            action=self.action,
            from_entitlement=self.before.azure_entitlement_id if self.before else None,
            from_enabled=bool(self.before and self.before.overage_enabled),
            to_entitlement=self.intent.azure_subscription_id if enabling else None,
            to_enabled=enabling,
            outcome=outcome,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            ms_request_id=ids.get('ms_request_id'),
            ms_correlation_id=ids.get('ms_correlation_id') or _microsoft_correlation(error),
            details={'microsoft': error.details.get('microsoft')} if error and error.details else {},
        )
        if self.service.notify:
            self.service.notify(
                {
                    'type': f'overage.{self.action}.{outcome}',
                    'customer_id': self.customer.customer_id,
                    'tenant_id': self.customer.tenant_id,
                    'audit_id': entry.id,
                    'from': {
                        'enabled': bool(self.before and self.before.overage_enabled),
                        'azure_subscription_id': self.before.azure_entitlement_id if self.before else None,
                    },
                    'to': {
                        'enabled': enabling,
                        'azure_subscription_id': self.intent.azure_subscription_id if enabling else None,
                    },
                    'error': error.to_body()['error'] if error else None,
                }
            )
        return entry.id


def _microsoft_correlation(error: Optional[OverageError]) -> Optional[str]:
    microsoft = (error.details or {}).get('microsoft') if error else None
    return microsoft.get('correlation_id') if isinstance(microsoft, dict) else None


def _status_from_record(overage: Optional[Overage], record) -> str:
    if not (overage and overage.overage_enabled):
        return 'disabled'
    known = (record.azure_entitlement_id or '').lower() if record else ''
    if (
        record
        and record.overage_status in ('enabled', 'other_partner')
        and known == (overage.azure_entitlement_id or '').lower()
    ):
        return record.overage_status
    return 'unknown'


def _locate_entitlement(facts: OverageFacts, entitlement_id: Optional[str]):
    if not entitlement_id:
        return None, None
    entitlement = facts.find_entitlement(entitlement_id)
    if entitlement is None:
        return None, {'id': entitlement_id, 'name': None, 'status': None}
    plan = facts.plan_of(entitlement)
    return (
        {'subscription_id': plan.id, 'name': plan.friendly_name or plan.offer_name} if plan else None,
        {'id': entitlement.id, 'name': entitlement.friendly_name, 'status': entitlement.status},
    )


def _customer_dict(customer: CustomerRef) -> Dict[str, Any]:
    return {
        'id': customer.customer_id,
        'name': customer.name,
        'tenant_id': customer.tenant_id,
        'country': customer.country,
        'tier1_id': customer.tier1_id,
        'tier2_id': customer.tier2_id,
    }
