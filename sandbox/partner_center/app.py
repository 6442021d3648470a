"""The simulator's HTTP face: Entra ID's token endpoints, Partner Center's ``/v1`` API, controls.

The world decides (``world.py``); this module renders Microsoft's JSON shapes and runs every call
through one pipeline: ids → injected faults and rate limit → handler → call log. ``MS-RequestId``
and ``MS-CorrelationId`` are echoed on every Partner Center answer (generated when absent).
"""
import asyncio
import base64
import json
import math
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.partner_center import holders
from sandbox.partner_center.faults import Call, CallLog, Decision, FaultRule, Faults, held_overage_answer
from sandbox.partner_center.world import (
    OVERAGE_TYPE,
    ApiError,
    Caller,
    Customer,
    Entitlement,
    OverageState,
    Sku,
    Subscription,
    TokenError,
    World,
    parse_lag,
)


SOURCE = 'PartnerFD'
CONTROL_PREFIX = '/_simulator'
SERVER_ERROR_TEXT = {
    408: (408, 'The request timed out.', 'Request Timeout'),
    500: (800003, 'Unexpected service error.', 'Internal Server Error'),
    502: (502, 'Bad gateway.', 'Bad Gateway'),
    503: (503, 'The service is temporarily unavailable.', 'Service Unavailable'),
    504: (504, 'The gateway timed out.', 'Gateway Time-out'),
}


# ---------------------------------------------------------------------- Microsoft's shapes
def _link(uri: str, method: str = 'GET') -> Dict[str, Any]:
    return {'uri': uri, 'method': method, 'headers': []}


def collection(items: List[Dict[str, Any]], self_uri: Optional[str] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {'totalCount': len(items), 'items': items}
    if self_uri:
        body['links'] = {'self': _link(self_uri)}
    body['attributes'] = {'objectType': 'Collection'}
    return body


def overage_json(customer_id: str, state: OverageState) -> Dict[str, Any]:
    return {
        'azureEntitlementId': state.azure_entitlement_id,
        'partnerId': state.partner_id,
        'type': OVERAGE_TYPE,
        'overageEnabled': state.enabled,
        'links': {'overage': _link(f'/customers/{customer_id}/subscriptions/overage')},
        'attributes': {'objectType': 'Overage'},
    }


def subscription_json(sub: Subscription) -> Dict[str, Any]:
    product_id, sku_id = [*sub.offer_id.split(':'), '', ''][:2]
    base = f'/customers/{sub.customer_id}/subscriptions/{sub.id}'
    body: Dict[str, Any] = {
        'id': sub.id, 'entitlementId': sub.id, 'offerId': sub.offer_id, 'offerName': sub.name,
        'friendlyName': sub.name, 'quantity': sub.quantity, 'unitType': 'Licenses',
        'status': sub.status, 'autoRenewEnabled': True, 'isTrial': False,
        'billingType': sub.billing_type, 'billingCycle': 'monthly',
        'partnerId': sub.reseller_mpn or '', 'contractType': 'subscription',
        'productType': {'id': sub.product_type[0], 'displayName': sub.product_type[1]},
        'orderId': sub.order_id,
    }
    if sub.term_duration:
        body['termDuration'] = sub.term_duration
    if sub.consumption_type:
        body['consumptionType'] = sub.consumption_type
    body['links'] = {
        'product': _link(f'/products/{product_id}'),
        'sku': _link(f'/products/{product_id}/skus/{sku_id}'),
        'self': _link(base),
    }
    body['attributes'] = {'etag': uuid.uuid5(uuid.NAMESPACE_URL, repr(sub)).hex,
                          'objectType': 'Subscription'}
    return body


def entitlement_json(customer_id: str, entitlement: Entitlement) -> Dict[str, Any]:
    return {
        'id': entitlement.id, 'friendlyName': entitlement.name, 'status': entitlement.status,
        'subscriptionId': entitlement.plan_id,
        'links': {'self': _link(f'/customers/{customer_id}/subscriptions/{entitlement.plan_id}'
                                f'/azureEntitlements/{entitlement.id}')},
        'attributes': {'objectType': 'AzureEntitlement'},
    }


def customer_json(customer: Customer) -> Dict[str, Any]:
    tenant = customer.tenant_id
    return {
        'id': tenant, 'commerceId': uuid.uuid5(uuid.NAMESPACE_DNS, tenant).hex,
        'companyProfile': {
            'tenantId': tenant, 'domain': customer.domain, 'companyName': customer.name,
            'attributes': {'objectType': 'CustomerCompanyProfile'},
        },
        'billingProfile': {
            'id': uuid.uuid5(uuid.NAMESPACE_OID, tenant).hex, 'companyName': customer.name,
            'culture': 'en-US', 'language': 'en', 'email': f'billing@{customer.domain}',
            'defaultAddress': {'country': customer.country, 'city': 'Springfield',
                               'addressLine1': '1 Main Street', 'postalCode': '00001'},
            'attributes': {'objectType': 'CustomerBillingProfile'},
        },
        'relationshipToPartner': 'reseller',
        'allowDelegatedAccess': True,
        'links': {'self': _link(f'/customers/{tenant}')},
        'attributes': {'objectType': 'Customer'},
    }


def sku_json(sku: Sku) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        'id': sku.sku_id, 'productId': sku.product_id, 'title': sku.title,
        'description': sku.description, 'minimumQuantity': 1, 'maximumQuantity': 300,
        'isTrial': False, 'supportedBillingCycles': ['monthly', 'annual'],
        'purchasePrerequisites': [], 'inventoryVariables': [], 'provisioningVariables': [],
        'dynamicAttributes': {},
    }
    if sku.consumption_type:
        body['consumptionType'] = sku.consumption_type
    body['links'] = {'self': _link(f'/products/{sku.product_id}/skus/{sku.sku_id}')}
    body['attributes'] = {'objectType': 'Sku'}
    return body


