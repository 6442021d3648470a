"""The handover request's request and response bodies (``/customers/{id}/overage/handover``),
valid on pydantic 1.10 and 2; :mod:`connect_ext.api.handover_presenters` builds the answers."""
from enum import Enum
from typing import Optional

from pydantic import Field

from connect_ext.compat import RequestModel, ResponseModel, pattern_kwarg
from connect_ext.vocabulary import GUID_PATTERN, HANDOVER_STATES


# A request's state: the vocabulary's, in its order.
HandoverState = Enum('HandoverState', [(state, state) for state in HANDOVER_STATES], type=str)


class HandoverAsk(RequestModel):
    """Take the customer's overage over when the partner that holds it releases it: to an Azure
    subscription of the customer's Azure plan (``azure_subscription_id``) or to one Microsoft
    creates (``create_azure_subscription`` true, alone); enable it then, or only tell whoever asked."""

    azure_subscription_id: Optional[str] = Field(
        None,
        description='The Azure subscription (Azure entitlement GUID) that is to collect the overage. '
                    'Required unless create_azure_subscription is true, and then left out.',
        **pattern_kwarg(GUID_PATTERN),
    )
    create_azure_subscription: Optional[bool] = Field(
        None,
        description="true: enable to a new Azure subscription that Microsoft creates (under the "
                    "customer's active Azure plan, or with a new no-cost Azure plan).",
    )
    enable_when_released: bool = Field(
        ...,
        description='true: enable the overage to the target as soon as Microsoft shows it released '
                    '(every rule is checked again then); false: only tell whoever asked (the page, '
                    'the audit trail, the webhook).',
    )


class HandoverTarget(ResponseModel):
    azure_subscription_id: Optional[str] = None
    create_azure_subscription: bool = False


class HandoverActor(ResponseModel):
    type: str
    id: Optional[str] = None
    name: Optional[str] = None


class HandoverHolder(ResponseModel):
    """The partner that holds the overage, as Microsoft showed it (its MPN id, and the Azure
    subscription of that partner's the overage goes to)."""

    partner_id: Optional[str] = None
    azure_subscription_id: Optional[str] = None


class HandoverChange(ResponseModel):
    """The change the request made once the overage was released (its audit entry and outcome)."""

    audit_id: Optional[int] = None
    outcome: Optional[str] = None


class HandoverStop(ResponseModel):
    """Why enabling stopped: the catalogue code of the rule (or Microsoft's refusal) and its words."""

    code: str
    message: str


class HandoverNotice(ResponseModel):
    """What the request's state says to the caller, in the caller's words (catalogue ``HANDOVER_*``)."""

    code: str
    severity: str
    message: str
    reason: str
    action: str


class HandoverBody(ResponseModel):
    """The customer's handover request: who asked, when, the target, its state, and what to do."""

    customer_id: str
    request_id: str
    state: HandoverState
    # Still alive (waiting, or enabling): the watch reads it; it can be cancelled while waiting.
    open: bool
    target: HandoverTarget
    enable_when_released: bool
    requested_by: HandoverActor
    requested_at: str
    expires_at: str
    # Who held the overage when it was asked, and at the last read (null on a customer's page).
    holder: Optional[HandoverHolder] = None
    current_holder: Optional[HandoverHolder] = None
    # The overage moved to another partner without being released; the request still waits.
    holder_changed: bool = False
    holder_changed_at: Optional[str] = None
    released_at: Optional[str] = None
    ended_at: Optional[str] = None
    change: Optional[HandoverChange] = None
    stop: Optional[HandoverStop] = None
    notice: HandoverNotice
    can_cancel: bool = False
