"""The one Partner Center client: real HTTP with ``requests``, typed models out, one typed error.

The same class talks to Microsoft in production, to the sandbox's simulator, and to ``responses``
in tests. Each public method is one *logical call*: it gets its own ``MS-RequestId`` (kept on every
retry of that call, so Microsoft can recognise a repeated write) and ``MS-CorrelationId`` (unless
the caller passes them), is retried by the rules of :mod:`connect_ext.partner_center.retry`, and
ends either with a model from :mod:`connect_ext.partner_center.models` or with one
:class:`~connect_ext.partner_center.errors.PartnerCenterError`.

Inputs that name a tenant or a subscription are checked before any HTTP call, so a malformed
value never reaches Microsoft.
"""
import logging
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar
from urllib.parse import quote, urlsplit

import pydantic
import requests

from connect_ext.compat import parse
from connect_ext.config import PartnerCenterSettings
from connect_ext.partner_center.auth import MsalTokenProvider, TokenProvider, mode_of
from connect_ext.partner_center.errors import (
    REJECTED,
    THROTTLED,
    TIMEOUT,
    UNAVAILABLE,
    PartnerCenterError,
)
from connect_ext.partner_center.models import (
    OVERAGE_TYPE_PHONE_SERVICES,
    AzureEntitlement,
    Customer,
    Overage,
    Sku,
    Subscription,
)
from connect_ext.partner_center.retry import RetryPolicy, run_with_retries, throttle_delay


M = TypeVar('M', bound=pydantic.BaseModel)

API_PREFIX = '/v1'
MAX_DESCRIPTION_CHARS = 1024
MAX_PAGES = 100
QUALIFICATION_DENIED = 'denied'

_GUID = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
_CATALOG_ID = re.compile(r'[A-Za-z0-9]{1,40}')
_COUNTRY = re.compile(r'[A-Za-z]{2}')
_PARTNER_ID = re.compile(r'[0-9]{1,12}')
# Headers we set ourselves; a continuation link may not replace them.
_OWN_HEADERS = frozenset(
    name.lower()
    for name in (
        'Authorization', 'Accept', 'Content-Type', 'Host', 'MS-RequestId', 'MS-CorrelationId',
        'X-Locale', 'MS-Contract-Version',
    )
)


# -- input checks (pure) ----------------------------------------------------------------------


def require_guid(value: Any, what: str) -> str:
    """``value`` when it is a GUID string; ``ValueError`` otherwise (no HTTP call is made)."""
    if not isinstance(value, str) or not _GUID.fullmatch(value):
        raise ValueError(f'{what} must be a GUID, got {value!r}')
    return value


def _require(pattern: 're.Pattern', value: Any, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f'{what} is not valid: {value!r}')
    return value


def require_partner_id(value: Any) -> str:
    """A reseller's PartnerID (MPN id): digits, or a GUID as some documents show it."""
    if isinstance(value, str) and (_PARTNER_ID.fullmatch(value) or _GUID.fullmatch(value)):
        return value
    raise ValueError(f'partner_id must be a numeric PartnerID or a GUID, got {value!r}')


def _segment(value: str) -> str:
    return quote(value, safe='')


# -- payloads (pure) --------------------------------------------------------------------------


