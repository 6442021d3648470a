"""Microsoft's refusals, translated into the public error shape.

:func:`translate` turns a :class:`~connect_ext.partner_center.errors.PartnerCenterError` into an
:class:`~connect_ext.errors.error.OverageError` whose words say what happened, why, and what to
do next, and which keeps Microsoft's own answer under ``details.microsoft`` for support.

The order of the decision:

1. how the call failed, when that says it all: no token (``auth``; Entra's ``invalid_grant``
   says the refresh token died), throttled, timed out;
2. Microsoft's error code, when it is one documented for these calls (``MICROSOFT_CODES``);
   ``800114`` ("not eligible") on a customer of whom the caller saw no OVG subscription
   (``visible_ovg_subscriptions`` 0 in the context) reads as ``MICROSOFT_FOUND_NO_OVG_SUBSCRIPTION``:
   Microsoft counts every partner's OVG subscriptions, Partner Center lists only ours;
3. any other code on a 4xx: ``MICROSOFT_REJECTED``, quoting Microsoft's description;
4. the HTTP status (``HTTP_STATUSES``);
5. a failed connection: ``MICROSOFT_UNAVAILABLE``; anything else: ``MICROSOFT_REJECTED``.

Status choices worth knowing: a credentials failure answers 502 — the extension, acting as a
gateway, could not authenticate upstream; the caller's request was fine and a 401 would wrongly ask
*them* to sign in again. Microsoft's 5xx answers 502 (it failed) or 503 (it is busy or unreachable),
and time-outs 504.
"""
import math
from typing import Any, Dict, Mapping, Optional

from connect_ext.errors.error import OverageError
from connect_ext.partner_center.errors import (
    AUTH,
    REJECTED,
    THROTTLED,
    TIMEOUT,
    UNAVAILABLE,
    PartnerCenterError,
)


FALLBACK_CODE = 'MICROSOFT_REJECTED'
# Token refusals (``auth``) whose OAuth ``error`` says more than "the credentials": Entra's
# ``invalid_grant`` is a refresh token it no longer accepts (expired, revoked, unknown; RFC 6749 §5.2).
AUTH_ERRORS: Mapping[str, str] = {
    'invalid_grant': 'PARTNER_CENTER_REFRESH_TOKEN_EXPIRED',
}
NOT_ELIGIBLE = '800114'
# The context key that says how many OVG subscriptions of the customer the caller could see.
VISIBLE_OVG_SUBSCRIPTIONS = 'visible_ovg_subscriptions'

# Documented Partner Center error codes -> public code.
MICROSOFT_CODES: Mapping[str, str] = {
    # Overage (PUT/GET /v1/customers/{tenant}/subscriptions/overage).
    '800111': 'AZURE_SUBSCRIPTION_NOT_FOUND',
    '800112': 'LEGACY_AZURE_PRESENT',
    '800114': 'NOT_ELIGIBLE_TO_MANAGE_OVERAGE',
    '800115': 'OVERAGE_HELD_BY_OTHER_PARTNER',
    # Access: the extension's own credentials and role.
    '400': 'PARTNER_CENTER_CREDENTIALS_REJECTED',
    '800001': 'PARTNER_CENTER_CREDENTIALS_REJECTED',
    # 401 on an App+User call whose token carries no MFA claim (docs/conformance.md).
    '900421': 'PARTNER_CENTER_MFA_REQUIRED',
    '2032': 'PARTNER_CENTER_ACCESS_DENIED',
    '900150': 'PARTNER_CENTER_ACCESS_DENIED',
    '20002': 'NO_RESELLER_RELATIONSHIP',
    # The customer and its subscriptions.
    '1000': 'MICROSOFT_TENANT_NOT_FOUND',
    '60003': 'MICROSOFT_TENANT_NOT_FOUND',
    '900118': 'MICROSOFT_TENANT_NOT_FOUND',
    '20003': 'MICROSOFT_SUBSCRIPTION_NOT_FOUND',
    # The request's values.
    '3000': 'MICROSOFT_INVALID_REQUEST',
    '800002': 'MICROSOFT_INVALID_REQUEST',
    # The indirect reseller and the agreements.
    '800016': 'RESELLER_PARTNER_ID_INVALID',
    '800015': 'RESELLER_PARTNER_ID_INVALID',
    '2072': 'RESELLER_PARTNER_ID_INVALID',
    '900123': 'RESELLER_AGREEMENT_NOT_ACCEPTED',
    '900124': 'PARTNER_AGREEMENT_NOT_ACCEPTED',
    '900149': 'PARTNER_PROGRAM_NOT_ACTIVE',
    # Azure plans.
    '900116': 'AZURE_PLAN_SANDBOX_LIMIT',
    '900132': 'NO_ACTIVE_AZURE_PLAN',
    '900133': 'NO_ACTIVE_AZURE_PLAN',
    # Customer agreements (the Microsoft Customer Agreement an Azure plan needs). 600061 is Learn's
    # "A partner confirmed agreement already exists"; 600065 is the simulator's assumed refusal of
    # an overage PUT that would buy an Azure plan without it (docs/conformance.md PC-84).
    '600061': 'MCA_ALREADY_RECORDED',
    '600065': 'MCA_NOT_ACCEPTED',
    # Microsoft itself.
    '800003': 'MICROSOFT_ERROR',
}

