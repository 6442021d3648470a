"""Who is calling, and which customers they may see, from Connect's call context.

Connect tells a web route who calls through ``X-Connect-*`` headers (eaas-core's
:class:`~connect.eaas.core.inject.models.Context`). The rules, most restrictive first:

- a call that names a tier account (``X-Connect-Tier-Account-Id``, a customer home page) is that
  **customer**, whatever else it carries, and sees only itself;
- a call from the account that owns the extension (``call_type == 'admin'``: the distributor) is
  the **owner** and sees every customer;
- a call from a reseller's installation (``account_role == 'reseller'``) is that **reseller** and
  sees the customers whose tier-1 or tier-2 account is its own;
- anything else (a vendor, another distributor, no account) is refused with 403 ``FORBIDDEN``.

A customer the caller may not see answers exactly like a customer that does not exist (404
``CUSTOMER_NOT_FOUND`` with the same body), so the API never tells whether someone else's customer
exists.
"""
import base64
import binascii
import json
from typing import Dict, Iterable, Optional

from connect.eaas.core.inject.common import get_call_context
from connect.eaas.core.inject.models import Context
from fastapi import Depends, Header

from connect_ext.api.handlers import public_error
from connect_ext.errors.error import OverageError
from connect_ext.overage.access import may_change, may_see
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.vocabulary import (
    CONNECT_ADMIN_CALL,
    CONNECT_RESELLER_ROLE,
    CUSTOMER,
    OWNER,
    RESELLER,
    is_asset_id,
    is_customer_id,
)


def caller_from_context(context: Context) -> Caller:
    """The caller of the rules in the module docstring; raises 403 ``FORBIDDEN`` for anyone else."""
    if context.tier_account_id:
        return Caller(CUSTOMER, context.tier_account_id)
    if context.call_type == CONNECT_ADMIN_CALL:
        return Caller(OWNER, context.account_id or '')
    if (context.account_role or '').lower() == CONNECT_RESELLER_ROLE and context.account_id:
        return Caller(RESELLER, context.account_id)
    raise public_error(
        'FORBIDDEN',
        {'account_id': context.account_id, 'account_role': context.account_role},
        problem='only the distributor that owns the extension, its resellers and their customers '
                'may use the Overage Manager',
    )


def get_caller(context: Context = Depends(get_call_context)) -> Caller:
    return caller_from_context(context)


def require_role(caller: Caller, *roles: str, problem: str) -> None:
    """403 ``FORBIDDEN`` unless the caller has one of ``roles``."""
    if caller.role not in roles:
        raise public_error('FORBIDDEN', {'role': caller.role}, problem=problem)


def require_may_change(caller: Caller, settings) -> None:
    if not may_change(caller, settings):
        raise public_error('CUSTOMER_CHANGES_DISABLED')


def customer_not_found(customer_id: str) -> OverageError:
    """The one 404 for "no such customer" and "not yours": the body depends on the id alone."""
    shown = customer_id if is_customer_id(customer_id) else None
    return public_error('CUSTOMER_NOT_FOUND', customer_id=shown)


def asset_not_found(asset_id: str) -> OverageError:
    shown = asset_id if is_asset_id(asset_id) else None
    return public_error('ASSET_NOT_FOUND', asset_id=shown)


def visible_customer(caller: Caller, customer_id: str, directory) -> CustomerRef:
    """The customer ``customer_id`` if the caller may see it; else the one 404.

    A customer asking for another id is answered before anything is looked up, and a malformed id
    never reaches the store or Connect (it would otherwise end up inside an RQL filter).
    """
    if not is_customer_id(customer_id):
        raise customer_not_found(customer_id)
    if caller.role == CUSTOMER and caller.account_id != customer_id:
        raise customer_not_found(customer_id)
    customer = directory.customer(customer_id)
    if customer is None or not may_see(caller, customer):
        raise customer_not_found(customer_id)
    return customer


def visible_asset_customer(caller: Caller, asset_id: str, directory) -> CustomerRef:
    """The customer of subscription ``asset_id`` if the caller may see it; else one 404."""
    if not is_asset_id(asset_id):
        raise asset_not_found(asset_id)
    customer = directory.asset_customer(asset_id)
    if customer is None or not may_see(caller, customer):
        raise asset_not_found(asset_id)
    return customer


def listing_scope(caller: Caller) -> Dict[str, Optional[Iterable[str]]]:
    """The store filters that keep a listing to the caller's customers."""
    if caller.role == OWNER:
        return {'tier_account_ids': None, 'customer_ids': None}
    if caller.role == RESELLER:
        return {'tier_account_ids': [caller.account_id], 'customer_ids': None}
    return {'tier_account_ids': None, 'customer_ids': [caller.account_id]}


def actor_name(
    context: Context = Depends(get_call_context),
    connect_auth: Optional[str] = Header(None, include_in_schema=False),
) -> Optional[str]:
    """The user's display name for the audit trail: the ``connect-auth`` token's ``u.name``.

    Connect puts the signed-in user in that JWT; it is read here only to *label* the audit entry
    (authorisation never relies on it), so an absent or unreadable token falls back to the user id.
    """
    name = _jwt_user_name(connect_auth)
    return name or context.user_id


def _jwt_user_name(token: Optional[str]) -> Optional[str]:
    parts = (token or '').split('.')
    if len(parts) != 3:
        return None
    payload = parts[1] + '=' * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode('ascii')))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    user = claims.get('u') if isinstance(claims, dict) else None
    name = user.get('name') if isinstance(user, dict) else None
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None
