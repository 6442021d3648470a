"""``GET /settings``: the configuration in force, and ``GET /settings/connection``: can the extension
reach Partner Center with its credentials?

Only the distributor (the extension owner) may test them. The answer is ``{"ok": true, "mode":
"app+user" | "app-only"}``, or the public error Microsoft's refusal translates to (bad secret or
expired refresh token, no Admin agent role, Microsoft down...). Nothing secret is ever shown.

In App+User mode the configuration says where the refresh token in use comes from, when it was last
renewed and used, and warns when it went 60 days without use or cannot be decrypted
(:mod:`connect_ext.partner_center.refresh_tokens`).
"""
from typing import Optional

from connect.eaas.core.decorators import router
from fastapi import Depends

from connect_ext.api import presenters
from connect_ext.api.auth import get_caller, require_role
from connect_ext.api.dependencies import (
    get_partner_center_client,
    get_product_ids,
    get_rate_budget_state,
    get_refresh_token_keeper,
    get_settings,
    get_store_durability,
    get_sync_coverage,
)
from connect_ext.api.responses import error_responses, model_answer
from connect_ext.api.schemas import ConnectionCheck, SettingsBody
from connect_ext.config import Settings
from connect_ext.errors.microsoft import translate
from connect_ext.overage.facts import Caller
from connect_ext.partner_center.budget import BudgetState
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper
from connect_ext.store.durability import Durability
from connect_ext.store.sync_claims import SyncCoverage
from connect_ext.vocabulary import OWNER


class SettingsWebAppMixin:
    @router.get(
        '/settings',
        summary='The configuration in force (secrets are never shown)',
        response_model=None,
        responses={200: {'model': SettingsBody, 'description': 'The configuration.'}, **error_responses()},
    )
    def get_configuration(
        self,
        caller: Caller = Depends(get_caller),
        settings: Settings = Depends(get_settings),
        product_ids=Depends(get_product_ids),
        store: Durability = Depends(get_store_durability),
        keeper: Optional[RefreshTokenKeeper] = Depends(get_refresh_token_keeper),
        budget: Optional[BudgetState] = Depends(get_rate_budget_state),
        coverage: Optional[SyncCoverage] = Depends(get_sync_coverage),
    ):
        require_role(caller, OWNER, problem='only the distributor may see the configuration')
        refresh_token = None
        if keeper is not None:
            refresh_token = presenters.refresh_token_state(keeper.status(), keeper.now())
        return model_answer(presenters.settings_body(settings, product_ids, store, refresh_token, budget,
                                                     coverage))

    @router.get(
        '/settings/connection',
        summary="Test the extension's Partner Center credentials",
        response_model=None,
        responses={
            200: {'model': ConnectionCheck, 'description': 'Partner Center answered.'},
            **error_responses(429, 502, 503, 504),
        },
    )
    def check_partner_center_connection(
        self,
        caller: Caller = Depends(get_caller),
        client: PartnerCenterClient = Depends(get_partner_center_client),
    ):
        require_role(caller, OWNER, problem='only the distributor may test the credentials')
        try:
            result = client.check_connection()
        except PartnerCenterError as error:
            raise translate(error) from error
        return model_answer(presenters.connection_check(result))
