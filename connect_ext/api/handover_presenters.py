"""The handover request's answer, built from the store's record, in the words of who reads it
(:mod:`connect_ext.api.audience`: a customer reads its own words and no partner id)."""
from datetime import datetime
from typing import Optional

from connect_ext.api.audience import audience_of, is_customer
from connect_ext.api.handover_schemas import (
    HandoverActor,
    HandoverBody,
    HandoverChange,
    HandoverHolder,
    HandoverNotice,
    HandoverStop,
    HandoverTarget,
)
from connect_ext.errors import catalogue
from connect_ext.overage.facts import Caller
from connect_ext.store.records import HandoverRecord
from connect_ext.vocabulary import HANDOVER_OPEN_STATES, HANDOVER_WAITING


def _when(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def notice_code(record: HandoverRecord) -> str:
    """The catalogue code of what the request's state says."""
    if record.state == HANDOVER_WAITING and record.holder_changed_at is not None:
        return 'HANDOVER_HOLDER_CHANGED'
    return f'HANDOVER_{record.state.upper()}'


def handover_body(record: HandoverRecord, caller: Caller, *, can_change: bool) -> HandoverBody:
    audience = audience_of(caller)
    customer = is_customer(audience)
    code = notice_code(record)
    params = {
        'expires_at': record.expires_at.date().isoformat(),
        # How long it waits (HANDOVER_DAYS when it was asked), in words, never the variable's name.
        'waited_days': round((record.expires_at - record.requested_at).total_seconds() / 86400),
        'released_at': _when(record.released_at),
        'ended_at': _when(record.ended_at),
        'outcome': record.change_outcome,
        'stop_code': record.stop_code,
        'stop_message': record.stop_message,
    }
    if not customer:
        params.update(holder_partner_id=record.holder_partner_id,
                      current_holder_partner_id=record.current_holder_partner_id)
    texts = catalogue.render_entry(code, params, audience)
    stop = None
    if record.stop_code:
        # A customer reads the customer's words of the code that stopped it, never the partner's.
        words = (catalogue.render_entry(record.stop_code, {}, audience).message
                 if customer and record.stop_code in catalogue.CATALOGUE else record.stop_message)
        stop = HandoverStop(code=record.stop_code, message=words or record.stop_code)
    return HandoverBody(
        customer_id=record.customer_id,
        request_id=record.request_id,
        state=record.state,
        open=record.state in HANDOVER_OPEN_STATES,
        target=HandoverTarget(azure_subscription_id=record.azure_subscription_id,
                              create_azure_subscription=record.create_azure_subscription),
        enable_when_released=record.enable_when_released,
        requested_by=HandoverActor(type=record.requested_by_type, id=record.requested_by_id,
                                   name=record.requested_by_name),
        requested_at=record.requested_at.isoformat(),
        expires_at=record.expires_at.isoformat(),
        holder=None if customer else HandoverHolder(
            partner_id=record.holder_partner_id, azure_subscription_id=record.holder_entitlement_id),
        current_holder=None if customer else HandoverHolder(
            partner_id=record.current_holder_partner_id,
            azure_subscription_id=record.current_holder_entitlement_id),
        holder_changed=record.holder_changed_at is not None,
        holder_changed_at=_when(record.holder_changed_at),
        released_at=_when(record.released_at),
        ended_at=_when(record.ended_at),
        change=(HandoverChange(audit_id=record.change_audit_id, outcome=record.change_outcome)
                if record.change_outcome else None),
        stop=stop,
        notice=HandoverNotice(code=code, severity=catalogue.entry(code).severity, message=texts.message,
                              reason=texts.reason, action=texts.action),
        can_cancel=can_change and record.state == HANDOVER_WAITING,
    )
