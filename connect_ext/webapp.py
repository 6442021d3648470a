"""The web application: the Manage Overage API and pages, composed from feature modules.

Thin by design: routes live in feature packages and call the overage service.
"""
from connect.eaas.core.decorators import router, variables, web_app
from connect.eaas.core.extension import WebApplicationBase

from connect_ext.config import variables_declaration


@web_app(router)
@variables(variables_declaration())
class OverageWebApplication(WebApplicationBase):
    """Manage Overage for distributors, resellers and customers, and for their automation."""