# HTTP statuses Partner Center documents, for answers without a code we know.
HTTP_STATUSES: Mapping[int, str] = {
    400: 'MICROSOFT_INVALID_REQUEST',
    401: 'PARTNER_CENTER_CREDENTIALS_REJECTED',
    403: 'PARTNER_CENTER_ACCESS_DENIED',
    404: 'MICROSOFT_NOT_FOUND',
    405: 'PARTNER_CENTER_INTEGRATION_ERROR',
    406: 'PARTNER_CENTER_INTEGRATION_ERROR',
    408: 'MICROSOFT_TIMEOUT',
    409: 'MICROSOFT_CONFLICT',
    412: 'STALE_STATE',
    429: 'THROTTLED',
    500: 'MICROSOFT_ERROR',
    501: 'MICROSOFT_ERROR',
    502: 'MICROSOFT_ERROR',
    503: 'MICROSOFT_UNAVAILABLE',
    504: 'MICROSOFT_TIMEOUT',
}

# How the call failed, when that alone decides (step 1), or when nothing else does (step 5).
KIND_CODES: Mapping[str, str] = {
    AUTH: 'PARTNER_CENTER_CREDENTIALS_REJECTED',
    THROTTLED: 'THROTTLED',
    TIMEOUT: 'MICROSOFT_TIMEOUT',
    UNAVAILABLE: 'MICROSOFT_UNAVAILABLE',
}


def public_code(error: PartnerCenterError, context: Optional[Mapping[str, Any]] = None) -> str:
    """The public code ``error`` translates to (see the module's decision order)."""
    if error.kind == AUTH and error.code in AUTH_ERRORS:
        return AUTH_ERRORS[error.code]
    if error.kind in (AUTH, THROTTLED, TIMEOUT):
        return KIND_CODES[error.kind]
    if error.code == NOT_ELIGIBLE and (context or {}).get(VISIBLE_OVG_SUBSCRIPTIONS) == 0:
        return 'MICROSOFT_FOUND_NO_OVG_SUBSCRIPTION'
    if error.code in MICROSOFT_CODES:
        return MICROSOFT_CODES[error.code]
    if error.code and error.kind == REJECTED:
        return FALLBACK_CODE
    if error.status in HTTP_STATUSES:
        return HTTP_STATUSES[error.status]
    return KIND_CODES.get(error.kind, FALLBACK_CODE)


def _microsoft_params(error: PartnerCenterError) -> Dict[str, Any]:
    return {
        'microsoft_status': error.status,
        'microsoft_code': error.code,
        'microsoft_description': error.description.strip() or None,
        'correlation_id': error.correlation_id,
        'request_id': error.request_id,
        'path': error.path,
    }


def translate(
    error: PartnerCenterError, *, context: Optional[Mapping[str, Any]] = None,
) -> OverageError:
    """The public error for ``error``.

    ``context`` holds what the caller knows about the attempt — ``tenant_id``,
    ``azure_subscription_id``, ``partner_id``, ``subscription_id``, ``customer_id``,
    ``visible_ovg_subscriptions`` — to fill the messages; it is also copied into ``details`` next
    to ``details.microsoft``.
    """
    code = public_code(error, context)
    context = {name: value for name, value in (context or {}).items() if value is not None}
    params = {**context, **{k: v for k, v in _microsoft_params(error).items() if v is not None}}
    retry_after = error.retry_after if code == 'THROTTLED' else None
    details: Dict[str, Any] = dict(context)
    if retry_after is not None:
        # Whole seconds, rounded up: what the Retry-After header and the sentence say.
        params['retry_after_seconds'] = details['retry_after'] = max(0, math.ceil(retry_after))
    details['microsoft'] = error.to_dict()
    return OverageError.from_code(code, details=details, retry_after=retry_after, **params)