def error_json(error: ApiError) -> Dict[str, Any]:
    return {'code': error.code, 'description': error.description, 'data': error.data,
            'source': SOURCE}


def world_json(world: World) -> Dict[str, Any]:
    """Everything in the world, for ``GET /_simulator/world`` (fake credentials included)."""
    with world.lock:
        return {
            'propagation_delay': world.propagation_delay,
            'token_lifetime': world.token_lifetime,
            'enforce_mfa': world.enforce_mfa,
            'refresh_token_lifetime': world.refresh_token_lifetime,
            'revoke_rotated_refresh_tokens': world.revoke_rotated_refresh_tokens,
            'partners': [{
                'tenant_id': p.tenant_id, 'mpn_id': p.mpn_id, 'name': p.name,
                'apps': dict(p.apps), 'resellers': dict(p.resellers),
                'users': [{'refresh_token': token, 'name': u.name, 'admin_agent': u.admin_agent,
                           'mfa': u.mfa, 'revoked': token in p.revoked,
                           'expired': world.refresh_token_expired(p, token)}
                          for token, u in p.users.items()],
            } for p in world.partners.values()],
            'customers': [{
                **customer_json(c),
                'qualifications': list(c.qualifications), 'legacy_azure': c.legacy_azure,
                'partners': sorted(c.partners),
                'subscriptions': [dict(subscription_json(s), soldBy=s.partner_id)
                                  for s in world.subscriptions.values()
                                  if s.customer_id == c.tenant_id],
                'entitlements': [entitlement_json(c.tenant_id, e)
                                 for e in world.entitlements.values()
                                 if e.customer_id == c.tenant_id],
                'overage': _state_json(world.overage_state(c)),
                'visible_overage': _state_json(world.visible_overage(c)),
            } for c in world.customers.values()],
            'skus': [sku_json(s) for s in world.skus.values()],
        }


def _state_json(state: Optional[OverageState]) -> Optional[Dict[str, Any]]:
    if state is None:
        return None
    return {'azureEntitlementId': state.azure_entitlement_id, 'partnerId': state.partner_id,
            'overageEnabled': state.enabled, 'holder': state.holder}


