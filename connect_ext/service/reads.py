"""One Partner Center read of a customer for every request that needs it at once.

The Manage Overage page asks for the state and the options at the same moment, and each needs the
whole read (customer, qualifications, subscriptions, overage, Azure subscriptions). Reading twice
would spend twice the rate limit for the same answer, so the read is shared — between the threads
of one process and between processes and replicas, through the store's ``partner_center_reads``
row of the tenant (:mod:`connect_ext.store.partner_center_reads`):

- a read that *started* less than :data:`SHARED_READ_SECONDS` before a request arrived answers it;
- otherwise the request takes the row's lease and reads; a request that finds the lease held by
  another reader waits for that read (polling the row) instead of reading again, and reads itself
  when that read failed or its lease ran out;
- a change never uses a kept read (it reads Microsoft again, under the customer's lock), and when
  it is done it forgets the kept read, so no read started before a change answers a request that
  arrives after it.

The row also keeps the Azure plan ids of the tenant's last read, so a new process lists their Azure
subscriptions in the first round (:mod:`.gathering`). A store that fails never stops a read: the
request reads alone (logged), with the plan ids this process remembers.
"""
import logging
import math
import threading
import time
import uuid
from dataclasses import replace
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from sqlalchemy.exc import SQLAlchemyError

from connect_ext.cache import BoundedCache
from connect_ext.compat import dump, parse
from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.partner_center.models import AzureEntitlement, Customer, Overage, Subscription


logger = logging.getLogger(__name__)

# How old (from its start) a read may be when a request arrives for it to answer that request.
# The page's two requests leave together and reach us within a second of each other even through
# Connect's proxy, and one read takes 0.2 to a few seconds (five calls at once, retries included);
# five seconds covers the pair on a slow day while no page shows a state more than a few seconds
# older than its request — far less than Microsoft's own delay in showing a change.
SHARED_READ_SECONDS = 5.0
# How often a request waiting for another's read looks at the row (real seconds).
POLL_SECONDS = 0.02
# How many tenants' Azure plan ids this process remembers when the store cannot be read.
KNOWN_PLANS_MAX = 50_000


def facts_json(facts: OverageFacts) -> Dict[str, Any]:
    """What Partner Center said, as plain JSON (Microsoft's field names); not who asked."""
    return {
        'customer': dump(facts.ms_customer) if facts.ms_customer is not None else None,
        'subscriptions': [dump(sub) for sub in facts.subscriptions],
        # Pairs, not an object: a plan id keeps its spelling.
        'entitlements': [[plan_id, [dump(item) for item in items]]
                         for plan_id, items in facts.entitlements.items()],
        'overage': dump(facts.overage) if facts.overage is not None else None,
        'mca_accepted': facts.mca_accepted,
    }


def facts_from_json(data: Dict[str, Any], customer: CustomerRef, caller: Caller) -> OverageFacts:
    return OverageFacts(
        customer=customer,
        caller=caller,
        ms_customer=parse(Customer, data['customer']) if data.get('customer') is not None else None,
        subscriptions=[parse(Subscription, sub) for sub in data.get('subscriptions') or ()],
        entitlements={plan_id: [parse(AzureEntitlement, item) for item in items]
                      for plan_id, items in data.get('entitlements') or ()},
        overage=parse(Overage, data['overage']) if data.get('overage') is not None else None,
        mca_accepted=data.get('mca_accepted'),
    )


def plan_ids_of(facts: OverageFacts) -> Tuple[str, ...]:
    """The Azure plans a read saw, whatever their status (see :mod:`.gathering`)."""
    return tuple(sub.id for sub in facts.subscriptions if sub.is_azure_plan)


# A read of Partner Center given the plan ids known before it.
Gather = Callable[[Sequence[str]], OverageFacts]


