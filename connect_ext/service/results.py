"""What the overage service's use cases answer: plain domain results, never JSON.

The web API renders them (:mod:`connect_ext.api.presenters`), the order notes read them
(:mod:`connect_ext.orders.notes`), and the webhook renders :class:`AuditedChange`
(:mod:`connect_ext.notifications.events`); none of them reads another's output.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import CustomerRef, OverageFacts
from connect_ext.overage.prerequisites import (
    Finding,
    Intent,
    blocking_findings,
    creation_findings,
    creation_of,
    describe_creation,
)
from connect_ext.partner_center.models import AzureEntitlement, Overage, Subscription
from connect_ext.store.records import PendingConfirmationRecord
from connect_ext.vocabulary import APPLIED_OUTCOMES, STATUS_ENABLED


@dataclass(frozen=True)
class OverageTarget:
    """The Azure subscription overage goes to now, and the Azure plan it was read under.

    ``entitlement`` is None when it is not one of ours (another partner's); ``plan`` is None when
    the plan it was read under is not among the customer's subscriptions.
    """

    azure_subscription_id: str  # as Microsoft's setting names it
    entitlement: Optional[AzureEntitlement] = None
    plan: Optional[Subscription] = None


@dataclass(frozen=True)
class OverageState:
    """What ``GET /customers/{id}/overage`` shows: Microsoft's state read now, and the findings."""

    facts: OverageFacts
    status: str
    findings: List[Finding]
    etag: str
    checked_at: datetime
    # A change Microsoft accepted but does not show yet, still awaited (None: nothing awaited).
    pending: Optional[PendingConfirmationRecord] = None

    @property
    def customer(self) -> CustomerRef:
        return self.facts.customer

    @property
    def overage(self) -> Optional[Overage]:
        return self.facts.overage

    @property
    def enabled(self) -> bool:
        return bool(self.overage and self.overage.overage_enabled)

    @property
    def azure_subscription_id(self) -> Optional[str]:
        """The Azure subscription Microsoft's setting names (even when overage is off)."""
        return self.overage.azure_entitlement_id if self.overage else None

    @property
    def partner_id(self) -> Optional[str]:
        return self.overage.partner_id if self.overage else None

    @property
    def target(self) -> Optional[OverageTarget]:
        """Where overage goes now; None when it is off or was not read."""
        chosen = self.facts.current_azure_subscription_id
        if not chosen:
            return None
        entitlement = self.facts.find_entitlement(chosen)
        plan = self.facts.plan_of(entitlement) if entitlement is not None else None
        return OverageTarget(chosen, entitlement, plan)

    @property
    def ovg_subscriptions(self) -> List[Subscription]:
        """The customer's overage-capable (OVG) subscriptions, whatever their status."""
        return [sub for sub in self.facts.subscriptions if sub.is_overage_capable]


@dataclass(frozen=True)
class AzureSubscriptionChoice:
    """An Azure subscription of an active Azure plan: may it receive overage, does it now."""

    entitlement: AzureEntitlement
    eligible: bool
    current: bool


@dataclass(frozen=True)
class AzurePlanChoice:
    plan: Subscription
    azure_subscriptions: List[AzureSubscriptionChoice]


@dataclass(frozen=True)
class AzureSubscriptionCreation:
    """Whether Microsoft may create an Azure subscription for the overage, and what it would
    create: ``creates`` is the vocabulary's ``CREATES_AZURE_SUBSCRIPTION`` (under ``azure_plan``)
    or ``CREATES_AZURE_PLAN`` (a new no-cost plan with "Subscription 1")."""

    possible: bool
    creates: str
    description: str
    azure_plan: Optional[Subscription]
    findings: List[Finding]


@dataclass(frozen=True)
class CreatedAzureSubscription:
    """The Azure subscription (and plan) Microsoft created for the overage, as it shows them."""

    azure_subscription_id: str
    name: Optional[str] = None
    azure_plan_id: Optional[str] = None
    azure_plan_name: Optional[str] = None
    # Whether the Azure plan is new too (None: the plan is not known yet).
    new_azure_plan: Optional[bool] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            'azure_subscription_id': self.azure_subscription_id,
            'name': self.name,
            'azure_plan_id': self.azure_plan_id,
            'azure_plan_name': self.azure_plan_name,
            'new_azure_plan': self.new_azure_plan,
        }


