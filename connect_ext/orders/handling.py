"""The use-cases behind the request events: note OVG orders, watch cancels.

The extension observes requests; it never approves, fails or inquires one. What it does:

- a purchase or change that brings OVG items (pending, then approved): record the customer and
  its OVG asset in the store, read the customer's overage from Partner Center, and write **one**
  note per request on its conversation, and another only when what the note says changed;
- an approved cancel: forget the asset; when Partner Center shows no active OVG subscription of
  ours left (it lists only our own) while overage still goes to one of our Azure subscriptions,
  flag the customer and write a note.

**One note, even when Connect delivers the event again** (redelivery, a retry after a crash, two
replicas at once), and none for a status that would say the same again: see
:mod:`connect_ext.orders.note_posting` (the processed-event key ``<request>:<status>:note`` is
written only *after* the note is posted or found said, under a lock named after the request).

Outcomes are plain values (:class:`Outcome`); the events application turns them into
``BackgroundResponse``. Transient failures (Partner Center throttled or down, Connect 5xx, the
store busy) become ``reschedule``; a payload that is not a usable request becomes ``skip``.
"""
import logging
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Tuple

from connect.client import ClientError
from sqlalchemy.exc import OperationalError

from connect_ext.cache import BoundedCache
from connect_ext.customers.refs import filled_from_record, known_fields
from connect_ext.errors.error import OverageError
from connect_ext.orders import notes
from connect_ext.orders.conversations import ConversationMissing, RequestConversations
from connect_ext.orders.note_posting import NotePosting
from connect_ext.orders.payload import AssetRequest, MalformedRequest, customer_of, parse_request
from connect_ext.overage.detection import added_ovg_items, ovg_items
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.partner_center.budget import NOTES, acting_for
from connect_ext.redaction import redact_text
from connect_ext.service.results import OverageState
from connect_ext.store import CustomerLockTimeout
from connect_ext.vocabulary import (
    ACTION_FLAG,
    ACTOR_SYSTEM,
    FLAG_OVERAGE_WITHOUT_OVG,
    STATUS_ENABLED,
    SUCCEEDED,
    is_customer_id,
    is_partner_account_id,
    same_id,
)


DONE = 'done'
SKIP = 'skip'
RESCHEDULE = 'reschedule'

NOTE_STATUSES = ('pending', 'approved')
CANCEL_STATUSES = ('approved',)
# A tier configuration request changes the configuration when it is approved.
TIER_CONFIG_STATUSES = ('approved',)
# The store flag of a customer whose last OVG subscription is gone while overage still goes to
# one of our Azure subscriptions (FLAG_OVERAGE_WITHOUT_OVG); cleared when an OVG item is ordered again.
# The fulfilment parameter holding the Microsoft subscription id of an asset.
MICROSOFT_SUBSCRIPTION_PARAM = 'subscription_id'
LOCK_TIMEOUT_SECONDS = 30.0
# A burst of orders for one customer reads its overage once a minute (five Partner Center calls).
RECENT_STATE_SECONDS = 60.0
RECENT_STATES_MAX = 10_000
_TRANSIENT_HTTP_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Outcome:
    """What the event ends with (``done``, ``skip``, ``reschedule``) and why, for the log."""

    action: str
    reason: str


def recent_states_cache() -> BoundedCache:
    """Order notes of one customer within ``RECENT_STATE_SECONDS`` share one read of its state.

    Notes inform, and a minute-old state is what a person reading the note would see anyway;
    changes never use it (the service always reads Microsoft again before writing).
    """
    return BoundedCache(RECENT_STATES_MAX, max_age=RECENT_STATE_SECONDS)


def note_key(request_id: str, status: str) -> str:
    return f'{request_id}:{status}:note'


def cancel_key(request_id: str) -> str:
    return f'{request_id}:approved:cancel'


def is_transient_overage_error(error: OverageError) -> bool:
    """Partner Center throttled, failed or timed out: the same call may pass later."""
    return error.transient or error.http_status in _TRANSIENT_HTTP_STATUSES


