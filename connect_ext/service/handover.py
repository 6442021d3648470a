"""Handing a customer's overage over from the partner that holds it: ask once, and it completes when
the holder lets go.

Microsoft lets one partner at a time hold a customer's overage; to move it "the three parties
involved must first agree", then the holder sets it to None, and only then can another partner
assign it. A handover request records that we want it (:meth:`HandoverService.ask`): to an Azure
subscription of ours, or to one Microsoft creates, enabling it as soon as Microsoft shows it
released (``enable_when_released``) or only telling whoever asked. What it guarantees:

- asking writes nothing to Microsoft, and is refused (nothing recorded) unless another partner
  holds the overage now, or while the customer has an open request (one per customer);
- who may ask or cancel is who may change the overage (:func:`connect_ext.overage.access.may_change`:
  the owner, the customer's reseller, a customer only with ``CUSTOMERS_MAY_CHANGE``);
- the watch (:meth:`HandoverService.watch`, one Partner Center read per request, run by
  :mod:`connect_ext.orders.handover_watch`) decides each open request: released → enabled through
  :meth:`OverageService.change` — the same path as a person's change, every rule checked again at
  that moment, as the person who asked — or, notify only, ended as released; the holder changed
  without releasing → the request stays and says so; ``HANDOVER_DAYS`` passed → expired;
- each step happens once, however many watches run (:mod:`connect_ext.store.handovers`), with one
  audit entry and one signed webhook (``overage.handover.<event>``; the change adds its own).
"""
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Optional

from connect_ext.customers.refs import ref_from_record
from connect_ext.errors.error import OverageError
from connect_ext.errors.microsoft import translate
from connect_ext.overage.access import may_change
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.overage.prerequisites import Intent
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.service.handover_notices import HandoverNotice
from connect_ext.store.records import HandoverRecord
from connect_ext.vocabulary import (
    ACTION_HANDOVER,
    ACTOR_SYSTEM,
    HANDOVER_CANCELLED,
    HANDOVER_ENABLED,
    HANDOVER_ENABLING,
    HANDOVER_EXPIRED,
    HANDOVER_OPEN_STATES,
    HANDOVER_RELEASED,
    HANDOVER_REQUESTED,
    HANDOVER_STOPPED,
    HANDOVER_WAITING,
    RESELLER,
    STATUS_ENABLED,
    STATUS_OTHER_PARTNER,
    same_id,
)


logger = logging.getLogger(__name__)

# What one watch of a request found (the watch's report sorts requests by it).
WATCH_WAITING = 'waiting'
WATCH_HOLDER_CHANGED = 'holder_changed'
WATCH_TAKEN = 'taken'  # another worker took the step first: nothing done here