@dataclass(frozen=True)
class OverageOptions:
    """The Azure plans and subscriptions that may receive the overage; whether None may be set."""

    state: OverageState

    @property
    def azure_plans(self) -> List[AzurePlanChoice]:
        facts = self.state.facts
        current = (facts.current_azure_subscription_id or '').lower()
        return [
            AzurePlanChoice(plan, [
                AzureSubscriptionChoice(
                    entitlement=ent,
                    eligible=facts.is_eligible(ent.id),
                    current=ent.id.lower() == current and self.state.status == STATUS_ENABLED,
                )
                for ent in facts.entitlements_of(plan.id)
            ])
            for plan in facts.active_azure_plans
        ]

    @property
    def can_enable(self) -> bool:
        return not blocking_findings(self.state.findings, Intent.ENABLE)

    @property
    def can_disable(self) -> bool:
        return not blocking_findings(self.state.findings, Intent.DISABLE)

    def creation(self, settings: Any = None) -> AzureSubscriptionCreation:
        """Whether a new Azure subscription may be created (``settings``: the blocked countries)."""
        facts = self.state.facts
        findings = creation_findings(facts, settings)
        return AzureSubscriptionCreation(
            possible=not findings,
            creates=creation_of(facts),
            description=describe_creation(facts),
            azure_plan=facts.creation_plan,
            findings=findings,
        )


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of an enable, move or disable, as recorded in the audit trail."""

    state: OverageState
    action: str
    outcome: str  # SUCCEEDED, NO_CHANGE or UNCONFIRMED (a failure raises)
    audit_id: Any
    ms_request_id: Optional[str] = None
    ms_correlation_id: Optional[str] = None
    warnings: List[Finding] = field(default_factory=list)
    # What Microsoft created, once it shows it (a change that creates an Azure subscription).
    created: Optional['CreatedAzureSubscription'] = None

    @property
    def changed(self) -> bool:
        return self.outcome in APPLIED_OUTCOMES


@dataclass(frozen=True)
class Assignment:
    """An overage setting: on (to an Azure subscription) or off."""

    enabled: bool
    azure_subscription_id: Optional[str] = None

    @classmethod
    def of(cls, overage: Optional[Overage]) -> 'Assignment':
        """Microsoft's setting as read (None: not read, which counts as off)."""
        return cls(bool(overage and overage.overage_enabled),
                   overage.azure_entitlement_id if overage else None)

    @classmethod
    def requested(cls, intent: Intent) -> 'Assignment':
        """What ``intent`` asks for; an Azure subscription Microsoft creates has no id yet."""
        return cls(intent.enabling, intent.azure_subscription_id if intent.enabling else None)


@dataclass(frozen=True)
class AuditedChange:
    """One audited change operation, whatever its outcome: what the webhook tells receivers.

    A change first answered ``unconfirmed`` is followed by one more, its ``confirmed`` or
    ``not_confirmed``: ``confirms`` is then the audit id of the unconfirmed change, and ``reason``
    says why it was not confirmed (the vocabulary's ``NOT_CONFIRMED_REASONS``).
    """

    customer: CustomerRef
    action: str
    outcome: str
    audit_id: Any
    before: Assignment
    requested: Assignment
    error: Optional[OverageError] = None
    confirms: Any = None
    reason: Optional[str] = None
    # The change enables overage to an Azure subscription Microsoft creates; ``created`` names it
    # once Microsoft shows it (then ``requested`` names it too).
    creates: bool = False
    created: Optional[CreatedAzureSubscription] = None
