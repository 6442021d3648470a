"""The events application: Connect asset requests and the scheduled sync, delegated to services.

Thin by design: handlers turn Connect payloads into calls of the overage service; no rule lives here.
"""
from connect.eaas.core.decorators import variables
from connect.eaas.core.extension import EventsApplicationBase

from connect_ext.config import variables_declaration


@variables(variables_declaration())
class OverageEventsApplication(EventsApplicationBase):
    """Observes purchase/change/cancel requests with OVG items; never approves or fails them."""
