"""Gathering the facts of one customer from Partner Center: five calls at once, one round.

The customer, its qualifications, its subscriptions and its overage setting are independent and
read in parallel; the Azure entitlements of each Azure plan need the plan's id, so the plan ids
seen at the tenant's last read are listed speculatively in the same round (a second round only
reads plans that are new). Those plan ids are kept in the store, so a new process reads in one
round too, and a page's requests at once share one read (:mod:`.reads`). Every failure is
translated into the public :class:`OverageError`.
"""
import contextvars
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional, Sequence

from connect_ext.errors.error import OverageError
from connect_ext.errors.microsoft import translate
from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.partner_center.models import Overage
from connect_ext.service.reads import SharedReads


logger = logging.getLogger(__name__)


class FactsGatherer:
    """Reads :class:`OverageFacts` with ``client`` on ``executor``'s threads; ``reads`` keeps the
    plan ids and shares reads (:class:`.reads.SharedReads`; None: in this process only)."""

    def __init__(self, client, executor: ThreadPoolExecutor, reads: Optional[SharedReads] = None):
        self.client = client
        self.executor = executor
        self.reads = reads or SharedReads(None, lease_seconds=0.0)

    def gather(
        self, customer: CustomerRef, caller: Caller, *, correlation_id: Optional[str] = None,
        shared: bool = False,
    ) -> OverageFacts:
        """Every fact the rules need, read from Partner Center in parallel: now, or (``shared``)
        the read another request at the same moment makes or has just made (:mod:`.reads`).

        The entitlements of an Azure plan can only be listed once the plan's subscription id is
        known, which would make two rounds of calls. The plan ids seen at the last read of this
        tenant (kept in the store) are listed speculatively in the first round; a second round
        happens only for plans that were not known (a new plan), so an ordinary read costs one
        round, in a new process too.
        """
        if not customer.tenant_id:
            raise OverageError.from_code('TENANT_ID_UNKNOWN', customer_id=customer.customer_id)

        def read(known_plans: Sequence[str]) -> OverageFacts:
            return self._gather(customer, caller, correlation_id, known_plans)

        if shared:
            return self.reads.read(customer, caller, read)
        known = self.reads.known_plans(customer.tenant_id)
        facts = read(known)
        self.reads.remember_plans(customer.tenant_id, facts, known)
        return facts

    def _gather(self, customer: CustomerRef, caller: Caller, correlation_id: Optional[str],
                known_plans: Sequence[str]) -> OverageFacts:
        tenant = customer.tenant_id
        correlation_id = correlation_id or str(uuid.uuid4())
        calls = {
            'ms_customer': (self.client.get_customer, (tenant,), {'include_qualifications': False}),
            'qualifications': (self.client.get_qualifications, (tenant,), {}),
            'subscriptions': (self.client.list_subscriptions, (tenant,), {}),
            'overage': (self.client.get_overage, (tenant,), {}),
        }
        for plan_id in known_plans:
            calls[('plan', plan_id)] = (self.client.list_azure_entitlements, (tenant, plan_id), {})
        first = self._in_parallel(calls, correlation_id, customer, tolerate=set(known_plans))
        # Every Azure plan, whatever its status: overage pointing at a subscription of a suspended
        # plan is still ours, and must not look like another partner's.
        plans = [sub.id for sub in first['subscriptions'] if sub.is_azure_plan]
        entitlements = {plan_id: first[('plan', plan_id)] for plan_id in plans if ('plan', plan_id) in first}
        missing = [plan_id for plan_id in plans if plan_id not in entitlements]
        # Without an active Azure plan, a new Azure subscription needs a new plan, and that the
        # customer's acceptance of the Microsoft Customer Agreement: read it in the same round.
        no_active_plan = not any(sub.is_active and sub.is_azure_plan for sub in first['subscriptions'])
        agreement = (
            self.executor.submit(self._mca_accepted, tenant, correlation_id) if no_active_plan else None
        )
        entitlements.update(
            self._in_parallel(
                {
                    plan_id: (self.client.list_azure_entitlements, (tenant, plan_id), {})
                    for plan_id in missing
                },
                correlation_id,
                customer,
            )
        )
        ms_customer = first['ms_customer']
        ms_customer.qualifications = list(first['qualifications'])
        return OverageFacts(
            customer=customer,
            caller=caller,
            ms_customer=ms_customer,
            subscriptions=list(first['subscriptions']),
            entitlements={plan_id: list(items) for plan_id, items in entitlements.items()},
            # Microsoft answers an empty collection when overage was never set: that is "off".
            overage=first['overage'] or Overage(overage_enabled=False),
            mca_accepted=agreement.result() if agreement is not None else None,
        )

    def _mca_accepted(self, tenant: str, correlation_id: str) -> Optional[bool]:
        """Whether Partner Center holds the customer's acceptance of the Microsoft Customer
        Agreement; None when it cannot tell (App+User only; any failure leaves the page readable)."""
        try:
            return self.client.has_customer_agreement(tenant, correlation_id=correlation_id)
        except PartnerCenterError as error:
            logger.info('The customer agreements of %s could not be read: %s', tenant, error.kind)
            return None

    def _in_parallel(self, calls, correlation_id, customer, tolerate=()) -> Dict[Any, Any]:
        """Run ``calls`` (key -> (function, args, kwargs)) at once and raise the first failure,
        translated; failures of the speculative plan reads (ids in ``tolerate``) are dropped."""
        futures = {
            # Each in the caller's context: its Partner Center priority goes with it.
            key: self.executor.submit(
                contextvars.copy_context().run, func, *args, correlation_id=correlation_id, **kwargs,
            )
            for key, (func, args, kwargs) in calls.items()
        }
        results, first_error = {}, None
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except PartnerCenterError as error:
                if not (isinstance(key, tuple) and key[1] in tolerate):
                    first_error = first_error or error
        if first_error:
            raise translate(first_error, context={'tenant_id': customer.tenant_id}) from first_error
        return results
