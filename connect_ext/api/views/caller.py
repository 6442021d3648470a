"""``GET /caller``: who Connect says is calling; ``GET /settings/applicable``: what of the
configuration applies to a reseller.

A page identifies its user from this answer, built from Connect's headers on the server side (the
customer from ``X-Connect-Tier-Account-Id``), never from portal context keys it would have to guess.
"""
from connect.eaas.core.decorators import router
from fastapi import Depends

from connect_ext.api import presenters
from connect_ext.api.auth import get_caller, require_role
from connect_ext.api.dependencies import get_product_ids, get_settings
from connect_ext.api.responses import error_responses, model_answer
from connect_ext.api.schemas import ApplicableSettingsBody, CallerBody
from connect_ext.config import Settings
from connect_ext.overage.facts import Caller
from connect_ext.vocabulary import OWNER, RESELLER


class CallerWebAppMixin:
    @router.get(
        '/caller',
        summary='Who is calling, as Connect says: role, account, and the customer on its home page',
        response_model=None,
        responses={200: {'model': CallerBody, 'description': 'The caller.'}, **error_responses()},
    )
    def get_current_caller(
        self,
        caller: Caller = Depends(get_caller),
        settings: Settings = Depends(get_settings),
    ):
        return model_answer(presenters.caller_body(caller, settings))

    @router.get(
        '/settings/applicable',
        summary='What of the configuration applies to a reseller (read-only)',
        response_model=None,
        responses={
            200: {'model': ApplicableSettingsBody, 'description': 'The configuration that applies.'},
            **error_responses(),
        },
    )
    def get_applicable_settings(
        self,
        caller: Caller = Depends(get_caller),
        settings: Settings = Depends(get_settings),
        product_ids=Depends(get_product_ids),
    ):
        require_role(caller, OWNER, RESELLER,
                     problem='the configuration is shown to the distributor and its resellers')
        return model_answer(presenters.applicable_settings_body(settings, product_ids))