# ---------------------------------------------------------------------- Entra ID's shapes
def openid_configuration(base: str, tenant: str) -> Dict[str, Any]:
    root = f'{base}/{tenant}'
    return {
        'token_endpoint': f'{root}/oauth2/v2.0/token',
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'client_secret_basic'],
        'jwks_uri': f'{root}/discovery/v2.0/keys',
        'response_modes_supported': ['query', 'fragment', 'form_post'],
        'subject_types_supported': ['pairwise'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
        'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
        'issuer': f'{root}/v2.0',
        'request_uri_parameter_supported': False,
        'userinfo_endpoint': f'{base}/oidc/userinfo',
        'authorization_endpoint': f'{root}/oauth2/v2.0/authorize',
        'device_authorization_endpoint': f'{root}/oauth2/v2.0/devicecode',
        'http_logout_supported': True,
        'frontchannel_logout_supported': True,
        'end_session_endpoint': f'{root}/oauth2/v2.0/logout',
        'claims_supported': ['sub', 'iss', 'aud', 'exp', 'iat', 'name', 'oid', 'tid',
                             'preferred_username'],
        'tenant_region_scope': 'NA',
        'cloud_instance_name': 'microsoftonline.com',
    }


def token_error_json(error: TokenError, base: str, correlation_id: str) -> Dict[str, Any]:
    trace_id = str(uuid.uuid4())
    stamp = datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%SZ')
    return {
        'error': error.error,
        'error_description': f'AADSTS{error.aadsts}: {error.message} Trace ID: {trace_id} '
                             f'Correlation ID: {correlation_id} Timestamp: {stamp}',
        'error_codes': [error.aadsts],
        'timestamp': stamp,
        'trace_id': trace_id,
        'correlation_id': correlation_id,
        'error_uri': f'{base}/error?code={error.aadsts}',
    }


def _b64url(data: Dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(',', ':')).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode()


def user_token_extras(base: str, tenant: str, client_id: str, user_name: str,
                      lifetime: float, mfa: bool = True) -> Dict[str, str]:
    """An (unsigned) id_token and client_info, as Entra adds them when ``openid`` is asked;
    ``amr`` names the sign-in's methods (``mfa`` among them after multifactor authentication)."""
    oid = str(uuid.uuid5(uuid.NAMESPACE_URL, user_name))
    now = int(time.time())
    claims = {'iss': f'{base}/{tenant}/v2.0', 'sub': oid, 'aud': client_id, 'iat': now,
              'nbf': now, 'exp': now + int(lifetime), 'oid': oid, 'tid': tenant,
              'name': user_name, 'preferred_username': user_name, 'ver': '2.0',
              'amr': ['pwd', 'mfa'] if mfa else ['pwd']}
    id_token = f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}."
    return {'id_token': id_token, 'client_info': _b64url({'uid': oid, 'utid': tenant})}


# ---------------------------------------------------------------------- fault answers
def retry_after_text(seconds: float) -> str:
    """Delta-seconds as Microsoft writes them: whole when whole, else up to milliseconds, rounded
    up so a client that waits exactly this long is not throttled again."""
    whole, millis = divmod(math.ceil(seconds * 1000 - 1e-6), 1000)
    return str(whole) if millis == 0 else f'{whole}.{millis:03d}'.rstrip('0')


def throttled_response(retry_after: float) -> Response:
    text = retry_after_text(retry_after)
    return JSONResponse(
        {'statusCode': 429, 'message': f'Rate limit is exceeded. Try again in {text} seconds.'},
        status_code=429, headers={'Retry-After': text},
    )


def server_error_response(status: int, html: bool) -> Response:
    code, description, title = SERVER_ERROR_TEXT[status]
    if html:
        page = (f'<html><head><title>{status} {title}</title></head><body><center><h1>{status} '
                f'{title}</h1></center><hr><center>simulated gateway</center></body></html>')
        return HTMLResponse(page, status_code=status)
    return JSONResponse(error_json(ApiError(status, code, description)), status_code=status)


async def hold(faults: Faults, seconds: float) -> None:
    """Wait ``seconds``, or less if :meth:`Faults.release_holds` is called meanwhile."""
    generation, deadline = faults.release_generation, time.monotonic() + seconds
    while faults.release_generation == generation:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        await asyncio.sleep(min(remaining, 0.05))


