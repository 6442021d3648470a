"""Pure reading of Connect asset payloads (events and /assets answers) into a CustomerRef.

Connect payloads vary (see shared/domain/connect-platform.md): params may lack a value or carry a
``value_error``, ``tier2`` is absent in one-tier chains, tier-1 params are not on the asset. These
functions never raise on a missing key; they return what can be known.
"""
from typing import Any, Dict, Iterable, List, Mapping, Optional

from connect_ext.overage.facts import CustomerRef
from connect_ext.vocabulary import is_guid


def param_value(params: Optional[Iterable[Mapping[str, Any]]], param_id: str) -> Optional[str]:
    """The value of a Connect parameter by id, or None when absent, empty or not a string."""
    for param in params or ():
        if isinstance(param, Mapping) and param.get('id') == param_id:
            value = param.get('value')
            if isinstance(value, str) and value.strip():
                return value.strip()
            return None
    return None


def tenant_id_of(asset: Mapping[str, Any], tenant_id_params: Iterable[str]) -> Optional[str]:
    """The Microsoft tenant id held by the first configured param that has a GUID."""
    params = asset.get('params') if isinstance(asset, Mapping) else None
    for name in tenant_id_params:
        value = param_value(params, name)
        if is_guid(value):
            return value.lower()
    return None


def _tier(asset: Mapping[str, Any], level: str) -> Dict[str, Any]:
    tiers = asset.get('tiers') if isinstance(asset, Mapping) else None
    tier = tiers.get(level) if isinstance(tiers, Mapping) else None
    return tier if isinstance(tier, Mapping) else {}


def customer_ref_from_asset(
    asset: Mapping[str, Any],
    *,
    tenant_id_params: Iterable[str],
    reseller_mpn: Optional[str] = None,
) -> Optional[CustomerRef]:
    """The customer of an asset, or None when the asset names no customer account."""
    customer = _tier(asset, 'customer')
    if not customer.get('id'):
        return None
    contact = customer.get('contact_info') if isinstance(customer.get('contact_info'), Mapping) else {}
    country = contact.get('country')
    return CustomerRef(
        customer_id=customer['id'],
        tenant_id=tenant_id_of(asset, tenant_id_params),
        name=customer.get('name'),
        country=country.upper() if isinstance(country, str) and country else None,
        tier1_id=_tier(asset, 'tier1').get('id'),
        tier2_id=_tier(asset, 'tier2').get('id'),
        reseller_mpn=reseller_mpn,
    )


def asset_items(asset: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    items = asset.get('items') if isinstance(asset, Mapping) else None
    return [item for item in items or () if isinstance(item, Mapping)]
