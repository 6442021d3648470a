"""A customer's handover request: ask for its overage when the partner that holds it releases it,
read the request, cancel it.

``PUT`` records it (201) — nothing is sent to Microsoft — and is refused unless another partner
holds the overage now (409 ``HANDOVER_NOT_NEEDED``) or while one is open (409
``HANDOVER_ALREADY_REQUESTED``); ``GET`` reads it (the open one, or the last that ended; 404
``HANDOVER_NOT_FOUND`` when there never was one); ``DELETE`` cancels the waiting one. Who may ask
or cancel is who may change the overage (a customer only with ``CUSTOMERS_MAY_CHANGE``).
"""
from typing import Optional

from connect.eaas.core.decorators import router
from fastapi import Depends, Path

from connect_ext.api.audience import audience_of, error_for
from connect_ext.api.auth import VisibleCustomers, actor_name, get_caller, may_change
from connect_ext.api.dependencies import get_overage_service, get_settings, get_visible_customers
from connect_ext.api.handlers import pattern_mismatch, validation_error
from connect_ext.api.handover_presenters import handover_body
from connect_ext.api.handover_schemas import HandoverAsk, HandoverBody
from connect_ext.api.responses import error_responses, model_answer
from connect_ext.compat import fields_set
from connect_ext.config import Settings
from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller
from connect_ext.service.handover import HandoverService
from connect_ext.service.overage import OverageService
from connect_ext.vocabulary import is_guid


_CUSTOMER_ID = Path(..., description='The Connect customer account id (TA-...).')
_PATH = '/customers/{customer_id}/overage/handover'


def get_handover_service(service: OverageService = Depends(get_overage_service)) -> HandoverService:
    """The handover requests over the web API's overage service (its store, client, notifier)."""
    return HandoverService(service)


def require_one_target(ask: HandoverAsk) -> None:
    """An Azure subscription (a whole GUID) or ``create_azure_subscription`` true: one, never both."""
    given = fields_set(ask)
    creating = bool(ask.create_azure_subscription)
    if creating and 'azure_subscription_id' in given:
        raise validation_error([{
            'loc': ('body', 'azure_subscription_id'), 'type': 'value_error',
            'msg': 'leave azure_subscription_id out when create_azure_subscription is true',
        }])
    if not creating and not ask.azure_subscription_id:
        raise validation_error([{
            'loc': ('body', 'azure_subscription_id'), 'type': 'value_error.missing',
            'msg': 'field required (a GUID, or create_azure_subscription true)',
        }])
    if ask.azure_subscription_id is not None and not is_guid(ask.azure_subscription_id):
        raise pattern_mismatch(('body', 'azure_subscription_id'), 'not a GUID')


def _answer(record, caller: Caller, settings: Settings, status_code: int = 200):
    return model_answer(handover_body(record, caller, can_change=may_change(caller, settings)),
                        status_code=status_code)


def _in_words_of(caller: Caller, run):
    try:
        return run()
    except OverageError as error:
        raise error_for(error, audience_of(caller)) from error


class HandoverWebAppMixin:
    @router.put(
        _PATH,
        summary='Ask for the overage when the partner that holds it releases it (nothing is sent to '
                'Microsoft)',
        response_model=None,
        status_code=201,
        responses={
            201: {'model': HandoverBody, 'description': 'Recorded: the request waits for the release.'},
            **error_responses(404, 409, 422, 429, 502, 503, 504, body=True),
        },
    )
    def put_customer_handover(
        self,
        ask: HandoverAsk,
        customer_id: str = _CUSTOMER_ID,
        caller: Caller = Depends(get_caller),
        actor: Optional[str] = Depends(actor_name),
        customers: VisibleCustomers = Depends(get_visible_customers),
        handovers: HandoverService = Depends(get_handover_service),
        settings: Settings = Depends(get_settings),
    ):
        require_one_target(ask)
        customer = customers.customer(customer_id)
        record = _in_words_of(caller, lambda: handovers.ask(
            customer, caller, azure_subscription_id=ask.azure_subscription_id,
            create_azure_subscription=bool(ask.create_azure_subscription),
            enable_when_released=ask.enable_when_released, actor_name=actor,
        ))
        return _answer(record, caller, settings, status_code=201)

    @router.get(
        _PATH,
        summary="The customer's handover request: who asked, when, the target, its state",
        response_model=None,
        responses={
            200: {'model': HandoverBody, 'description': 'The open request, or the last that ended.'},
            **error_responses(404, 422, 502, 503),
        },
    )
    def get_customer_handover(
        self,
        customer_id: str = _CUSTOMER_ID,
        caller: Caller = Depends(get_caller),
        customers: VisibleCustomers = Depends(get_visible_customers),
        handovers: HandoverService = Depends(get_handover_service),
        settings: Settings = Depends(get_settings),
    ):
        customer = customers.customer(customer_id)
        record = _in_words_of(caller, lambda: handovers.read(customer, caller))
        if record is None:
            raise error_for(OverageError.from_code('HANDOVER_NOT_FOUND'), audience_of(caller))
        return _answer(record, caller, settings)

    @router.delete(
        _PATH,
        summary="Cancel the customer's waiting handover request",
        response_model=None,
        responses={
            200: {'model': HandoverBody, 'description': 'Cancelled: the request as it ended.'},
            **error_responses(404, 422, 502, 503),
        },
    )
    def delete_customer_handover(
        self,
        customer_id: str = _CUSTOMER_ID,
        caller: Caller = Depends(get_caller),
        actor: Optional[str] = Depends(actor_name),
        customers: VisibleCustomers = Depends(get_visible_customers),
        handovers: HandoverService = Depends(get_handover_service),
        settings: Settings = Depends(get_settings),
    ):
        customer = customers.customer(customer_id)
        record = _in_words_of(caller, lambda: handovers.cancel(customer, caller, actor_name=actor))
        return _answer(record, caller, settings)