def select_overage_item(items: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The ``PhoneServices`` item of the overage collection (type compared without case); the
    only item when Microsoft sent no types; ``None`` when overage was never set."""
    wanted = OVERAGE_TYPE_PHONE_SERVICES.lower()
    for item in items:
        if str(item.get('type') or '').lower() == wanted:
            return item
    if len(items) == 1 and not items[0].get('type'):
        return items[0]
    return None


def qualification_names(payload: Any) -> List[str]:
    """The qualification names of ``GET /customers/{id}/qualifications``.

    Accepts the documented JSON array of ``{"qualification", "vettingStatus"}`` objects, a
    collection (``items``), a single object, or bare strings. A qualification whose vetting
    was denied is not one the customer holds, so it is left out.
    """
    if isinstance(payload, dict):
        entries = payload.get('items') if isinstance(payload.get('items'), list) else [payload]
    elif isinstance(payload, list):
        entries = payload
    else:
        entries = []
    names = []
    for entry in entries:
        if isinstance(entry, str):
            name, vetting = entry, None
        elif isinstance(entry, dict):
            name, vetting = entry.get('qualification'), entry.get('vettingStatus')
        else:
            continue
        denied = str(vetting or '').lower() == QUALIFICATION_DENIED
        if isinstance(name, str) and name.strip() and not denied:
            names.append(name.strip())
    return names


@dataclass(frozen=True)
class ErrorBody:
    """What an error response said, whatever its shape."""

    code: Optional[Any] = None
    description: str = ''
    data: List[Any] = field(default_factory=list)
    source: Optional[str] = None


def _body_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _content_type(response: requests.Response) -> str:
    return (response.headers.get('Content-Type') or 'no content type').split(';')[0].strip()


def _short(text: Any) -> str:
    text = str(text).strip()
    return text if len(text) <= MAX_DESCRIPTION_CHARS else text[: MAX_DESCRIPTION_CHARS - 1] + '…'


def _listed(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def read_error_body(response: requests.Response) -> ErrorBody:
    """Microsoft's error JSON ``{code, description, data, source}``; its 429 JSON
    ``{statusCode, message}``; an OAuth/ARM-style ``error``; or a short description of an empty
    or non-JSON (e.g. HTML) body, which is never copied."""
    status = response.status_code
    body = _body_json(response)
    if isinstance(body, dict):
        if 'code' in body or 'description' in body:
            source = body.get('source')
            description = body.get('description') or f'HTTP {status} without a description'
            return ErrorBody(
                code=body.get('code'),
                description=_short(description),
                data=_listed(body.get('data')),
                source=source if isinstance(source, str) else None,
            )
        if isinstance(body.get('message'), str):
            return ErrorBody(description=_short(body['message']))
        nested = body.get('error')
        if isinstance(nested, dict):
            return ErrorBody(
                code=nested.get('code'), description=_short(nested.get('message') or ''),
            )
        if isinstance(nested, str):
            return ErrorBody(
                code=nested, description=_short(body.get('error_description') or ''),
            )
        return ErrorBody(description=f'HTTP {status} with an unrecognised JSON error body')
    if not response.content or not response.content.strip():
        return ErrorBody(description=f'HTTP {status} with no error body')
    return ErrorBody(description=f'HTTP {status} with a non-JSON body ({_content_type(response)})')


def kind_of_status(status: int) -> str:
    """429 is throttling, other 4xx a rejection; 5xx (and anything unexpected) unavailability."""
    if status == 429:
        return THROTTLED
    if 400 <= status <= 499:
        return REJECTED
    return UNAVAILABLE


# -- one logical call -------------------------------------------------------------------------


@dataclass
class _Call:
    """One logical call: what is sent, under which ids, and how many times it was sent."""

    method: str
    path: str
    url: str
    request_id: str
    correlation_id: str
    params: Optional[Dict[str, str]] = None
    body: Optional[Dict[str, Any]] = None
    extra_headers: Dict[str, str] = field(default_factory=dict)
    sends: int = 0
    token_renewed: bool = False


class PartnerCenterClient:
    """Partner Center's REST API, as this extension uses it (see the module docstring)."""

    def __init__(
        self,
        settings: PartnerCenterSettings,
        *,
        token_provider: Optional[TokenProvider] = None,
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
        logger: Optional[logging.Logger] = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: Optional[random.Random] = None,
    ):
        self._settings = settings
        self._session = session or requests.Session()
        self._tokens = token_provider or MsalTokenProvider(settings, session=self._session)
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._log = logger or logging.getLogger(__name__)
        self._policy = RetryPolicy.from_settings(settings)
        self._base_url = settings.api_url.rstrip('/')
        self._verify = settings.ca_bundle or True
        self._timeout = (settings.connect_timeout, settings.read_timeout)

    # -- public calls ---------------------------------------------------------------------

    def get_overage(
        self, tenant_id: str, *, correlation_id: Optional[str] = None,
    ) -> Optional[Overage]:
        """The customer's ``PhoneServices`` overage assignment, or ``None`` when never set."""
        path = self._overage_path(tenant_id)
        items, _ = self._collection('GET', path, correlation_id=correlation_id)
        item = select_overage_item(items)
        return None if item is None else self._model(Overage, item, 'GET', path)

    def update_overage(
        self,
        tenant_id: str,
        *,
        enabled: bool,
        azure_entitlement_id: Optional[str],
        partner_id: Optional[str] = None,
        request_id: Optional[str] = None,
        correlation_id: Optional[str] = None,
    ) -> Overage:
        """Enable (or move) overage to an Azure subscription, or disable it (``enabled=False``,
        sending the currently assigned entitlement when known). ``partner_id`` is the indirect
        reseller's PartnerID. Pass ``request_id`` to repeat an earlier write under its id."""
        path = self._overage_path(tenant_id)
        if enabled and not azure_entitlement_id:
            raise ValueError('azure_entitlement_id is required to enable overage')
        if azure_entitlement_id is not None:
            require_guid(azure_entitlement_id, 'azure_entitlement_id')
        body: Dict[str, Any] = {
            'azureEntitlementId': azure_entitlement_id,
            'overageEnabled': bool(enabled),
        }
        if partner_id is not None:
            body['partnerId'] = require_partner_id(partner_id)
        payload = self._json(
            'PUT', path, body=body, request_id=request_id, correlation_id=correlation_id,
        )
        return self._model(Overage, self._object(payload, 'PUT', path), 'PUT', path)

    def list_subscriptions(
        self, tenant_id: str, *, correlation_id: Optional[str] = None,
    ) -> List[Subscription]:
        """Every subscription of the customer (all pages)."""
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/subscriptions'
        return self._all_pages(Subscription, path, correlation_id=correlation_id)

    def list_azure_entitlements(
        self,
        tenant_id: str,
        azure_plan_subscription_id: str,
        *,
        correlation_id: Optional[str] = None,
    ) -> List[AzureEntitlement]:
        """The Azure subscriptions under one Azure plan subscription of the customer."""
        plan = _segment(require_guid(azure_plan_subscription_id, 'azure_plan_subscription_id'))
        subscriptions = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/subscriptions'
        path = f'{subscriptions}/{plan}/azureEntitlements'
        return self._all_pages(AzureEntitlement, path, correlation_id=correlation_id)

    def get_customer(
        self,
        tenant_id: str,
        *,
        correlation_id: Optional[str] = None,
        include_qualifications: bool = True,
    ) -> Customer:
        """The customer and the names of its qualifications (Education, GovernmentCommunityCloud
        …; none for a plain commercial customer). Both reads share one correlation id.

        ``include_qualifications=False`` reads the customer alone, for callers that read the
        qualifications in parallel with :meth:`get_qualifications`.
        """
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}'
        correlation_id = correlation_id or str(uuid.uuid4())
        payload = self._json('GET', path, correlation_id=correlation_id)
        customer = dict(self._object(payload, 'GET', path))
        if include_qualifications:
            customer['qualifications'] = self.get_qualifications(
                tenant_id, correlation_id=correlation_id,
            )
        return self._model(Customer, customer, 'GET', path)

    def get_qualifications(self, tenant_id: str, *, correlation_id: Optional[str] = None) -> List[str]:
        """The names of the customer's qualifications; a 404 means it has none."""
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/qualifications'
        try:
            payload = self._json('GET', path, correlation_id=correlation_id)
        except PartnerCenterError as error:
            if error.status != 404:
                raise
            payload = []
        return qualification_names(payload)

    def get_sku(self, product_id: str, sku_id: str, *, country: str) -> Sku:
        """One catalogue SKU as sold in ``country`` (its ``consumptionType`` says "overage")."""
        product = _segment(_require(_CATALOG_ID, product_id, 'product_id'))
        sku = _segment(_require(_CATALOG_ID, sku_id, 'sku_id'))
        country = _require(_COUNTRY, country, 'country').upper()
        path = f'{API_PREFIX}/products/{product}/skus/{sku}'
        payload = self._json('GET', path, params={'country': country})
        return self._model(Sku, self._object(payload, 'GET', path), 'GET', path)

    def check_connection(self) -> Dict[str, Any]:
        """Obtain a token and make one cheap read; raises PartnerCenterError when either fails."""
        self._json('GET', f'{API_PREFIX}/profiles/organization')
        return {'ok': True, 'mode': mode_of(self._settings)}

    # -- paths ----------------------------------------------------------------------------

    @staticmethod
    def _tenant(tenant_id: str) -> str:
        return _segment(require_guid(tenant_id, 'tenant_id'))

    def _overage_path(self, tenant_id: str) -> str:
        return f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/subscriptions/overage'

    def _page_link(
        self, link: Any, method: str, path: str,
    ) -> Optional[Tuple[str, str, Dict[str, str]]]:
        """``(url, path, headers)`` of a collection's ``links.next``, or ``None`` at the end.

        Microsoft writes the link relative (with or without ``/v1``) and puts the continuation
        token in the link's headers. A link to another host is refused: it would get our token.
        """
        if not isinstance(link, dict) or not isinstance(link.get('uri'), str) or not link['uri']:
            return None
        uri = link['uri']
        parts = urlsplit(uri)
        if parts.scheme or parts.netloc:
            base = urlsplit(self._base_url)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                raise PartnerCenterError(
                    UNAVAILABLE, description='the next-page link points outside Partner Center',
                    method=method, path=path,
                )
            url = uri
            next_path = parts.path
        else:
            relative = uri if uri.startswith('/') else '/' + uri
            if not relative.startswith(API_PREFIX + '/'):
                relative = API_PREFIX + relative
            url = self._base_url + relative
            next_path = urlsplit(relative).path
        headers = {}
        for header in link.get('headers') or []:
            if (
                isinstance(header, dict)
                and isinstance(header.get('key'), str)
                and header['key'].lower() not in _OWN_HEADERS
                and header.get('value') is not None
            ):
                headers[header['key']] = str(header['value'])
        return url, next_path, headers

    # -- collections ----------------------------------------------------------------------

    def _collection(
        self,
        method: str,
        path: str,
        *,
        correlation_id: Optional[str] = None,
        url: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[List[Dict[str, Any]], Any]:
        """One page of a collection: its items (objects) and its ``links.next``."""
        payload = self._json(
            method, path, correlation_id=correlation_id, url=url, extra_headers=headers,
        )
        payload = self._object(payload, method, path)
        items = payload.get('items')
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise PartnerCenterError(
                UNAVAILABLE, status=200, description='the collection has no list of items',
                method=method, path=path,
            )
        links = payload.get('links')
        return items, links.get('next') if isinstance(links, dict) else None

    def _all_pages(self, model: Type[M], path: str, *, correlation_id: Optional[str]) -> List[M]:
        correlation_id = correlation_id or str(uuid.uuid4())
        results: List[M] = []
        seen = set()
        url, page_path, headers = None, path, None
        for _ in range(MAX_PAGES):
            items, next_link = self._collection(
                'GET', page_path, correlation_id=correlation_id, url=url, headers=headers,
            )
            results.extend(self._model(model, item, 'GET', page_path) for item in items)
            page = self._page_link(next_link, 'GET', page_path)
            if page is None:
                return results
            url, page_path, headers = page
            marker = (url, tuple(sorted(headers.items())))
            if marker in seen:
                raise PartnerCenterError(
                    UNAVAILABLE, description='the next-page link repeats an earlier page',
                    method='GET', path=page_path,
                )
            seen.add(marker)
        raise PartnerCenterError(
            UNAVAILABLE, description=f'more than {MAX_PAGES} pages', method='GET', path=path,
        )

    # -- payload helpers ------------------------------------------------------------------

    @staticmethod
    def _object(payload: Any, method: str, path: str) -> Dict[str, Any]:
        if not isinstance(payload, dict):
            raise PartnerCenterError(
                UNAVAILABLE, status=200, description='the answer is not a JSON object',
                method=method, path=path,
            )
        return payload

    @staticmethod
    def _model(model: Type[M], data: Dict[str, Any], method: str, path: str) -> M:
        try:
            return parse(model, data)
        except pydantic.ValidationError:
            raise PartnerCenterError(
                UNAVAILABLE, status=200,
                description=f'the answer is not a valid {model.__name__}',
                method=method, path=path,
            ) from None

    # -- the HTTP exchange ----------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Dict[str, str]] = None,
        body: Optional[Dict[str, Any]] = None,
        request_id: Optional[str] = None,
        correlation_id: Optional[str] = None,
        url: Optional[str] = None,
        extra_headers: Optional[Dict[str, str]] = None,
    ) -> Any:
        """Run one logical call and return its JSON payload, or raise."""
        if request_id is not None:
            require_guid(request_id, 'request_id')
        call = _Call(
            method=method,
            path=path,
            url=url or self._base_url + path,
            request_id=request_id or str(uuid.uuid4()),
            correlation_id=correlation_id or str(uuid.uuid4()),
            params=params,
            body=body,
            extra_headers=dict(extra_headers or {}),
        )
        response = self._run(call)
        if not 200 <= response.status_code <= 299:
            raise self._response_error(call, response)
        try:
            return response.json()
        except ValueError:
            raise PartnerCenterError(
                UNAVAILABLE,
                status=response.status_code,
                description=(
                    f'HTTP {response.status_code} but the body is not valid JSON '
                    f'({_content_type(response)})'
                ),
                correlation_id=self._correlation(call, response),
                request_id=call.request_id,
                method=method,
                path=path,
            ) from None

    def _run(self, call: _Call) -> requests.Response:
        def on_retry(attempt_number: int, delay: float, outcome: Any) -> None:
            reason = (
                type(outcome.exception()).__name__ if outcome.failed
                else f'HTTP {outcome.result().status_code}'
            )
            self._log.warning(
                'Partner Center %s %s: %s; retrying in %.2f s (attempt %d of %d, '
                'MS-RequestId=%s, MS-CorrelationId=%s)',
                call.method, call.path, reason, delay, attempt_number + 1,
                self._policy.max_attempts, call.request_id, call.correlation_id,
            )

        try:
            return run_with_retries(
                lambda: self._attempt(call),
                policy=self._policy,
                sleep=self._sleep,
                clock=self._clock,
                wall_clock=self._wall_clock,
                rng=self._rng,
                on_retry=on_retry,
            )
        except requests.RequestException as error:
            raise self._transport_error(call, error) from None

    def _attempt(self, call: _Call) -> requests.Response:
        """One attempt; a 401 renews the token once per logical call and sends again at once."""
        response = self._send(call)
        if response.status_code == 401 and not call.token_renewed:
            call.token_renewed = True
            self._log.info(
                'Partner Center %s %s: token rejected (401); renewing it and sending again',
                call.method, call.path,
            )
            self._tokens.invalidate()
            response = self._send(call)
        return response

    def _headers(self, call: _Call) -> Dict[str, str]:
        headers = dict(call.extra_headers)
        headers.update({
            'Authorization': f'Bearer {self._tokens.get_token()}',
            'Accept': 'application/json',
            'MS-RequestId': call.request_id,
            'MS-CorrelationId': call.correlation_id,
            'MS-Contract-Version': 'v1',
            'X-Locale': self._settings.locale,
        })
        if call.body is not None:
            headers['Content-Type'] = 'application/json'
        return headers

    def _send(self, call: _Call) -> requests.Response:
        headers = self._headers(call)
        call.sends += 1
        started = self._clock()
        try:
            response = self._session.request(
                call.method,
                call.url,
                params=call.params,
                json=call.body,
                headers=headers,
                timeout=self._timeout,
                # Per request: REQUESTS_CA_BUNDLE would override a session-wide verify.
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            self._log_exchange(call, type(error).__name__, started, logging.INFO)
            raise
        level = logging.DEBUG if response.status_code < 400 else logging.INFO
        self._log_exchange(call, response.status_code, started, level)
        return response

    def _log_exchange(self, call: _Call, outcome: Any, started: float, level: int) -> None:
        self._log.log(
            level,
            'Partner Center %s %s -> %s (MS-RequestId=%s, MS-CorrelationId=%s, attempt %d, %d ms)',
            call.method, call.path, outcome, call.request_id, call.correlation_id, call.sends,
            round((self._clock() - started) * 1000),
        )

    # -- errors ---------------------------------------------------------------------------

    @staticmethod
    def _correlation(call: _Call, response: Optional[requests.Response]) -> str:
        echoed = response.headers.get('MS-CorrelationId') if response is not None else None
        return echoed or call.correlation_id

    def _response_error(self, call: _Call, response: requests.Response) -> PartnerCenterError:
        status = response.status_code
        said = read_error_body(response)
        retry_after = None
        if status == 429:
            retry_after = throttle_delay(response, wall_clock=self._wall_clock)
        return PartnerCenterError(
            kind_of_status(status),
            status=status,
            code=said.code,
            description=said.description,
            data=said.data,
            source=said.source,
            correlation_id=self._correlation(call, response),
            request_id=call.request_id,
            retry_after=retry_after,
            method=call.method,
            path=call.path,
        )

    def _transport_error(self, call: _Call, error: requests.RequestException) -> PartnerCenterError:
        timed_out = isinstance(error, requests.Timeout)
        what = 'no answer in time' if timed_out else 'no connection to Partner Center'
        return PartnerCenterError(
            TIMEOUT if timed_out else UNAVAILABLE,
            description=f'{what} after {call.sends} attempt(s) ({type(error).__name__})',
            correlation_id=call.correlation_id,
            request_id=call.request_id,
            method=call.method,
            path=call.path,
        )
