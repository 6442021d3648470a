"""A customer's agreements with Microsoft: record its acceptance of the Microsoft Customer Agreement.

A new Azure plan (which Microsoft buys when overage is enabled to a new Azure subscription of a
customer without one) needs the customer's acceptance of the Microsoft Customer Agreement. The
distributor or the customer's reseller records it here, after confirming that the customer accepted
it (``customer_accepted``); a customer never records its own (:mod:`connect_ext.service.agreements`).
"""
from typing import Optional

from connect.eaas.core.decorators import router
from fastapi import Depends, Path

from connect_ext.api import presenters
from connect_ext.api.auth import VisibleCustomers, actor_name, get_caller
from connect_ext.api.dependencies import get_overage_service, get_visible_customers
from connect_ext.api.responses import error_responses, model_answer
from connect_ext.api.schemas import AgreementBody, MicrosoftCustomerAgreementRequest
from connect_ext.overage.facts import Caller
from connect_ext.service.agreements import record_mca_acceptance
from connect_ext.service.overage import OverageService


class AgreementsWebAppMixin:
    @router.post(
        '/customers/{customer_id}/agreements/microsoft-customer-agreement',
        summary="Record the customer's acceptance of the Microsoft Customer Agreement with Partner "
                'Center (owner, reseller)',
        response_model=None,
        status_code=201,
        responses={
            201: {'model': AgreementBody, 'description': 'Recorded with Partner Center.'},
            **error_responses(403, 404, 409, 422, 429, 502, 503, 504, body=True),
        },
    )
    def post_microsoft_customer_agreement(
        self,
        agreement: MicrosoftCustomerAgreementRequest,
        customer_id: str = Path(..., description='The Connect customer account id (TA-...).'),
        caller: Caller = Depends(get_caller),
        actor: Optional[str] = Depends(actor_name),
        customers: VisibleCustomers = Depends(get_visible_customers),
        service: OverageService = Depends(get_overage_service),
    ):
        customer = customers.customer(customer_id)
        recorded = record_mca_acceptance(
            service.client,
            service.store,
            customer,
            caller,
            contact={
                'first_name': agreement.first_name,
                'last_name': agreement.last_name,
                'email': agreement.email,
                'phone_number': agreement.phone_number,
            },
            date_agreed=agreement.date_agreed,
            customer_accepted=agreement.customer_accepted,
            actor_name=actor,
            now=service.now,
        )
        return model_answer(presenters.agreement_body(customer, recorded), status_code=201)