async def _answer_with_faults(decision: Decision, faults: Faults, request: Request,
                              call_next) -> Response:
    if decision.delay:
        await hold(faults, decision.delay)
    rule: Optional[FaultRule] = decision.rule
    if rule is not None and rule.kind == 'throttle':
        return throttled_response(rule.retry_after)
    if rule is not None and rule.kind == 'error':
        if rule.applied:  # carried out (its answer read to the end), the client told it failed
            carried_out = await call_next(request)
            async for _ in carried_out.body_iterator:
                pass
        return server_error_response(rule.status, rule.html)
    if rule is not None and rule.kind == 'timeout':
        # Not applied; the pipeline holds this gateway page until the client has given up.
        return server_error_response(504, html=True)
    if decision.throttled_for is not None:
        return throttled_response(decision.throttled_for)
    return await call_next(request)


def _fault_name(decision: Decision) -> Optional[str]:
    if decision.rule is not None:
        return decision.rule.kind
    if decision.throttled_for is not None:
        return 'rate_limit'
    return 'latency' if decision.delay else None


# ---------------------------------------------------------------------- the app
def create_app(world: World, faults: Optional[Faults] = None,
               calls: Optional[CallLog] = None) -> FastAPI:
    """The simulator app over ``world``; ``faults`` and ``calls`` are shared with the caller."""
    faults = faults if faults is not None else Faults()
    calls = calls if calls is not None else CallLog()
    app = FastAPI(title='Partner Center simulator', docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.world, app.state.faults, app.state.calls = world, faults, calls

    @app.middleware('http')
    async def pipeline(request: Request, call_next):
        path = request.url.path
        if path.startswith(CONTROL_PREFIX):
            return await call_next(request)
        arrived = time.time()
        request_id = request.headers.get('MS-RequestId') or str(uuid.uuid4())
        correlation_id = request.headers.get('MS-CorrelationId') or str(uuid.uuid4())
        request.state.correlation_id = correlation_id
        caller = world.peek_caller(request.headers.get('Authorization'))
        partner = caller.partner if caller else _login_tenant(path)
        decision = faults.decide(request.method, path, partner)
        response = await _answer_with_faults(decision, faults, request, call_next)
        if path.startswith('/v1/'):
            response.headers['MS-RequestId'] = request_id
            response.headers['MS-CorrelationId'] = correlation_id
        calls.record(Call(request.method, path, response.status_code, partner,
                          request.headers.get('MS-RequestId'),
                          request.headers.get('MS-CorrelationId'), arrived,
                          _fault_name(decision), request.url.query))
        if decision.rule is not None and decision.rule.kind in ('timeout', 'lost'):
            # Logged first, so a test sees the call while the client is still waiting for it.
            await hold(faults, decision.rule.hold_seconds)
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        headers = dict(error.headers)
        if error.status == 401:
            correlation = getattr(request.state, 'correlation_id', None) or str(uuid.uuid4())
            headers.setdefault('WWW-Authenticate', f'OAuth realm=urn:cpsvc:cpid:{correlation}')
        return JSONResponse(error_json(error), status_code=error.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        code = 1000 if error.status_code == 404 else error.status_code
        body = error_json(ApiError(error.status_code, code, str(error.detail)))
        return JSONResponse(body, status_code=error.status_code)

    _add_login_routes(app, world)
    _add_partner_center_routes(app, world)
    _add_fault_routes(app, faults, calls)
    _add_world_routes(app, world, faults, calls)
    _add_answer_controls(app, world, faults)
    return app


def _login_tenant(path: str) -> Optional[str]:
    parts = path.strip('/').split('/')
    return parts[0] if len(parts) > 1 and parts[1] in ('v2.0', 'oauth2') else None


def _base(request: Request) -> str:
    return f'{request.url.scheme}://{request.url.netloc}'


def _add_login_routes(app: FastAPI, world: World) -> None:
    @app.get('/{tenant}/v2.0/.well-known/openid-configuration')
    async def discovery(tenant: str, request: Request):
        if not world.has_tenant(tenant):
            error = TokenError(400, 'invalid_tenant', 90002, f"Tenant '{tenant}' not found.")
            correlation = request.headers.get('client-request-id') or str(uuid.uuid4())
            return JSONResponse(token_error_json(error, _base(request), correlation), 400)
        return openid_configuration(_base(request), tenant)

    @app.post('/{tenant}/oauth2/v2.0/token')
    async def token(tenant: str, request: Request):
        correlation = request.headers.get('client-request-id') or str(uuid.uuid4())
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(),
                                             keep_blank_values=True).items()}
        client_id, client_secret = _client_credentials(form, request.headers.get('Authorization'))
        try:
            body = _grant(world, _base(request), tenant, form, client_id, client_secret)
        except TokenError as error:
            return JSONResponse(token_error_json(error, _base(request), correlation),
                                status_code=error.status, headers={'Cache-Control': 'no-store'})
        return JSONResponse(body, headers={'Cache-Control': 'no-store', 'Pragma': 'no-cache'})