def is_transient_connect_error(error: ClientError) -> bool:
    """Connect answered 5xx, or did not answer at all (no status)."""
    return error.status_code is None or error.status_code >= 500


class OrderHandling:
    """The use-cases, on the collaborators the wiring hands over."""

    def __init__(
        self,
        *,
        settings,
        store,
        service,
        conversations: RequestConversations,
        caller: Caller,
        link_for: Callable[[str], Optional[str]],
        logger: Optional[logging.Logger] = None,
        lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS,
        recent_states: Optional[BoundedCache] = None,
    ):
        self.settings = settings
        # Shared across deliveries by the wiring, so a burst of orders reads each customer once.
        # (``is None``: an empty cache is falsy, and must still be the shared one.)
        self.recent_states = recent_states if recent_states is not None else recent_states_cache()
        self.store = store
        self.service = service
        self.conversations = conversations
        self.caller = caller
        self.link_for = link_for
        self.log = logger or logging.getLogger(__name__)
        self.lock_timeout_seconds = lock_timeout_seconds

    # -- purchase and change ---------------------------------------------------------------------

    def note_request(self, payload: Any, request_type: str) -> Outcome:
        """A purchase or change request, pending or approved: the note when it brings OVG items."""
        try:
            request = parse_request(
                payload, expected_type=request_type, expected_statuses=NOTE_STATUSES,
            )
        except MalformedRequest as error:
            return self._skip(f'not a usable {request_type} request: {error.reason}')
        items = added_ovg_items(request.items, self.settings.sku_marker)
        if not items:
            self.log.info('request %s brings no OVG item: nothing to do', request.id)
            return Outcome(SKIP, f'request {request.id} brings no OVG item')
        key = note_key(request.id, request.status)
        return self._guarded(request, lambda: self._note_request(request, items, key))

    def _note_request(self, request: AssetRequest, items, key: str) -> Outcome:
        if self.store.is_event_processed(key):
            return Outcome(DONE, f'request {request.id} ({request.status}) already has its note')
        customer = customer_of(request, self.settings.tenant_id_params)
        customer = filled_from_record(customer, self._record_ovg_asset(customer, request.asset_id))
        state, error = self._read_overage(customer)
        text = notes.request_note(
            request_type=request.type,
            status=request.status,
            items=items,
            customer=customer,
            link=self.link_for(customer.customer_id),
            state=state,
            error=error,
            tenant_id_params=self.settings.tenant_id_params,
        )
        written = self._post_once(request.id, key, text)
        return Outcome(DONE, f'request {request.id} ({request.status}): note {written}')

    def _read_overage(
        self, customer: CustomerRef,
    ) -> Tuple[Optional[OverageState], Optional[OverageError]]:
        """(state, None), (None, error) for a failure retrying will not fix, or (None, None)
        when the tenant is not known. Transient failures raise."""
        if not customer.tenant_id:
            return None, None
        try:
            state = self.recent_states.get_or_build(
                (customer.customer_id, customer.tenant_id),
                lambda: self.service.state(customer, self.caller),
            )
            return state, None
        except OverageError as error:
            if is_transient_overage_error(error):
                raise
            self.log.warning('The overage of %s could not be read: %s', customer.customer_id, error)
            return None, error

    def _record_ovg_asset(self, customer: CustomerRef, asset_id: str):
        """Remember the customer, its tiers and tenant, and one more OVG asset; the record."""
        with self.store.customer_lock(customer.customer_id,
                                      timeout_seconds=self.lock_timeout_seconds):
            record = self.store.get_customer(customer.customer_id)
            assets = list(record.ovg_asset_ids) if record else []
            if asset_id not in assets:
                assets.append(asset_id)
            flags = [flag for flag in (record.flags if record else ())
                     if flag != FLAG_OVERAGE_WITHOUT_OVG]
            # last_order_at: the sync reads a customer with a recent order first (store.sync_claims).
            record = self.store.upsert_customer(
                customer.customer_id, ovg_asset_ids=assets, flags=flags,
                last_order_at=self.store.now(), **known_fields(customer),
            )
        # Connect delivered this order to the installation of the caller's account: that account
        # sees the customer (what a reseller's overview lists, see customers.visibility).
        if is_partner_account_id(self.caller.account_id):
            self.store.record_seen(self.caller.account_id, [customer.customer_id])
        return record

    # -- tier configurations ---------------------------------------------------------------------

    def tier_config_changed(self, payload: Any) -> Outcome:
        """An approved tier configuration request: a reseller's partner id may have changed, so
        its customers' id is looked up in Connect again on their next read (conformance: CX-06)."""
        config = payload.get('configuration') if isinstance(payload, Mapping) else None
        config = config if isinstance(config, Mapping) else {}
        account = config.get('account') if isinstance(config.get('account'), Mapping) else {}
        account_id = account.get('id')
        if not is_customer_id(account_id):
            return self._skip('not a usable tier configuration request: no tier account')
        if str(config.get('tier_level', 1)) != '1':
            return Outcome(SKIP, f'tier configuration {config.get("id")} is not of tier 1')
        count = self.store.forget_reseller_mpn_checks(account_id)
        return Outcome(DONE, f'tier configuration of {account_id}: the partner id of {count} '
                             'customer(s) is looked up again')

    # -- cancel ----------------------------------------------------------------------------------

    def watch_cancel(self, payload: Any) -> Outcome:
        """An approved cancel: forget the asset; flag a customer left with overage and no OVG."""
        try:
            request = parse_request(payload, expected_type='cancel',
                                    expected_statuses=CANCEL_STATUSES)
        except MalformedRequest as error:
            return self._skip(f'not a usable cancel request: {error.reason}')
        return self._guarded(request, lambda: self._watch_cancel(request))

    def _watch_cancel(self, request: AssetRequest) -> Outcome:
        record = self.store.get_customer(request.customer_id)
        recorded = record is not None and request.asset_id in record.ovg_asset_ids
        if not recorded and not ovg_items(request.items, self.settings.sku_marker):
            return Outcome(SKIP, f'cancel {request.id} removes no OVG subscription')
        key = cancel_key(request.id)
        if self.store.is_event_processed(key):
            return Outcome(DONE, f'cancel {request.id} was handled already')
        customer = customer_of(request, self.settings.tenant_id_params)
        remaining = self._forget_ovg_asset(customer, request.asset_id)
        if remaining:
            self.store.mark_event_processed(key, {'remaining_ovg_assets': len(remaining)})
            return Outcome(DONE, f'cancel {request.id}: {len(remaining)} OVG asset(s) remain')
        record = self.store.get_customer(customer.customer_id)
        customer = filled_from_record(customer, record)
        target = self._overage_left_without_ovg(customer, record, request)
        if target is None:
            self.store.mark_event_processed(key, {'flagged': False})
            return Outcome(DONE, f'cancel {request.id}: no overage left behind')
        self._flag(customer, request, target)
        text = notes.cancel_note(
            customer=customer,
            link=self.link_for(customer.customer_id),
            azure_subscription_id=target or None,
        )
        written = self._post_once(request.id, key, text)
        return Outcome(DONE, f'cancel {request.id}: overage left without OVG; note {written}')

    def _forget_ovg_asset(self, customer: CustomerRef, asset_id: str) -> List[str]:
        with self.store.customer_lock(customer.customer_id,
                                      timeout_seconds=self.lock_timeout_seconds):
            record = self.store.get_customer(customer.customer_id)
            remaining = [a for a in (record.ovg_asset_ids if record else ()) if a != asset_id]
            self.store.upsert_customer(
                customer.customer_id, ovg_asset_ids=remaining, last_order_at=self.store.now(),
                **known_fields(customer),
            )
        return remaining

    def _overage_left_without_ovg(self, customer: CustomerRef, record, request) -> Optional[str]:
        """The Azure subscription overage still goes to, when no active OVG subscription is left
        (Partner Center's view, minus the one just cancelled); None when nothing is left behind.
        "" means assigned, target not known. Without a tenant id the store's last state decides.
        """
        if customer.tenant_id:
            try:
                state = self.service.state(customer, self.caller)
            except OverageError as error:
                if is_transient_overage_error(error):
                    raise
                self.log.warning('The overage of %s could not be read: %s; using the stored state',
                                 customer.customer_id, error)
            else:
                cancelled = request.asset_param(MICROSOFT_SUBSCRIPTION_PARAM)
                still_active = [
                    sub for sub in state.ovg_subscriptions
                    if sub.is_active and not same_id(sub.id, cancelled)
                ]
                if state.status != STATUS_ENABLED or still_active:
                    return None
                return state.azure_subscription_id or ''
        if record is not None and record.overage_status == STATUS_ENABLED:
            return record.azure_entitlement_id or ''
        return None

    def _flag(self, customer: CustomerRef, request: AssetRequest, target: str) -> None:
        """Set the flag and audit it, once: a redelivery finds the flag and writes nothing."""
        with self.store.customer_lock(customer.customer_id,
                                      timeout_seconds=self.lock_timeout_seconds):
            record = self.store.get_customer(customer.customer_id)
            flags = list(record.flags) if record else []
            if FLAG_OVERAGE_WITHOUT_OVG in flags:
                return
            flags.append(FLAG_OVERAGE_WITHOUT_OVG)
            self.store.upsert_customer(customer.customer_id, flags=flags)
            self.store.record_audit(
                customer_id=customer.customer_id,
                tenant_id=customer.tenant_id,
                actor_type=ACTOR_SYSTEM,
                action=ACTION_FLAG,
                outcome=SUCCEEDED,
                from_entitlement=target or None,
                from_enabled=True,
                details={
                    'flag': FLAG_OVERAGE_WITHOUT_OVG,
                    'request_id': request.id,
                    'asset_id': request.asset_id,
                },
            )

    # -- shared ----------------------------------------------------------------------------------

    def _post_once(self, request_id: str, key: str, text: str) -> str:
        """Post the note unless the request says it already (see :mod:`.note_posting`)."""
        posting = NotePosting(self.store, self.conversations,
                              lock_timeout_seconds=self.lock_timeout_seconds,
                              message_type=self.settings.notes_visibility)
        return posting.post_once(request_id, key, text)

    def _guarded(self, request: AssetRequest, work: Callable[[], Outcome]) -> Outcome:
        """Run ``work``; what may pass on a later delivery becomes ``reschedule``, a refusal that
        will not (a 4xx) ``skip``, logged."""
        try:
            # The order events' Partner Center calls take from the shared budget as order notes.
            with acting_for(NOTES):
                outcome = work()
        except OverageError as error:
            if not is_transient_overage_error(error):
                return self._skip(f'request {request.id}: Partner Center refused: {error}')
            return self._reschedule(request, f'Partner Center: {error}')
        except ClientError as error:
            if not is_transient_connect_error(error):
                # A 4xx will not change on a retry (no access to the conversation, text refused).
                return self._skip(f'request {request.id}: Connect refused: {error!r} {error}')
            return self._reschedule(request, f'Connect: {error}')
        except ConversationMissing as error:
            return self._reschedule(request, str(error))
        except CustomerLockTimeout as error:
            return self._reschedule(request, str(error))
        except OperationalError as error:
            return self._reschedule(request, f'store: {error.orig}')
        self.log.info(outcome.reason)
        return outcome

    def _reschedule(self, request: AssetRequest, why: str) -> Outcome:
        # Upstream words (a Connect error quoting the API key...) go back to Connect and the log.
        reason = redact_text(f'request {request.id} ({request.status}) rescheduled, transient failure: {why}')
        self.log.warning(reason)
        return Outcome(RESCHEDULE, reason)

    def _skip(self, reason: str) -> Outcome:
        reason = redact_text(reason)
        self.log.warning('Event skipped: %s', reason)
        return Outcome(SKIP, reason)
