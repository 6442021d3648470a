"""The audit trail of a change: exactly one entry per operation, whatever its outcome.

:class:`_AuditDraft` collects what the operation learns as it goes (the state before, the action,
the Microsoft ids) and :meth:`_AuditDraft.record` writes the entry once, then hands the same facts
to the service's ``notify`` as an :class:`~connect_ext.service.results.AuditedChange`.
:func:`record_follow_up` writes the one more entry of a change first audited ``unconfirmed``: its
``confirmed`` or ``not_confirmed`` (see :mod:`connect_ext.service.confirmations`).
"""
from typing import Any, Callable, Dict, Optional

from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.overage.prerequisites import Intent
from connect_ext.partner_center.models import Overage
from connect_ext.service.results import Assignment, AuditedChange, CreatedAzureSubscription
from connect_ext.store.records import PendingConfirmationRecord


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
        # The Azure subscription Microsoft created for the change, once it shows it.
        self.created: Optional[CreatedAzureSubscription] = None
        # Azure subscription id -> its name, as the operation's read of Microsoft showed them.
        self.names: Dict[str, str] = {}

    def learn_names(self, facts) -> None:
        """Keep the Azure subscriptions' names ``facts`` show, for the entry to name its from/to."""
        for entitlements in facts.entitlements.values():
            for entitlement in entitlements:
                if entitlement.id and entitlement.friendly_name:
                    self.names[entitlement.id] = entitlement.friendly_name

    def record(self, outcome: str, *, error: Optional[OverageError] = None) -> Any:
        assert not self.recorded, 'an operation is audited once'
        self.recorded = True
        before, requested = Assignment.of(self.before), Assignment.requested(self.intent)
        details: Dict[str, Any] = {}
        if error and error.details:
            details['microsoft'] = error.details.get('microsoft')
        if self.created is not None:
            requested = Assignment(True, self.created.azure_subscription_id)
            details['created'] = self.created.to_dict()
        names = {azure_id: self.names[azure_id]
                 for azure_id in (before.azure_subscription_id, requested.azure_subscription_id)
                 if azure_id in self.names}
        if names:
            details['names'] = names
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
            details=details,
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
                creates=self.intent.action == Intent.CREATE,
                created=self.created,
            ))
        return entry.id


def _microsoft_correlation(error: Optional[OverageError]) -> Optional[str]:
    microsoft = (error.details or {}).get('microsoft') if error else None
    return microsoft.get('correlation_id') if isinstance(microsoft, dict) else None


def record_follow_up(
    store,
    customer: CustomerRef,
    pending: PendingConfirmationRecord,
    outcome: str,
    reason: Optional[str],
    *,
    now: Callable[[], Any],
    notify: Optional[Callable[[AuditedChange], Any]] = None,
    superseded_by: Optional[int] = None,
    removed: bool = False,
    created: Optional[CreatedAzureSubscription] = None,
) -> Optional[Any]:
    """The follow-up entry of the awaited change ``pending``: written (and notified) only by the one
    that ends it. Returns its id, or None when someone else ended it first.

    ``removed``: the pending row is already gone, taken by this caller (nobody else can end it).
    """
    details: Dict[str, Any] = {
        'confirms': pending.audit_id,
        'reason': reason,
        'requested_at': pending.requested_at.isoformat(),
        'confirm_by': pending.confirm_by.isoformat(),
    }
    if superseded_by is not None:
        details['superseded_by'] = superseded_by
    # An Azure subscription Microsoft created: the follow-up names it (the change could not).
    creates = pending.to_enabled and not pending.to_entitlement
    to_entitlement = created.azure_subscription_id if created is not None else pending.to_entitlement
    if created is not None:
        details['created'] = created.to_dict()
    fields = {
        'customer_id': pending.customer_id,
        'tenant_id': customer.tenant_id,
        'at': now(),
        'actor_type': pending.actor_type,
        'actor_id': pending.actor_id,
        'actor_name': pending.actor_name,
        'action': pending.action,
        'from_entitlement': pending.from_entitlement,
        'from_enabled': pending.from_enabled,
        'to_entitlement': to_entitlement,
        'to_enabled': pending.to_enabled,
        'outcome': outcome,
        'details': details,
    }
    if removed:
        entry = store.record_audit(**fields)
    else:
        entry = store.confirmations.finish(pending.customer_id, pending.audit_id, fields)
        if entry is None:
            return None
    if notify:
        notify(AuditedChange(
            customer=customer,
            action=pending.action,
            outcome=outcome,
            audit_id=entry.id,
            before=Assignment(pending.from_enabled, pending.from_entitlement),
            requested=Assignment(pending.to_enabled, to_entitlement),
            confirms=pending.audit_id,
            reason=reason,
            creates=creates,
            created=created,
        ))
    return entry.id
