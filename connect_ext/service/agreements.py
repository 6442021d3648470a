"""Recording a customer's acceptance of the Microsoft Customer Agreement with Partner Center.

An Azure plan can only be bought for a customer that accepted the Microsoft Customer Agreement, so
creating an Azure subscription for the overage of a customer without an Azure plan needs it. The
partner confirms the acceptance on the customer's behalf (Learn: "Confirm customer acceptance of the
Microsoft Customer Agreement"): the template id of Microsoft's agreement metadata, the customer
contact who accepted it and the date. Only after the caller confirmed that the customer accepted it;
each recording is one audit entry (without the contact's details, which stay with Microsoft).
"""
import uuid
from datetime import date, datetime
from typing import Any, Callable, Dict, Optional

from connect_ext.errors.error import OverageError
from connect_ext.errors.microsoft import translate
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.partner_center.models import MICROSOFT_CUSTOMER_AGREEMENT
from connect_ext.vocabulary import ACTION_AGREEMENT, CUSTOMER, FAILED, SUCCEEDED


def _agreed_on(value: str, today: date) -> str:
    """``value`` (YYYY-MM-DD) as Microsoft's UTC date time; a date that does not exist or lies
    ahead is refused (nobody accepted anything tomorrow)."""
    try:
        agreed = date.fromisoformat(value)
    except ValueError:
        agreed = None
    if agreed is None or agreed > today:
        raise OverageError.from_code(
            'VALIDATION_FAILED', problem='date_agreed is not a past or present date (YYYY-MM-DD)',
            field='body.date_agreed',
        )
    return f'{agreed.isoformat()}T00:00:00Z'


def record_mca_acceptance(
    client,
    store,
    customer: CustomerRef,
    caller: Caller,
    *,
    contact: Dict[str, Optional[str]],
    date_agreed: str,
    customer_accepted: bool,
    actor_name: Optional[str],
    now: Callable[[], datetime],
) -> Dict[str, Any]:
    """Record the acceptance; the Agreement resource Microsoft answered. Raises the public error."""
    if caller.role == CUSTOMER:
        raise OverageError.from_code('CUSTOMERS_CANNOT_RECORD_AGREEMENTS')
    if not customer_accepted:
        raise OverageError.from_code('MCA_ACCEPTANCE_NOT_CONFIRMED')
    if not customer.tenant_id:
        raise OverageError.from_code(
            'TENANT_ID_UNKNOWN', customer_id=customer.customer_id, customer_name=customer.name,
        )
    agreed = _agreed_on(date_agreed, now().date())
    request_id = str(uuid.uuid4())
    details: Dict[str, Any] = {'agreement_type': MICROSOFT_CUSTOMER_AGREEMENT, 'date_agreed': agreed}
    try:
        try:
            template_id = client.agreement_template_id(MICROSOFT_CUSTOMER_AGREEMENT)
            if not template_id:
                raise OverageError.from_code('MCA_TEMPLATE_UNAVAILABLE')
            details['template_id'] = template_id
            recorded = client.create_customer_agreement(
                customer.tenant_id, template_id=template_id, contact=contact, date_agreed=agreed,
                request_id=request_id,
            )
        except PartnerCenterError as error:
            raise translate(error, context={'tenant_id': customer.tenant_id}) from error
        except ValueError as error:
            raise OverageError.from_code('VALIDATION_FAILED', problem=str(error)) from error
    except OverageError as error:
        _audit(store, customer, caller, actor_name, now, FAILED, request_id, details, error)
        raise
    _audit(store, customer, caller, actor_name, now, SUCCEEDED, request_id, details)
    return recorded


def _audit(store, customer, caller, actor_name, now, outcome, request_id, details, error=None):
    store.record_audit(
        customer_id=customer.customer_id,
        tenant_id=customer.tenant_id,
        at=now(),
        actor_type=caller.role,
        actor_id=caller.account_id,
        actor_name=actor_name,
        action=ACTION_AGREEMENT,
        outcome=outcome,
        error_code=error.code if error else None,
        error_message=error.message if error else None,
        ms_request_id=request_id,
        details=dict(details),
    )