class HandoverService:
    """Handover requests over the overage service's store, Partner Center client and notifier."""

    def __init__(self, overage, *, store=None, now: Optional[Callable[[], datetime]] = None,
                 notify: Optional[Callable[[Any], Any]] = None):
        self.overage = overage
        self.store = store if store is not None else overage.store
        self._now = now
        self._notify_to = notify

    # The overage service's own, read when used (it may be replaced, e.g. its settings, meanwhile).
    @property
    def settings(self):
        return self.overage.settings

    def now(self) -> datetime:
        return self._now() if self._now is not None else self.overage.now()

    @property
    def notify(self) -> Optional[Callable[[Any], Any]]:
        return self._notify_to if self._notify_to is not None else getattr(self.overage, 'notify', None)

    # -- people ----------------------------------------------------------------------------------

    def ask(
        self,
        customer: CustomerRef,
        caller: Caller,
        *,
        azure_subscription_id: Optional[str] = None,
        create_azure_subscription: bool = False,
        enable_when_released: bool = True,
        actor_name: Optional[str] = None,
    ) -> HandoverRecord:
        """Record the request; refused (nothing recorded, nothing sent to Microsoft) unless another
        partner holds the customer's overage now, or while the customer has an open request."""
        self._check_may_change(customer, caller)
        if bool(azure_subscription_id) == bool(create_azure_subscription):
            raise ValueError('name the Azure subscription or ask to create one, not both')
        open_request = self._current(customer)
        if open_request is not None and open_request.state in HANDOVER_OPEN_STATES:
            raise OverageError.from_code(
                'HANDOVER_ALREADY_REQUESTED', requested_at=open_request.requested_at.isoformat(),
            )
        state = self.overage.state(customer, caller)  # reads Microsoft; writes nothing there
        overage = state.facts.overage
        if state.status != STATUS_OTHER_PARTNER:
            raise OverageError.from_code('HANDOVER_NOT_NEEDED', shown=_shown(state.status))
        if azure_subscription_id and state.facts.find_entitlement(azure_subscription_id) is None:
            # The request could never complete: the same refusal as a change to it would get.
            raise OverageError.from_code('AZURE_SUBSCRIPTION_NOT_FOUND',
                                         azure_subscription_id=azure_subscription_id)
        requested_at = self.now()
        begun = self.store.handovers.begin(
            customer.customer_id,
            tenant_id=customer.tenant_id,
            azure_subscription_id=azure_subscription_id,
            create_azure_subscription=bool(create_azure_subscription),
            enable_when_released=bool(enable_when_released),
            holder_partner_id=overage.partner_id if overage else None,
            holder_entitlement_id=overage.azure_entitlement_id if overage else None,
            requested_at=requested_at,
            expires_at=requested_at + timedelta(days=self.settings.handover_days),
            requested_by_type=caller.role,
            requested_by_id=caller.account_id,
            requested_by_name=actor_name,
            audit=self._audit_of(customer, HANDOVER_REQUESTED, caller.role, caller.account_id, actor_name,
                                 target=(azure_subscription_id, enable_when_released),
                                 holder=overage.azure_entitlement_id if overage else None),
        )
        if begun is None:  # another request was recorded between the check and now
            raise OverageError.from_code('HANDOVER_ALREADY_REQUESTED')
        record, entry = begun
        self._notify(customer, HANDOVER_REQUESTED, entry, record)
        return record

    def read(self, customer: CustomerRef, caller: Caller) -> Optional[HandoverRecord]:
        """The customer's request (open, or the last that ended); one past its time ends now."""
        self.overage._check_caller(customer, caller)
        return self._current(customer)

    def cancel(self, customer: CustomerRef, caller: Caller, *, actor_name: Optional[str] = None
               ) -> HandoverRecord:
        """End the customer's waiting request; HANDOVER_NOT_FOUND when none waits."""
        self._check_may_change(customer, caller)
        record = self._current(customer)
        if record is None or record.state != HANDOVER_WAITING:
            raise OverageError.from_code('HANDOVER_NOT_FOUND')
        ended = self.store.handovers.advance(
            customer.customer_id, record.request_id, from_states=(HANDOVER_WAITING,),
            to_state=HANDOVER_CANCELLED,
            values={'ended_at': self.now(), 'ended_by_type': caller.role, 'ended_by_id': caller.account_id},
            audit=self._audit_of(customer, HANDOVER_CANCELLED, caller.role, caller.account_id, actor_name,
                                 target=_target_of(record)),
        )
        if ended is None:  # released, expired or cancelled by someone else a moment ago
            raise OverageError.from_code('HANDOVER_NOT_FOUND')
        self._notify(customer, HANDOVER_CANCELLED, ended[1], ended[0])
        return ended[0]

    # -- the watch -------------------------------------------------------------------------------

    def watch(self, record: HandoverRecord) -> str:
        """Read Microsoft once for an open request (claimed by the caller) and take the step that
        read decides; what it found: a state it ended in, ``waiting``, ``holder_changed`` or
        ``taken``. A request whose read fails stays as it is (the error is raised, translated)."""
        customer = self._customer_of(record)
        if self.now() >= record.expires_at and record.state == HANDOVER_WAITING:
            return self._expire(customer, record) or WATCH_TAKEN
        if record.state == HANDOVER_ENABLING:
            # Released already, and the change did not end (a worker stopped mid-way): finish it.
            return self._enable(customer, record)
        if not customer.tenant_id:
            raise OverageError.from_code('TENANT_ID_UNKNOWN', customer_id=customer.customer_id)
        try:
            overage = self.overage.client.get_overage(customer.tenant_id)
        except PartnerCenterError as error:
            raise translate(error, context={'tenant_id': customer.tenant_id}) from error
        if overage is None or not overage.overage_enabled:
            return self._released(customer, record)
        if (same_id(overage.partner_id, record.current_holder_partner_id)
                and same_id(overage.azure_entitlement_id, record.current_holder_entitlement_id)):
            return WATCH_HOLDER_CHANGED if record.holder_changed_at else WATCH_WAITING
        # Someone assigned it without it reading as released here: to us, or to yet another partner.
        if self.overage.refresh(customer) == STATUS_ENABLED:
            ended = self.store.handovers.advance(
                customer.customer_id, record.request_id, from_states=(HANDOVER_WAITING,),
                to_state=HANDOVER_ENABLED, values={'released_at': self.now(), 'ended_at': self.now()},
            )
            return HANDOVER_ENABLED if ended else WATCH_TAKEN
        self.store.handovers.note(customer.customer_id, record.request_id, {
            'current_holder_partner_id': overage.partner_id,
            'current_holder_entitlement_id': overage.azure_entitlement_id,
            'holder_changed_at': self.now(),
        })
        logger.info('The overage of %s moved to partner %s without being released; the handover '
                    'waits on', customer.customer_id, overage.partner_id)
        return WATCH_HOLDER_CHANGED

    def _released(self, customer: CustomerRef, record: HandoverRecord) -> str:
        enabling = record.enable_when_released
        moved = self.store.handovers.advance(
            customer.customer_id, record.request_id, from_states=(HANDOVER_WAITING,),
            to_state=HANDOVER_ENABLING if enabling else HANDOVER_RELEASED,
            values={'released_at': self.now(), **({} if enabling else {'ended_at': self.now()})},
            audit=self._audit_of(customer, HANDOVER_RELEASED, ACTOR_SYSTEM, None, None,
                                 target=_target_of(record), holder=record.current_holder_entitlement_id),
            keep_claim=enabling,  # this worker goes on with the change; nobody else may
        )
        if moved is None:
            return WATCH_TAKEN
        self._notify(customer, HANDOVER_RELEASED, moved[1], moved[0])
        return self._enable(customer, moved[0]) if enabling else HANDOVER_RELEASED

    def _enable(self, customer: CustomerRef, record: HandoverRecord) -> str:
        """The change, as the person who asked, through the one change path; the request ends
        ``enabled`` or ``stopped`` (saying why). A transient failure leaves it to the next watch."""
        caller = Caller(role=record.requested_by_type, account_id=record.requested_by_id or '')
        if caller.role == RESELLER and self.store.seen_at(caller.account_id, customer.customer_id):
            # Connect showed the reseller this customer, as last recorded; a reseller it stopped
            # showing it to is refused by the change's own rules.
            customer = replace(customer, visible_to=customer.visible_to | {caller.account_id})
        intent = (Intent.create() if record.create_azure_subscription
                  else Intent.enable(record.azure_subscription_id))
        try:
            if not may_change(caller, self.settings):
                raise OverageError.from_code('CUSTOMER_CHANGES_DISABLED')
            result = self.overage.change(customer, caller, intent, actor_name=record.requested_by_name)
        except OverageError as error:
            if error.transient and self.now() < record.expires_at:
                raise
            ended = self.store.handovers.advance(
                customer.customer_id, record.request_id, from_states=(HANDOVER_ENABLING,),
                to_state=HANDOVER_STOPPED,
                values={'ended_at': self.now(), 'stop_code': error.code, 'stop_message': error.message},
            )
            logger.warning('The handover of %s was released but enabling stopped: %s',
                           customer.customer_id, error.code)
            return HANDOVER_STOPPED if ended else WATCH_TAKEN
        ended = self.store.handovers.advance(
            customer.customer_id, record.request_id, from_states=(HANDOVER_ENABLING,),
            to_state=HANDOVER_ENABLED,
            values={'ended_at': self.now(), 'change_audit_id': result.audit_id,
                    'change_outcome': result.outcome},
        )
        return HANDOVER_ENABLED if ended else WATCH_TAKEN

    # -- helpers ---------------------------------------------------------------------------------

    def _current(self, customer: CustomerRef) -> Optional[HandoverRecord]:
        record = self.store.handovers.get(customer.customer_id)
        if record is not None and record.state == HANDOVER_WAITING and self.now() >= record.expires_at:
            self._expire(customer, record)
            record = self.store.handovers.get(customer.customer_id)
        return record

    def _expire(self, customer: CustomerRef, record: HandoverRecord) -> Optional[str]:
        ended = self.store.handovers.advance(
            customer.customer_id, record.request_id, from_states=(HANDOVER_WAITING,),
            to_state=HANDOVER_EXPIRED, values={'ended_at': self.now()},
            audit=self._audit_of(customer, HANDOVER_EXPIRED, ACTOR_SYSTEM, None, None,
                                 target=_target_of(record)),
        )
        if ended is None:
            return None
        self._notify(customer, HANDOVER_EXPIRED, ended[1], ended[0])
        return HANDOVER_EXPIRED

    def _customer_of(self, record: HandoverRecord) -> CustomerRef:
        stored = self.store.get_customer(record.customer_id)
        if stored is None:
            return CustomerRef(record.customer_id, record.tenant_id)
        return ref_from_record(stored)

    def _check_may_change(self, customer: CustomerRef, caller: Caller) -> None:
        self.overage._check_caller(customer, caller)
        if not may_change(caller, self.settings):
            raise OverageError.from_code('CUSTOMER_CHANGES_DISABLED')

    def _audit_of(self, customer: CustomerRef, event: str, actor_type: str, actor_id: Optional[str],
                  actor_name: Optional[str], *, target, holder: Optional[str] = None) -> Dict[str, Any]:
        azure_subscription_id, enable_when_released = target
        return {
            'customer_id': customer.customer_id,
            'tenant_id': customer.tenant_id,
            'at': self.now(),
            'actor_type': actor_type,
            'actor_id': actor_id,
            'actor_name': actor_name,
            'action': ACTION_HANDOVER,
            'outcome': event,
            'from_enabled': True if holder else None,
            'from_entitlement': holder,
            'to_enabled': True,
            'to_entitlement': azure_subscription_id,
            'details': {
                'create_azure_subscription': not azure_subscription_id,
                'enable_when_released': enable_when_released,
            },
        }

    def _notify(self, customer: CustomerRef, event: str, entry, record: HandoverRecord) -> None:
        if self.notify is None:
            return
        try:
            self.notify(HandoverNotice(customer, event, entry.id if entry else None, record))
        except Exception:  # the step happened; a notifier failure must not undo the answer
            logger.exception('Could not notify the handover %s of %s', event, customer.customer_id)


def _target_of(record: HandoverRecord):
    return record.azure_subscription_id, record.enable_when_released


def _shown(status: str) -> str:
    return {'enabled': 'enabled to an Azure subscription of yours', 'disabled': 'off'}.get(status, status)
