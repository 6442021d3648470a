"""The other partners of the simulator's world: what they do with a customer's overage that the
extension only observes (conformance PC-90..PC-99).

Microsoft lets one partner at a time hold a customer's overage; to move it "the three parties
involved must first agree", then the holder sets it to None, and only then can another partner
assign it. The sandbox and the tests play the holder with these (and the control routes of
:mod:`sandbox.partner_center.app`, ``POST /_simulator/customers/{tenant}/overage/release`` and
``.../move``): the holder releases, or the overage moves to yet another partner without being
released. Like any write, each shows in reads after the world's propagation delay (PC-33, PC-60).
"""
import hashlib
from typing import Optional

from sandbox.partner_center.world import ApiError, OverageState, World, normalize_guid


def _partner_tenant(mpn_id: str) -> str:
    """A stable tenant id for a partner the world does not list (it never calls the simulator)."""
    digest = hashlib.sha256(f'partner:{mpn_id}'.encode()).hexdigest()
    return f'{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}'


def _held(world: World, tenant: str) -> OverageState:
    state = world.overage_state(tenant)
    if state is None or not state.enabled:
        raise ApiError(409, 'not_held', 'No partner holds this customer\'s overage.')
    return state


def release(world: World, tenant: str) -> OverageState:
    """The partner that holds the customer's overage sets it to None (PC-91): off, the Azure
    subscription kept as disabling keeps it (PC-31), no holder; shows after the lag."""
    with world.lock:
        customer = world._customer_or_404(tenant)
        current = _held(world, customer.tenant_id)
        state = OverageState(current.azure_entitlement_id, current.partner_id, False, None)
        world.overage.setdefault(customer.tenant_id, []).append((world.clock() + world._next_lag(), state))
        return state


def move(world: World, tenant: str, partner_id: str, azure_subscription_id: str,
         holder_tenant: Optional[str] = None) -> OverageState:
    """The overage goes to another partner (``partner_id``, its MPN id) without being released
    first (PC-94): on, to ``azure_subscription_id``; shows after the lag."""
    if not isinstance(partner_id, str) or not partner_id.isdigit():
        raise ApiError(400, 3000, 'partner_id must be an MPN id (digits).')
    entitlement = normalize_guid(azure_subscription_id)
    if entitlement is None:
        raise ApiError(400, 3000, 'azure_subscription_id must be a GUID.')
    with world.lock:
        customer = world._customer_or_404(tenant)
        current = _held(world, customer.tenant_id)
        known = next((p for p in world.partners.values() if p.mpn_id == partner_id), None)
        holder = normalize_guid(holder_tenant) if holder_tenant else (
            known.tenant_id if known else _partner_tenant(partner_id))
        if holder == current.holder and partner_id == current.partner_id:
            raise ApiError(409, 'same_holder', 'That partner holds the overage already.')
        state = OverageState(entitlement, partner_id, True, holder)
        world.overage.setdefault(customer.tenant_id, []).append((world.clock() + world._next_lag(), state))
        return state