def _client_credentials(form: Dict[str, str], authorization: Optional[str]):
    """client_secret_post, or client_secret_basic when an Authorization header is sent."""
    scheme, _, value = (authorization or '').partition(' ')
    if scheme.lower() == 'basic' and value:
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(':')
            return client_id, secret
        except ValueError:
            pass
    return form.get('client_id', ''), form.get('client_secret')


def _grant(world: World, base: str, tenant: str, form: Dict[str, str], client_id: str,
           client_secret: Optional[str]) -> Dict[str, Any]:
    grant_type, scope = form.get('grant_type'), form.get('scope', '')
    if not grant_type:
        raise TokenError(400, 'invalid_request', 900144, "The request body must contain the "
                                                         "following parameter: 'grant_type'.")
    if grant_type == 'client_credentials':
        token, lifetime = world.issue_app_token(tenant, client_id, client_secret, scope)
        extras: Dict[str, str] = {}
    elif grant_type == 'refresh_token':
        token, lifetime, refresh, user = world.issue_user_token(
            tenant, client_id, client_secret, form.get('refresh_token', ''), scope)
        extras = {'refresh_token': refresh}
        if 'openid' in scope.split():
            extras.update(user_token_extras(base, tenant, client_id, user.name, lifetime,
                                            user.mfa))
    else:
        raise TokenError(400, 'unsupported_grant_type', 70003,
                         f'The app requested an unsupported grant type {grant_type!r}.')
    granted = ' '.join(s for s in scope.split() if '/' in s)
    return {'token_type': 'Bearer', 'scope': granted, 'expires_in': int(lifetime),
            'ext_expires_in': int(lifetime), 'access_token': token, **extras}


