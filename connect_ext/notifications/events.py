"""The body of a change notification: the one place it is built, from the domain's
:class:`~connect_ext.service.results.AuditedChange` (never from the web API's JSON).

The webhook's event is a public contract of its own (receivers parse it), separate from the API's
answers: renaming a field of an API response model changes nothing here, and vice versa. The
notifier (:mod:`.webhooks`) wraps this in its envelope (``id``, ``type``, ``created_at``,
``data``) and signs it.
"""
from typing import Any, Dict, Optional

from connect_ext.errors.error import OverageError
from connect_ext.service.handover_notices import HandoverNotice
from connect_ext.service.results import Assignment, AuditedChange
from connect_ext.vocabulary import CONFIRMATION_OUTCOMES


def event_type(change: AuditedChange) -> str:
    """``overage.<action>.<outcome>``: ``overage.enable.succeeded``, ``overage.move.failed``..."""
    return f'overage.{change.action}.{change.outcome}'


def _setting(assignment: Assignment) -> Dict[str, Any]:
    return {'enabled': assignment.enabled, 'azure_subscription_id': assignment.azure_subscription_id}


def _error(error: Optional[OverageError]) -> Optional[Dict[str, Any]]:
    if error is None:
        return None
    return {
        'code': error.code,
        'message': error.message,
        'reason': error.reason,
        'action': error.action,
        'details': error.details,
    }


def change_event(change: AuditedChange) -> Dict[str, Any]:
    """The event: its ``type`` and the fields the envelope's ``data`` carries.

    A change that asks Microsoft to create the Azure subscription carries
    ``create_azure_subscription`` (true) and ``created`` (its ids, or null while Microsoft does not
    show it). The follow-up of an unconfirmed change (``overage.<action>.confirmed`` or
    ``.not_confirmed``) also carries ``confirms`` (the audit id of the unconfirmed change, whose
    event came first) and ``reason`` (why it was not confirmed; null when confirmed).
    """
    if isinstance(change, HandoverNotice):
        return handover_event(change)
    event = {
        'type': event_type(change),
        'customer_id': change.customer.customer_id,
        'tenant_id': change.customer.tenant_id,
        'audit_id': change.audit_id,
        'from': _setting(change.before),
        'to': _setting(change.requested),
        'error': _error(change.error),
    }
    if change.outcome in CONFIRMATION_OUTCOMES:
        event.update(confirms=change.confirms, reason=change.reason)
    if change.creates:
        # Overage to an Azure subscription Microsoft creates: what it created, once it shows it
        # (null until then; the ``confirmed`` follow-up of an unconfirmed one names it).
        event['create_azure_subscription'] = True
        event['created'] = change.created.to_dict() if change.created is not None else None
    return event


def _when(value) -> Optional[str]:
    return value.isoformat() if value is not None else None


def handover_event(notice: HandoverNotice) -> Dict[str, Any]:
    """``overage.handover.<event>``: the request as that step left it (who asked, the target, the
    partner that held the overage when it was asked and holds it now, when it expires)."""
    request = notice.request
    return {
        'type': f'overage.handover.{notice.event}',
        'customer_id': notice.customer.customer_id,
        'tenant_id': notice.customer.tenant_id,
        'audit_id': notice.audit_id,
        'handover': {
            'request_id': request.request_id,
            'state': request.state,
            'target': {
                'azure_subscription_id': request.azure_subscription_id,
                'create_azure_subscription': request.create_azure_subscription,
            },
            'enable_when_released': request.enable_when_released,
            'requested_by': {'type': request.requested_by_type, 'id': request.requested_by_id},
            'requested_at': _when(request.requested_at),
            'expires_at': _when(request.expires_at),
            'holder_partner_id': request.holder_partner_id,
            'current_holder_partner_id': request.current_holder_partner_id,
            'released_at': _when(request.released_at),
            'ended_at': _when(request.ended_at),
        },
    }
