"""The facts the prerequisite rules judge: plain data, gathered by the service, derived purely.

The service reads Connect (the customer, its tiers, the caller) and Partner Center (the customer,
its subscriptions, the Azure entitlements of each Azure plan, the overage setting) and hands the
result over as one :class:`OverageFacts`. Everything else here is derived from it without I/O.

Partner Center lists only the subscriptions of the reading partner, so "ours" below means "visible
to the extension's partner account": an overage setting that points at an Azure subscription
outside them belongs to another partner.
"""
from dataclasses import dataclass, field
from typing import FrozenSet, List, Mapping, Optional, Sequence, Tuple

from connect_ext.partner_center.models import AzureEntitlement, Customer, Overage, Subscription
from connect_ext.vocabulary import (
    STATUS_DISABLED,
    STATUS_ENABLED,
    STATUS_OTHER_PARTNER,
    STATUS_UNKNOWN,
    same_id,
)


# Subscription statuses after which a subscription no longer exists for Microsoft's rules.
_GONE_STATUSES = frozenset({'deleted', 'expired', 'cancelled', 'canceled'})


@dataclass(frozen=True)
class Caller:
    """Who asks: Connect's ``owner`` (the distributor), a ``reseller`` or a ``customer``."""

    role: str
    account_id: str


@dataclass(frozen=True)
class CustomerRef:
    """The customer as Connect knows it (tier account ``TA-...``) and its Microsoft tenant."""

    customer_id: str
    tenant_id: Optional[str]
    name: Optional[str] = None
    # ISO 3166 alpha-2, from the account's contact_info; None when Connect has none.
    country: Optional[str] = None
    tier1_id: Optional[str] = None
    tier2_id: Optional[str] = None
    reseller_mpn: Optional[str] = None
    # The Connect accounts (a reseller's ``PA-...``) Connect has just shown this customer to, asked
    # with that account's own installation client for this call; never read from the store.
    visible_to: FrozenSet[str] = frozenset()
    # The OVG subscriptions (assets, AS-...) Connect holds for the customer, as last recorded:
    # Partner Center may not show them (not provisioned yet, or sold through another partner).
    ovg_asset_ids: Tuple[str, ...] = ()


@dataclass(frozen=True)
class OverageFacts:
    customer: CustomerRef
    caller: Caller
    # None when Partner Center was not read (no tenant id yet, or the read failed).
    ms_customer: Optional[Customer] = None
    subscriptions: Sequence[Subscription] = ()
    # Azure plan subscription id -> the Azure subscriptions (entitlements) under it.
    entitlements: Mapping[str, Sequence[AzureEntitlement]] = field(default_factory=dict)
    # The PhoneServices overage item; None when it was not read.
    overage: Optional[Overage] = None
    # Whether Partner Center holds the customer's acceptance of the Microsoft Customer Agreement;
    # None when it was not read (only read when a new Azure plan would need it) or could not be.
    mca_accepted: Optional[bool] = None

    # --- subscriptions ---------------------------------------------------------------------

    @property
    def active_ovg_subscriptions(self) -> List[Subscription]:
        return [sub for sub in self.subscriptions if sub.is_active and sub.is_overage_capable]

    @property
    def active_azure_plans(self) -> List[Subscription]:
        return [sub for sub in self.subscriptions if sub.is_active and sub.is_azure_plan]

    @property
    def legacy_azure_subscriptions(self) -> List[Subscription]:
        """Legacy Azure (``MS-AZR-...``) that still exists: Microsoft then refuses overage."""
        return [
            sub for sub in self.subscriptions
            if sub.is_legacy_azure and (sub.status or '').lower() not in _GONE_STATUSES
        ]

    @property
    def creation_plan(self) -> Optional[Subscription]:
        """The active Azure plan a new Azure subscription would go under; None: Microsoft would buy
        a new no-cost Azure plan with it."""
        plans = sorted(self.active_azure_plans, key=lambda plan: plan.id.lower())
        return plans[0] if plans else None

    # --- Azure entitlements ----------------------------------------------------------------

    def entitlements_of(self, plan_subscription_id: str) -> List[AzureEntitlement]:
        wanted = (plan_subscription_id or '').strip().lower()
        found: List[AzureEntitlement] = []
        for plan_id, items in self.entitlements.items():
            if (plan_id or '').strip().lower() == wanted:
                found.extend(items)
        return found

    @property
    def known_entitlements(self) -> List[AzureEntitlement]:
        """Every Azure subscription read under any of our Azure plans, whatever its status."""
        return [item for items in self.entitlements.values() for item in items]

    @property
    def eligible_entitlements(self) -> List[AzureEntitlement]:
        """Active Azure subscriptions under active Azure plans: those that may receive overage."""
        return [
            item
            for plan in self.active_azure_plans
            for item in self.entitlements_of(plan.id)
            if item.is_active
        ]

    def find_entitlement(self, azure_subscription_id: Optional[str]) -> Optional[AzureEntitlement]:
        return next(
            (item for item in self.known_entitlements if same_id(item.id, azure_subscription_id)),
            None,
        )

    def is_eligible(self, azure_subscription_id: Optional[str]) -> bool:
        return any(same_id(item.id, azure_subscription_id) for item in self.eligible_entitlements)

    # --- the overage setting ---------------------------------------------------------------

    @property
    def current_azure_subscription_id(self) -> Optional[str]:
        """Where overage goes now; None when it is off or not read."""
        if self.overage is None or not self.overage.overage_enabled:
            return None
        return self.overage.azure_entitlement_id or None

    @property
    def overage_status(self) -> str:
        """Where the customer's overage stands, one of ``OVERAGE_STATUSES``.

        ``enabled``: to one of our Azure subscriptions; ``other_partner``: to one outside them;
        ``disabled``: off or never set; ``unknown``: not read, or enabled without an Azure
        subscription id (which says nothing about whose it is).
        """
        if self.overage is None:
            return STATUS_UNKNOWN
        if not self.overage.overage_enabled:
            return STATUS_DISABLED
        target = self.current_azure_subscription_id
        if not target:
            return STATUS_UNKNOWN
        if self.find_entitlement(target) is not None:
            return STATUS_ENABLED
        return STATUS_OTHER_PARTNER

    def plan_of(self, entitlement: AzureEntitlement) -> Optional[Subscription]:
        """The Azure plan subscription an Azure subscription was read under."""
        for plan_id, items in self.entitlements.items():
            if any(item is entitlement for item in items):
                return next((sub for sub in self.subscriptions if same_id(sub.id, plan_id)), None)
        return None
