"""An Azure subscription that Microsoft creates with the overage write itself.

Enabling overage without naming an Azure subscription makes Microsoft create one (its samples and
its own Manage overage page do so): "Subscription 1" under the customer's active Azure plan, or a
new no-cost Azure plan with it. What it created is only known once Microsoft shows it: overage on,
to an Azure subscription other than the one before. This module says when a read shows that, and
which Azure subscription and plan it is, for the answer, the audit entry and the webhook.
"""
from typing import Optional

from connect_ext.overage.facts import OverageFacts
from connect_ext.overage.prerequisites import Intent
from connect_ext.partner_center.models import Overage
from connect_ext.service.results import CreatedAzureSubscription
from connect_ext.store.records import PendingConfirmationRecord


def _on(overage: Optional[Overage]) -> Optional[str]:
    """The Azure subscription overage goes to (lower case), or None when off or not named."""
    if overage is None or not overage.overage_enabled:
        return None
    return (overage.azure_entitlement_id or '').strip().lower() or None


def shows(overage: Optional[Overage], intent: Intent, before: Optional[Overage] = None) -> bool:
    """Whether Microsoft's overage already is what ``intent`` asks for; for a created Azure
    subscription: on, to one that is not where overage went ``before`` the write."""
    if intent.action == Intent.DISABLE:
        return not (overage and overage.overage_enabled)
    shown = _on(overage)
    if intent.action == Intent.CREATE:
        return shown is not None and shown != _on(before)
    return shown is not None and shown == intent.azure_subscription_id.lower()


def is_creation(pending: Optional[PendingConfirmationRecord]) -> bool:
    """An awaited change that enables overage to an Azure subscription Microsoft creates (its
    target is unknown until Microsoft shows it)."""
    return bool(pending is not None and pending.to_enabled and not pending.to_entitlement)


def created_in(overage: Optional[Overage], facts: Optional[OverageFacts],
               before_plan_ids=()) -> Optional[CreatedAzureSubscription]:
    """What Microsoft created, as ``overage`` shows it and ``facts`` (read after it) name it;
    None when ``overage`` shows none. ``before_plan_ids``: the Azure plans seen before the write
    (a plan not among them is new)."""
    shown = _on(overage)
    if shown is None:
        return None
    entitlement = facts.find_entitlement(shown) if facts is not None else None
    plan = facts.plan_of(entitlement) if entitlement is not None else None
    known_plans = {plan_id.lower() for plan_id in before_plan_ids}
    return CreatedAzureSubscription(
        azure_subscription_id=overage.azure_entitlement_id,
        name=entitlement.friendly_name if entitlement is not None else None,
        azure_plan_id=plan.id if plan is not None else None,
        azure_plan_name=(plan.friendly_name or plan.offer_name) if plan is not None else None,
        new_azure_plan=None if plan is None else plan.id.lower() not in known_plans,
    )
