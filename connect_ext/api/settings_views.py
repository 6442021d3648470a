"""``GET /settings/connection``: can the extension reach Partner Center with its credentials?

Only the distributor (the extension owner) may test them. The answer is ``{"ok": true, "mode":
"app+user" | "app-only"}``, or the public error Microsoft's refusal translates to (bad secret or
expired refresh token, no Admin agent role, Microsoft down...). Nothing secret is ever shown.
"""
from connect.eaas.core.decorators import router
from fastapi import Depends

from connect_ext.api.auth import get_caller, require_role
from connect_ext.api.dependencies import get_partner_center_client
from connect_ext.api.responses import error_responses, json_answer
from connect_ext.api.schemas import ConnectionCheck
from connect_ext.overage.facts import OWNER, Caller
from connect_ext.overage.rejections import translate
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.errors import PartnerCenterError


class SettingsWebAppMixin:
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
        return json_answer({'ok': bool(result.get('ok')), 'mode': str(result.get('mode'))})
