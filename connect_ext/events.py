"""The events application: Connect asset requests and the scheduled sync, delegated to services.

Thin by design: handlers turn Connect payloads into calls of the order use-cases
(:mod:`connect_ext.orders.handling`) and the sync (:mod:`connect_ext.orders.sync`); no rule lives
here. The extension observes requests and never approves, fails or inquires one.
"""
from typing import Optional

from connect.eaas.core.decorators import event, schedulable, variables
from connect.eaas.core.extension import EventsApplicationBase
from connect.eaas.core.responses import BackgroundResponse, ScheduledExecutionResponse

from connect_ext import wiring
from connect_ext.config import variables_declaration
from connect_ext.orders import handling
from connect_ext.redaction import describe


NOTE_STATUSES = list(handling.NOTE_STATUSES)
CANCEL_STATUSES = list(handling.CANCEL_STATUSES)
TIER_CONFIG_STATUSES = list(handling.TIER_CONFIG_STATUSES)


def background_response(outcome: handling.Outcome) -> BackgroundResponse:
    if outcome.action == handling.RESCHEDULE:
        return BackgroundResponse.reschedule()
    if outcome.action == handling.SKIP:
        return BackgroundResponse.skip(outcome.reason)
    return BackgroundResponse.done()


@variables(variables_declaration())
class OverageEventsApplication(EventsApplicationBase):
    """Observes purchase/change/cancel requests with OVG items; never approves or fails them."""

    # Set by tests (or a host) to use ready-made collaborators instead of the config's.
    dependencies: Optional[wiring.EventsDependencies] = None

    def _dependencies(self) -> wiring.EventsDependencies:
        if self.dependencies is None:
            self.dependencies = wiring.events_dependencies_for(self.config)
        return self.dependencies

    def _orders(self) -> handling.OrderHandling:
        return wiring.order_handling(
            self._dependencies(), self.client, installation=self.installation, logger=self.logger,
        )

    @event('asset_purchase_request_processing', statuses=NOTE_STATUSES)
    def handle_purchase_request(self, request):
        return background_response(self._orders().note_request(request, 'purchase'))

    @event('asset_change_request_processing', statuses=NOTE_STATUSES)
    def handle_change_request(self, request):
        return background_response(self._orders().note_request(request, 'change'))

    @event('asset_cancel_request_processing', statuses=CANCEL_STATUSES)
    def handle_cancel_request(self, request):
        return background_response(self._orders().watch_cancel(request))

    @event('tier_config_setup_request_processing', statuses=TIER_CONFIG_STATUSES)
    def handle_tier_config_setup_request(self, request):
        return background_response(self._orders().tier_config_changed(request))

    @event('tier_config_change_request_processing', statuses=TIER_CONFIG_STATUSES)
    def handle_tier_config_change_request(self, request):
        return background_response(self._orders().tier_config_changed(request))

    @schedulable(
        'Sync overage',
        'Reads the changes awaiting Microsoft\'s confirmation and the open handover requests '
        "first, then the recorded customers' overage from Partner Center into the store: a recent "
        'order, then overage held by another partner, then the longest unread first, within '
        'SYNC_RATE_SHARE of its rate limit. Each run first purges what the store keeps only for a '
        'while (expired idempotent answers; event keys and order note records after 90 days).',
    )
    def sync_overage(self, schedule):
        try:
            wiring.overage_sync(self._dependencies(), logger=self.logger).run()
        except Exception as error:
            # Customers never fail the run (the sync absorbs their errors); this is the store or
            # the configuration, which DevOps must see.
            self.logger.exception('The overage sync could not run')
            return ScheduledExecutionResponse.fail(output=f'overage sync failed: {describe(error)}')
        return ScheduledExecutionResponse.done()
