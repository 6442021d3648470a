"""The store's field rules: which fields a caller may set and how each value is checked.

Pure rules, no I/O: every value is checked and normalised here (stripped text, lower-case tenant
ids, enumerated values within their sets, UTC timestamps) before the repository writes it. An audit
entry's error message and details are redacted (:mod:`connect_ext.redaction`): the history is read
by people and answered to them.
"""
import json
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from connect_ext.redaction import redact
from connect_ext.store.models import (
    ACTOR_TYPES,
    AUDIT_ACTIONS,
    AUDIT_OUTCOMES,
    OVERAGE_STATUSES,
    ensure_utc,
    normalise_tenant_id,
)


# The fields a caller may set; the rest (search key, claims, timestamps, version) are the store's.
CUSTOMER_FIELDS = frozenset({
    'tenant_id', 'name', 'country', 'tier1_id', 'tier2_id', 'reseller_mpn',
    'ovg_subscription_count', 'ovg_asset_ids', 'overage_status', 'azure_entitlement_id',
    'overage_partner_id', 'flags', 'checked_at', 'reseller_mpn_checked_at', 'last_order_at',
})
# Changing only these is bookkeeping, not a change of what the record says: no version bump.
BOOKKEEPING_FIELDS = frozenset({'checked_at', 'reseller_mpn_checked_at', 'last_order_at'})

AUDIT_FIELDS = frozenset({
    'customer_id', 'tenant_id', 'at', 'actor_type', 'actor_id', 'actor_name', 'action',
    'from_entitlement', 'from_enabled', 'to_entitlement', 'to_enabled', 'outcome', 'error_code',
    'error_message', 'ms_request_id', 'ms_correlation_id', 'details',
})
_AUDIT_REQUIRED = ('customer_id', 'actor_type', 'action', 'outcome')


def required_text(value: Any, name: str) -> str:
    """``value`` stripped; anything but a non-blank string is a ValueError naming ``name``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'{name} must be a non-empty string')
    return value.strip()


def optional_text(value: Any, name: str) -> Optional[str]:
    """``value`` stripped, blank as None; anything but a string or None is a TypeError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f'{name} must be a string or None, not {type(value).__name__}')
    return value.strip() or None


def _optional_bool(value: Any, name: str) -> Optional[bool]:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f'{name} must be a bool or None')
    return value


def one_of(allowed: Iterable[str]) -> Callable[[Any, str], str]:
    """A cleaner accepting only the ``allowed`` values (e.g. :data:`OVERAGE_STATUSES`)."""
    allowed = frozenset(allowed)

    def check(value: Any, name: str) -> str:
        if value not in allowed:
            raise ValueError(f'{name} must be one of {sorted(allowed)}, not {value!r}')
        return value

    return check


def _string_list(value: Any, name: str) -> List[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f'{name} must be a list of strings')
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f'{name} must be a list of strings')
    return items


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f'{name} must be a non-negative integer, not {value!r}')
    return value


def _optional_utc(value: Any, name: str) -> Optional[datetime]:
    return None if value is None else ensure_utc(value, name)


def _json_value(value: Any, name: str) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f'{name} must be JSON-serialisable: {error}') from error
    return value


def _name(value: Any, name: str) -> str:
    return optional_text(value, name) or ''


def _tenant(value: Any, name: str) -> Optional[str]:
    return normalise_tenant_id(optional_text(value, name))


def _redacted_text(value: Any, name: str) -> Optional[str]:
    return redact(optional_text(value, name))


def _redacted_json(value: Any, name: str) -> Any:
    return redact(_json_value(value, name))


_CUSTOMER_CLEANERS: Dict[str, Callable[[Any, str], Any]] = {
    'tenant_id': _tenant,
    'name': _name,
    'country': optional_text,
    'tier1_id': optional_text,
    'tier2_id': optional_text,
    'reseller_mpn': optional_text,
    'ovg_subscription_count': _count,
    'ovg_asset_ids': _string_list,
    'overage_status': one_of(OVERAGE_STATUSES),
    'azure_entitlement_id': optional_text,
    'overage_partner_id': optional_text,
    'flags': _string_list,
    'checked_at': _optional_utc,
    'reseller_mpn_checked_at': _optional_utc,
    'last_order_at': _optional_utc,
}

_AUDIT_CLEANERS: Dict[str, Callable[[Any, str], Any]] = {
    'customer_id': required_text,
    'tenant_id': _tenant,
    'at': _optional_utc,
    'actor_type': one_of(ACTOR_TYPES),
    'action': one_of(AUDIT_ACTIONS),
    'outcome': one_of(AUDIT_OUTCOMES),
    'from_enabled': _optional_bool,
    'to_enabled': _optional_bool,
    'error_message': _redacted_text,
    'details': _redacted_json,
}


def clean_customer_fields(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """Checked and normalised customer fields; unknown names are a programming error."""
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f'unknown customer fields: {sorted(unknown)}')
    return {name: _CUSTOMER_CLEANERS[name](value, name) for name, value in fields.items()}


def clean_audit_fields(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """Checked audit fields: the required ones present, the enumerated ones within their sets."""
    unknown = set(fields) - AUDIT_FIELDS
    if unknown:
        raise TypeError(f'unknown audit fields: {sorted(unknown)}')
    missing = [name for name in _AUDIT_REQUIRED if fields.get(name) is None]
    if missing:
        raise ValueError(f'audit entry needs {missing}')
    return {
        name: _AUDIT_CLEANERS.get(name, optional_text)(value, name)
        for name, value in fields.items()
    }
