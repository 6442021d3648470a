"""The web application: the Manage Overage API and pages, composed from feature modules.

Thin by design: routes live in :mod:`connect_ext.api` mixins and call the overage service; the
error handling that gives every failure the one public shape lives in :mod:`connect_ext.api.handlers`.
"""
from connect.eaas.core.decorators import (
    account_settings_page,
    customer_pages,
    module_pages,
    router,
    variables,
    web_app,
)
from connect.eaas.core.extension import WebApplicationBase

from connect_ext.api.gate import RequestGate
from connect_ext.api.handlers import UnexpectedErrorMiddleware, exception_handlers
from connect_ext.api.views.agreements import AgreementsWebAppMixin
from connect_ext.api.views.caller import CallerWebAppMixin
from connect_ext.api.views.customers import CustomersWebAppMixin
from connect_ext.api.views.handover import HandoverWebAppMixin
from connect_ext.api.views.history import HistoryWebAppMixin
from connect_ext.api.views.items import ItemsWebAppMixin
from connect_ext.api.views.overage import OverageWebAppMixin
from connect_ext.api.views.settings import SettingsWebAppMixin
from connect_ext.config import variables_declaration


OVERAGE_ICON = '/static/icons/overage.svg'


@web_app(router)
@module_pages('Overage', '/static/index.html', icon=OVERAGE_ICON)
@account_settings_page('Overage settings', '/static/settings.html', icon=OVERAGE_ICON)
@customer_pages([{'label': 'Microsoft overage', 'url': '/static/customer.html', 'icon': OVERAGE_ICON}])
@variables(variables_declaration())
class OverageWebApplication(
    CustomersWebAppMixin,
    OverageWebAppMixin,
    HandoverWebAppMixin,
    HistoryWebAppMixin,
    AgreementsWebAppMixin,
    ItemsWebAppMixin,
    SettingsWebAppMixin,
    CallerWebAppMixin,
    WebApplicationBase,
):
    """Manage Overage for distributors, resellers and customers, and for their automation."""

    @classmethod
    def get_exception_handlers(cls, exception_handlers_: dict) -> dict:
        return exception_handlers(exception_handlers_)

    @classmethod
    def get_middlewares(cls) -> list:
        # Added in this order, so the gate (path and body checks) is the outermost.
        return [UnexpectedErrorMiddleware, RequestGate]