def _add_partner_center_routes(app: FastAPI, world: World) -> None:  # noqa: C901 - a route table
    def caller_of(request: Request) -> Caller:
        return world.authenticate(request.headers.get('Authorization'))

    @app.get('/v1/profiles/organization')
    async def organization(request: Request):
        caller = caller_of(request)
        world.require_app_plus_user(caller)
        with world.lock:
            partner = world.partners[caller.partner]
            return {
                'id': partner.tenant_id, 'companyName': partner.name, 'mpnId': partner.mpn_id,
                'defaultAddress': {'country': partner.country},
                'email': f'admin@{partner.mpn_id}.example', 'culture': 'en-US', 'language': 'en',
                'attributes': {'objectType': 'OrganizationProfile'},
            }

    @app.get('/v1/customers')
    async def customers(request: Request, size: Optional[str] = None):
        caller = caller_of(request)
        offset = _continuation_offset(request.headers.get('MS-ContinuationToken'))
        page_size = _page_size(size)
        found = world.customers_of(caller)
        page = found[offset:offset + page_size]
        body = collection([customer_json(c) for c in page], f'/customers?size={page_size}')
        if offset + page_size < len(found):
            body['continuationToken'] = _continuation_token(offset + page_size)
            body['links']['next'] = {
                'uri': f'/customers?size={page_size}&seekOperation=Next', 'method': 'GET',
                'headers': [{'key': 'MS-ContinuationToken', 'value': body['continuationToken']}],
            }
        return body

    @app.get('/v1/customers/{tenant}')
    async def customer(tenant: str, request: Request):
        return customer_json(world.customer_for(caller_of(request), tenant))

    @app.get('/v1/customers/{tenant}/qualifications')
    async def qualifications(tenant: str, request: Request):
        found = world.customer_for(caller_of(request), tenant)
        return [{'qualification': q, 'vettingStatus': 'Approved'} for q in found.qualifications]

    @app.get('/v1/customers/{tenant}/subscriptions')
    async def subscriptions(tenant: str, request: Request):
        items = world.subscriptions_for(caller_of(request), tenant)
        return collection([subscription_json(s) for s in items],
                          f'/customers/{tenant.lower()}/subscriptions')

    @app.get('/v1/customers/{tenant}/subscriptions/overage')
    async def get_overage(tenant: str, request: Request):
        state = world.overage_for(caller_of(request), tenant)
        return collection([overage_json(tenant.lower(), state)] if state else [])

    @app.put('/v1/customers/{tenant}/subscriptions/overage')
    async def put_overage(tenant: str, request: Request):
        caller = caller_of(request)
        raw = await request.body()

        def apply():
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                body = None
            return overage_json(tenant.lower(), world.update_overage(caller, tenant, body))

        return world.answer_once(caller, request.headers.get('MS-RequestId'), apply)

    @app.get('/v1/agreements')
    async def agreement_metadata(request: Request, agreementType: Optional[str] = None):
        return collection(world.agreement_metadata(caller_of(request), agreementType))

    @app.get('/v1/customers/{tenant}/agreements')
    async def customer_agreements(tenant: str, request: Request,
                                  agreementType: Optional[str] = None):
        return collection(world.agreements_for(caller_of(request), tenant, agreementType))

    @app.post('/v1/customers/{tenant}/agreements', status_code=201)
    async def create_agreement(tenant: str, request: Request):
        caller = caller_of(request)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        return world.answer_once(caller, request.headers.get('MS-RequestId'),
                                 lambda: world.create_agreement(caller, tenant, body))

    @app.get('/v1/customers/{tenant}/subscriptions/{subscription_id}')
    async def subscription(tenant: str, subscription_id: str, request: Request):
        return subscription_json(world.subscription_for(caller_of(request), tenant,
                                                        subscription_id))

    @app.get('/v1/customers/{tenant}/subscriptions/{subscription_id}/azureEntitlements')
    @app.get('/v1/customers/{tenant}/subscriptions/{subscription_id}/azureentitlements')
    async def entitlements(tenant: str, subscription_id: str, request: Request):
        items = world.entitlements_for(caller_of(request), tenant, subscription_id)
        return collection([entitlement_json(tenant.lower(), e) for e in items])

    @app.get('/v1/products/{product_id}/skus/{sku_id}')
    async def sku(product_id: str, sku_id: str, request: Request, country: Optional[str] = None):
        caller_of(request)
        return sku_json(world.sku(product_id, sku_id, country))


MAX_PAGE_SIZE = 500


def _page_size(size: Optional[str]) -> int:
    """``size`` of a customers page: 1 to 500 (the simulator's bound); 400 800002 otherwise."""
    try:
        value = int(size) if size is not None else MAX_PAGE_SIZE
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ApiError(400, 800002, f'Invalid request input: size must be 1 to {MAX_PAGE_SIZE}.',
                       data=['size'])
    return value


def _continuation_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f'offset:{offset}'.encode()).decode()


def _continuation_offset(token: Optional[str]) -> int:
    """Where a page starts: 0 without a token; 400 800002 for a token this simulator did not give."""
    if not token:
        return 0
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(':')
        if kind == 'offset' and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise ApiError(400, 800002, 'Invalid request input: the continuation token is not valid.')


def _add_fault_routes(app: FastAPI, faults: Faults, calls: CallLog) -> None:
    @app.get(CONTROL_PREFIX + '/faults')
    async def read_faults():
        return faults.to_dict()

    @app.put(CONTROL_PREFIX + '/faults')
    async def write_faults(request: Request):
        try:
            faults.configure_from(json.loads(await request.body() or b'{}'))
        except (ValueError, TypeError) as error:
            return JSONResponse({'error': str(error)}, status_code=400)
        return faults.to_dict()

    @app.delete(CONTROL_PREFIX + '/faults')
    async def clear_faults():
        faults.clear()
        return faults.to_dict()

    @app.get(CONTROL_PREFIX + '/calls')
    async def read_calls():
        return [call.to_dict() for call in calls.all()]

    @app.delete(CONTROL_PREFIX + '/calls')
    async def clear_calls():
        calls.clear()
        return []


