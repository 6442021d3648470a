"""Reading a Connect asset request from an event, refusing what is not one.

Events hand over the whole request as a dict (shapes in ``shared/domain/connect-platform.md`` §1).
Anything the handlers rely on is checked here once, so a malformed or unexpected payload becomes a
:class:`MalformedRequest` with a reason the event can be skipped with, instead of an exception
somewhere deeper. Fields not relied on (params, contact info...) are read tolerantly later.
"""
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional

from connect_ext.customers.assets import asset_items, customer_ref_from_asset, param_value
from connect_ext.overage.facts import CustomerRef
from connect_ext.vocabulary import is_asset_id, is_customer_id, is_request_id


class MalformedRequest(ValueError):
    """The payload is not a usable asset request; ``reason`` says what is wrong, for the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AssetRequest:
    """The parts of a fulfilment request the overage handlers use."""

    id: str
    type: str
    status: str
    asset: Mapping[str, Any]
    asset_id: str
    customer_id: str
    items: List[Mapping[str, Any]]

    def asset_param(self, param_id: str) -> Optional[str]:
        return param_value(self.asset.get('params'), param_id)


def _text(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) and value.strip() else None


def customer_of(request: AssetRequest, tenant_id_params: Iterable[str]) -> CustomerRef:
    """The request's customer; fields that are not text in the payload count as unknown."""
    found = customer_ref_from_asset(request.asset, tenant_id_params=tenant_id_params)
    return CustomerRef(
        customer_id=request.customer_id,
        tenant_id=found.tenant_id if found else None,
        name=_text(found.name) if found else None,
        country=_text(found.country) if found else None,
        tier1_id=_text(found.tier1_id) if found else None,
        tier2_id=_text(found.tier2_id) if found else None,
    )


def _readable_item(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The item with names that are not text taken as no name (Connect sends text; a payload
    that does not is treated as naming nothing, not allowed to break the rules that read it)."""
    odd = [key for key in ('display_name', 'name') if key in item
           and item[key] is not None and not isinstance(item[key], str)]
    return {**item, **dict.fromkeys(odd)} if odd else item


def _mapping(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        raise MalformedRequest(f'{where}.{key} is missing or not an object')
    return value


def parse_request(
    payload: Any, *, expected_type: str, expected_statuses: Iterable[str],
) -> AssetRequest:
    """The request in ``payload``, or :class:`MalformedRequest`.

    ``expected_type`` is the request type the event delivers (``purchase``, ``change``,
    ``cancel``); a different type, or a status the handler does not subscribe to, is unexpected.
    """
    if not isinstance(payload, Mapping):
        raise MalformedRequest(f'the request is a {type(payload).__name__}, not an object')
    request_id = _text(payload.get('id'))
    if not request_id or not is_request_id(request_id):
        raise MalformedRequest(f'the request id {payload.get("id")!r} is not a Connect request id')
    request_type = _text(payload.get('type'))
    if request_type != expected_type:
        raise MalformedRequest(
            f'request {request_id} is of type {request_type!r}, not {expected_type!r}',
        )
    status = _text(payload.get('status'))
    statuses = tuple(expected_statuses)
    if status not in statuses:
        raise MalformedRequest(
            f'request {request_id} is in status {status!r}, not one of {list(statuses)}',
        )
    asset = _mapping(payload, 'asset', 'request')
    asset_id = _text(asset.get('id'))
    if not asset_id or not is_asset_id(asset_id):
        raise MalformedRequest(f'request {request_id} names no asset (AS-...)')
    tiers = _mapping(asset, 'tiers', 'asset')
    customer = _mapping(tiers, 'customer', 'asset.tiers')
    customer_id = _text(customer.get('id'))
    if not customer_id or not is_customer_id(customer_id):
        raise MalformedRequest(f'request {request_id} names no customer account (TA-...)')
    items = asset.get('items')
    if items is not None and not isinstance(items, list):
        raise MalformedRequest(f'request {request_id} has asset items that are not a list')
    return AssetRequest(
        id=request_id,
        type=request_type,
        status=status,
        asset=asset,
        asset_id=asset_id,
        customer_id=customer_id,
        items=[_readable_item(item) for item in asset_items(asset)],
    )