class _InFlight:
    """The read one thread gets for the threads of its process that ask for it meanwhile."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.facts: Optional[OverageFacts] = None


class SharedReads:
    """The reads of one service, shared through ``rows`` (``Store.partner_center_reads``; None:
    nothing shared, the plan ids kept in this process only).

    ``clock`` is seconds on the time every process shares (wall-clock seconds in production);
    ``lease_seconds`` bounds how long others wait for one read (a read's own bound).
    """

    def __init__(self, rows, *, lease_seconds: float, clock: Callable[[], float] = time.time,
                 window_seconds: float = SHARED_READ_SECONDS, poll_seconds: float = POLL_SECONDS,
                 sleep: Callable[[float], None] = time.sleep):
        self._rows = rows
        self.lease_seconds = lease_seconds
        self.window_seconds = window_seconds
        self._clock = clock
        self._poll = poll_seconds
        self._sleep = sleep
        self._memory = BoundedCache(KNOWN_PLANS_MAX)
        # tenant -> the read one thread of this process is getting for the others (see read()).
        self._in_flight: Dict[str, _InFlight] = {}
        self._in_flight_lock = threading.Lock()

    # -- the plan ids ------------------------------------------------------------------------

    def known_plans(self, tenant: str) -> Tuple[str, ...]:
        """The Azure plan ids seen at the tenant's last read, by any process."""
        if self._rows is None:
            return self._memory.get(tenant.lower(), ())
        try:
            row = self._rows.get(tenant)
        except SQLAlchemyError:
            logger.warning('The stored Partner Center read of %s could not be read', tenant,
                           exc_info=True)
            return self._memory.get(tenant.lower(), ())
        return row.plan_ids if row is not None else self._memory.get(tenant.lower(), ())

    def remember_plans(self, tenant: str, facts: OverageFacts, known: Sequence[str]) -> None:
        """Keep the plan ids of a read nobody shares (a change's), when they changed."""
        plans = plan_ids_of(facts)
        self._memory.put(tenant.lower(), plans)
        if self._rows is None or tuple(known) == plans:
            return
        try:
            self._rows.remember_plans(tenant, plans)
        except SQLAlchemyError:
            logger.warning('The Azure plans of %s could not be stored', tenant, exc_info=True)

    # -- the shared read ---------------------------------------------------------------------

    def read(self, customer: CustomerRef, caller: Caller, gather: Gather) -> OverageFacts:
        """The read that answers this request: one started less than ``window_seconds`` before it
        arrived, the one another request was making when it arrived, or a new one (``gather``).

        Within this process one thread per tenant goes to the store (and to Partner Center); the
        threads that arrive meanwhile take what it gets, at once (no polling)."""
        tenant = customer.tenant_id
        if self._rows is None:
            return self._alone(tenant, gather)
        key = tenant.lower()
        with self._in_flight_lock:
            flight = self._in_flight.get(key)
            leading = flight is None
            if leading:
                flight = self._in_flight[key] = _InFlight()
        if not leading:
            if flight.done.wait(self.lease_seconds) and flight.facts is not None:
                return replace(flight.facts, customer=customer, caller=caller)
            return self._shared(customer, caller, gather)  # that read failed: on our own
        try:
            flight.facts = self._shared(customer, caller, gather)
            return flight.facts
        finally:
            with self._in_flight_lock:
                if self._in_flight.get(key) is flight:
                    del self._in_flight[key]
            flight.done.set()

    def _shared(self, customer: CustomerRef, caller: Caller, gather: Gather) -> OverageFacts:
        """The read through the store's row, shared with every other process."""
        tenant = customer.tenant_id
        # Kept reads that started less than the window before this request answer it.
        fresh_since = math.nextafter(self._clock() - self.window_seconds, math.inf)
        owner = str(uuid.uuid4())
        waited_until: Optional[float] = None
        # The wait is bounded in polls too: another process's clock may run ahead of ours.
        polls_left = int(self.lease_seconds / self._poll) + 1
        while True:
            now = self._clock()
            try:
                row = self._rows.get(tenant)
                if row is not None and row.facts is not None and (row.read_at or 0) >= fresh_since:
                    return facts_from_json(row.facts, customer, caller)
                if self._rows.lease(tenant, owner, now=now, until=now + self.lease_seconds,
                                    fresh_since=fresh_since):
                    break
            except SQLAlchemyError:
                logger.warning('The shared Partner Center read of %s is unavailable; reading alone',
                               tenant, exc_info=True)
                return self._alone(tenant, gather)
            if waited_until is None:
                # Another request reads this tenant now: wait for its read (it started at
                # ``leased_at``, on its reader's clock, as its ``read_at`` will) rather than read
                # again.
                leased_at = row.leased_at if row is not None else None
                fresh_since = min(fresh_since, leased_at if leased_at is not None else now)
                waited_until = now + self.lease_seconds
            polls_left -= 1
            if now >= waited_until or polls_left < 0:
                return self._alone(tenant, gather)
            self._sleep(self._poll)
        return self._read_leased(tenant, owner, now, row, gather)

    def _read_leased(self, tenant, owner, started, row, gather) -> OverageFacts:
        known = row.plan_ids if row is not None else ()
        try:
            facts = gather(known)
        except BaseException:
            try:
                self._rows.release(tenant, owner)
            except SQLAlchemyError:
                logger.warning('The lease of the read of %s could not be released', tenant,
                               exc_info=True)
            raise
        self._memory.put(tenant.lower(), plan_ids_of(facts))
        try:
            self._rows.keep(tenant, owner, facts=facts_json(facts), read_at=started,
                            plan_ids=plan_ids_of(facts))
        except SQLAlchemyError:
            logger.warning('The read of %s could not be kept', tenant, exc_info=True)
        return facts

    def _alone(self, tenant: str, gather: Gather) -> OverageFacts:
        facts = gather(self._memory.get(tenant.lower(), ()))
        self._memory.put(tenant.lower(), plan_ids_of(facts))
        return facts

    def forget(self, customer: CustomerRef) -> None:
        """A change was made (or tried): no read kept from before it answers anyone again."""
        if self._rows is None or not customer.tenant_id:
            return
        with self._in_flight_lock:
            # A read under way started before the change ended: later requests do not join it.
            self._in_flight.pop(customer.tenant_id.lower(), None)
        try:
            self._rows.forget(customer.tenant_id)
        except SQLAlchemyError:
            logger.warning('The kept read of %s could not be forgotten', customer.tenant_id,
                           exc_info=True)


def shared_reads(store, settings, now: Callable[[], Any],
                 window_seconds: float = SHARED_READ_SECONDS) -> SharedReads:
    """The shared reads of a service on ``store``: its clock (``now``, aware datetimes) in
    seconds; others wait for one read at most as long as a read may take (two rounds of calls,
    each within the client's retry budget)."""
    budget = settings.partner_center.retry_budget_seconds
    return SharedReads(store.partner_center_reads, lease_seconds=2 * budget + 5.0,
                       clock=lambda: now().timestamp(), window_seconds=window_seconds)