def _add_world_routes(app: FastAPI, world: World, faults: Faults, calls: CallLog) -> None:
    @app.post(CONTROL_PREFIX + '/reset')
    async def reset():
        world.reset()
        faults.clear()
        calls.clear()
        return {'reset': True}

    @app.get(CONTROL_PREFIX + '/world')
    async def read_world():
        return world_json(world)

    # The partner that holds a customer's overage releases it, or it moves to another partner
    # without being released (sandbox/partner_center/holders.py; conformance PC-90..PC-99).
    @app.post(CONTROL_PREFIX + '/customers/{tenant}/overage/release')
    async def release_overage(tenant: str):
        return _state_json(holders.release(world, tenant))

    @app.post(CONTROL_PREFIX + '/customers/{tenant}/overage/move')
    async def move_overage(tenant: str, request: Request):
        body = await _control_body(request)
        if isinstance(body, JSONResponse):
            return body
        return _state_json(holders.move(world, tenant, body.get('partner_id'),
                                        body.get('azure_subscription_id'), body.get('holder_tenant_id')))

    @app.patch(CONTROL_PREFIX + '/world')
    async def tune_world(request: Request):
        try:
            changes = json.loads(await request.body() or b'{}')
            with world.lock:
                refresh_tokens = _refresh_token_changes(world, changes)
                # Seconds, or [low, high] drawn per write; checked before anything is applied.
                lag = parse_lag(changes.get('propagation_delay', world.propagation_delay))
                if 'token_lifetime' in changes:
                    world.token_lifetime = float(changes['token_lifetime'])
                if 'enforce_mfa' in changes:
                    if not isinstance(changes['enforce_mfa'], bool):
                        raise ValueError('enforce_mfa must be true or false')
                    world.enforce_mfa = changes['enforce_mfa']
                world.propagation_delay = lag
                world.refresh_token_lifetime, world.revoke_rotated_refresh_tokens = refresh_tokens
        except (ValueError, TypeError, AttributeError) as error:
            return JSONResponse({'error': str(error)}, status_code=400)
        return {'propagation_delay': world.propagation_delay,
                'token_lifetime': world.token_lifetime, 'enforce_mfa': world.enforce_mfa,
                'refresh_token_lifetime': world.refresh_token_lifetime,
                'revoke_rotated_refresh_tokens': world.revoke_rotated_refresh_tokens}


async def _control_body(request: Request):
    """A control's JSON object body ({} when empty), or the 400 that refuses anything else."""
    try:
        body = json.loads(await request.body() or b'{}')
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({'error': 'the body must be a JSON object'}, status_code=400)
    return body


def _add_answer_controls(app: FastAPI, world: World, faults: Faults) -> None:
    # Microsoft answers the customer's next overage PUT late, or never (faults.held_overage_answer;
    # conformance PC-97): {"seconds": N}; the change itself is applied at once.
    @app.post(CONTROL_PREFIX + '/customers/{tenant}/overage/hold-answer')
    async def hold_overage_answer(tenant: str, request: Request):
        body = await _control_body(request)
        if isinstance(body, JSONResponse):
            return body
        with world.lock:
            customer = world._customer_or_404(tenant)
        try:
            rule = faults.add(held_overage_answer(customer.tenant_id, body.get('seconds')))
        except ValueError as error:
            return JSONResponse({'error': str(error)}, status_code=400)
        return rule.to_dict()


def _refresh_token_changes(world: World, changes: Dict[str, Any]) -> Tuple[float, bool]:
    """The ``refresh_token_lifetime`` (seconds, > 0: shorten it to watch tokens die) and
    ``revoke_rotated_refresh_tokens`` (true: refuse a refresh token once used) asked for, checked
    before anything is applied."""
    lifetime = changes.get('refresh_token_lifetime', world.refresh_token_lifetime)
    if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) \
            or not math.isfinite(lifetime) or lifetime <= 0:
        raise ValueError('refresh_token_lifetime must be a positive number of seconds')
    revoke = changes.get('revoke_rotated_refresh_tokens', world.revoke_rotated_refresh_tokens)
    if not isinstance(revoke, bool):
        raise ValueError('revoke_rotated_refresh_tokens must be true or false')
    return float(lifetime), revoke
