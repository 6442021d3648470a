"""Who is calling, and which customers they may see, from Connect's call context.

Connect tells a web route who calls through ``X-Connect-*`` headers (eaas-core's
:class:`~connect.eaas.core.inject.models.Context`). The rules, most restrictive first:

- a call that names a tier account (``X-Connect-Tier-Account-Id``, a customer home page) is that
  **customer**, whatever else it carries, and sees only itself;
- a call from the account that owns the extension (``call_type == 'admin'``: the distributor) is
  the **owner** and sees every customer;
- a call from a reseller's installation (``account_role == 'reseller'``, its own ``PA-`` account)
  is that **reseller** and sees the customers Connect shows it: :class:`VisibleCustomers` asks
  Connect with the reseller's own installation client (:mod:`connect_ext.customers.visibility`)
  before anything is looked up or written — a ``PA-`` account is never compared with tier ids;
- anything else (a vendor, another distributor, no account) is refused with 403 ``FORBIDDEN``.

A customer the caller may not see answers exactly like a customer that does not exist (404
``CUSTOMER_NOT_FOUND`` with the same body), so the API never tells whether someone else's customer
exists, and a refused probe writes nothing.
"""
import base64
import binascii
import json
from dataclasses import replace
from logging import Logger
from typing import Any, Callable, Dict, Optional

from connect.client import ClientError
from connect.eaas.core.inject.common import get_call_context, get_logger
from connect.eaas.core.inject.models import Context
from connect.eaas.core.inject.synchronous import get_installation_client
from fastapi import Depends, Header

from connect_ext.api.audience import audience_of, error_for
from connect_ext.api.handlers import public_error
from connect_ext.customers.visibility import ConnectVisibility
from connect_ext.errors.error import OverageError
from connect_ext.overage.access import may_change, may_see
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.redaction import remember_connect_key
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
    if not may_change(caller, settings):  # refused in the words of who asked
        raise error_for(public_error('CUSTOMER_CHANGES_DISABLED'), audience_of(caller))


def customer_not_found(customer_id: str) -> OverageError:
    """The one 404 for "no such customer" and "not yours": the body depends on the id alone."""
    shown = customer_id if is_customer_id(customer_id) else None
    return public_error('CUSTOMER_NOT_FOUND', customer_id=shown)


def asset_not_found(asset_id: str) -> OverageError:
    shown = asset_id if is_asset_id(asset_id) else None
    return public_error('ASSET_NOT_FOUND', asset_id=shown)


class VisibleCustomers:
    """The customers ``caller`` may see, found through the directory (the one 404 otherwise).

    ``connect`` builds the caller's own installation client (Connect as the caller sees it); it is
    used only for a reseller, whose visibility Connect decides.
    """

    def __init__(self, caller: Caller, directory, visibility: ConnectVisibility,
                 connect: Callable[[], Any]):
        self.caller = caller
        self.directory = directory
        self.visibility = visibility
        self.connect = connect

    def customer(self, customer_id: str) -> CustomerRef:
        """The customer ``customer_id`` if the caller may see it; else the one 404.

        A customer asking for another id, and a reseller asking for one Connect does not show it,
        are answered before the directory looks anything up or records anything; a malformed id
        never reaches the store or Connect (it would otherwise end up inside an RQL filter).
        """
        caller = self.caller
        if not is_customer_id(customer_id):
            raise customer_not_found(customer_id)
        if caller.role == CUSTOMER and caller.account_id != customer_id:
            raise customer_not_found(customer_id)
        if caller.role == RESELLER and not self.visibility.check(
                caller.account_id, customer_id, self.connect()):
            raise customer_not_found(customer_id)
        return self._seen(self.directory.customer(customer_id), customer_not_found(customer_id))

    def asset_customer(self, asset_id: str) -> CustomerRef:
        """The customer of subscription ``asset_id`` if the caller may see it; else one 404."""
        if not is_asset_id(asset_id):
            raise asset_not_found(asset_id)
        if self.caller.role == RESELLER:
            shown = self._asset_shown_to_reseller(asset_id)
            if shown is None:
                raise asset_not_found(asset_id)
            self.visibility.shown(self.caller.account_id, shown)
        return self._seen(self.directory.asset_customer(asset_id), asset_not_found(asset_id))

    def listing_scope(self) -> Dict[str, Any]:
        """The store filters that keep a listing to the caller's customers; for a reseller, what
        Connect last showed it (re-read at most every few minutes, see
        :meth:`ConnectVisibility.refresh`)."""
        caller = self.caller
        if caller.role == OWNER:
            return {'visible_to': None, 'customer_ids': None}
        if caller.role == RESELLER:
            self.visibility.refresh(caller.account_id, self.connect())
            return {'visible_to': caller.account_id, 'customer_ids': None}
        return {'visible_to': None, 'customer_ids': [caller.account_id]}

    def _asset_shown_to_reseller(self, asset_id: str) -> Optional[str]:
        """The customer of ``asset_id`` if Connect shows the subscription to the reseller."""
        try:
            asset = self.connect()('subscriptions').assets[asset_id].get()
        except ClientError as error:
            if error.status_code in (403, 404):
                return None
            raise
        tiers = asset.get('tiers') if isinstance(asset, dict) else None
        customer = tiers.get('customer') if isinstance(tiers, dict) else None
        customer_id = customer.get('id') if isinstance(customer, dict) else None
        return customer_id if is_customer_id(customer_id) else None

    def _seen(self, customer: Optional[CustomerRef], missing: OverageError) -> CustomerRef:
        caller = self.caller
        if customer is None:
            raise missing
        if caller.role == RESELLER:
            customer = replace(customer, visible_to=customer.visible_to | {caller.account_id})
        if not may_see(caller, customer):
            raise missing
        return customer


def get_caller_connect(
    logger: Logger = Depends(get_logger),
    x_connect_installation_api_key: Optional[str] = Header(None, include_in_schema=False),
    x_connect_api_gateway_url: Optional[str] = Header(None, include_in_schema=False),
    x_connect_user_agent: Optional[str] = Header(None, include_in_schema=False),
    x_connect_correlation_id: Optional[str] = Header(None, include_in_schema=False),
) -> Callable[[], Any]:
    """Builds, when first needed, Connect's client of the caller's own installation: eaas-core's
    ``get_installation_client`` from the headers the runner forwards."""
    built: list = []

    def connect():
        if not built:
            if not x_connect_installation_api_key or not x_connect_api_gateway_url:
                raise public_error(
                    'FORBIDDEN', {'installation': None},
                    problem="the call does not carry the caller's installation",
                )
            # Connect may quote the key in an error; it is a secret of the redaction from now on.
            remember_connect_key(x_connect_installation_api_key)
            built.append(get_installation_client(
                logger, x_connect_installation_api_key, x_connect_api_gateway_url,
                x_connect_user_agent or 'overage-manager', x_connect_correlation_id,
            ))
        return built[0]

    return connect


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
