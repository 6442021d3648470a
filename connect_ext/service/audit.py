"""The audit trail of a change: exactly one entry per operation, whatever its outcome.

:class:`_AuditDraft` collects what the operation learns as it goes (the state before, the action,
the Microsoft ids) and :meth:`_AuditDraft.record` writes the entry once, then hands the same facts
to the service's ``notify`` as an :class:`~connect_ext.service.results.AuditedChange`.
"""
from typing import Any, Callable, Dict, Optional

from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.overage.prerequisites import Intent
from connect_ext.partner_center.models import Overage
from connect_ext.service.results import Assignment, AuditedChange


class _AuditDraft:
    """One operation's audit entry, written exactly once, whatever the outcome."""

    def __init__(
        self,
        store,
        customer: CustomerRef,
        caller: Caller,
        actor_name: Optional[str],
        action: str,
        intent: Intent,
        *,
        now: Callable[[], Any],
        notify: Optional[Callable[[AuditedChange], Any]] = None,
    ):
        self.store, self.customer, self.caller = store, customer, caller
        self.actor_name, self.action, self.intent = actor_name, action, intent
        self.now, self.notify = now, notify
        # Microsoft's setting when the operation read it (None until then: counts as off).
        self.before: Optional[Overage] = None
        self.recorded = False
        # The Microsoft ids of the operation, filled in as they are chosen.
        self.ids: Dict[str, Optional[str]] = {}

    def record(self, outcome: str, *, error: Optional[OverageError] = None) -> Any:
        assert not self.recorded, 'an operation is audited once'
        self.recorded = True
        before, requested = Assignment.of(self.before), Assignment.requested(self.intent)
        entry = self.store.record_audit(
            customer_id=self.customer.customer_id,
            tenant_id=self.customer.tenant_id,
            at=self.now(),
            actor_type=self.caller.role,
            actor_id=self.caller.account_id,
            actor_name=self.actor_name,
            action=self.action,
            from_entitlement=before.azure_subscription_id,
            from_enabled=before.enabled,
            to_entitlement=requested.azure_subscription_id,
            to_enabled=requested.enabled,
            outcome=outcome,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            ms_request_id=self.ids.get('ms_request_id'),
            ms_correlation_id=self.ids.get('ms_correlation_id') or _microsoft_correlation(error),
            details={'microsoft': error.details.get('microsoft')} if error and error.details else {},
        )
        if self.notify:
            self.notify(AuditedChange(
                customer=self.customer,
                action=self.action,
                outcome=outcome,
                audit_id=entry.id,
                before=before,
                requested=requested,
                error=error,
            ))
        return entry.id


def _microsoft_correlation(error: Optional[OverageError]) -> Optional[str]:
    microsoft = (error.details or {}).get('microsoft') if error else None
    return microsoft.get('correlation_id') if isinstance(microsoft, dict) else None
