"""The HTTP exchange with Partner Center: one logical call in, its JSON or one typed error out.

:class:`PartnerCenterHttp` builds each call's headers (a bearer token, ``MS-RequestId`` kept on
every retry of the call so Microsoft can recognise a repeated write, ``MS-CorrelationId``),
sends it with the session, its timeouts and its CA bundle (never following a redirect), renews a
rejected token once, retries by the rules of :mod:`connect_ext.partner_center.retry`, logs every
exchange (ids and outcome, never the token or the body), and turns an error answer or a
transport failure into a :class:`~connect_ext.partner_center.errors.PartnerCenterError`, with the
token the call sent redacted from whatever Microsoft's answer quotes. It also
follows a collection's continuation links, page by page, on Partner Center's host only.
"""
import logging
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar
from urllib.parse import urlsplit

import pydantic
import requests

from connect_ext import redaction
from connect_ext.config import PartnerCenterSettings
from connect_ext.partner_center.auth import TokenProvider
from connect_ext.partner_center.budget import BudgetExhausted, RateBudget
from connect_ext.partner_center.errors import THROTTLED, TIMEOUT, UNAVAILABLE, PartnerCenterError
from connect_ext.partner_center.payloads import (
    collection_page,
    content_type,
    kind_of_status,
    parse_model,
    read_error_body,
    require_guid,
)
from connect_ext.partner_center.retry import RetryPolicy, run_with_retries, throttle_delay


M = TypeVar('M', bound=pydantic.BaseModel)

API_PREFIX = '/v1'
MAX_PAGES = 100
# Headers we set ourselves; a continuation link may not replace them.
_OWN_HEADERS = frozenset(
    name.lower()
    for name in (
        'Authorization', 'Accept', 'Content-Type', 'Host', 'MS-RequestId', 'MS-CorrelationId',
        'X-Locale', 'MS-Contract-Version',
    )
)


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
    # The access token the last attempt sent: redacted from Microsoft's answer.
    token: str = field(default='', repr=False)


class PartnerCenterHttp:
    """Logical calls to Partner Center's REST API (see the module docstring)."""

    def __init__(
        self,
        settings: PartnerCenterSettings,
        *,
        tokens: TokenProvider,
        session: requests.Session,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        rng: random.Random,
        logger: logging.Logger,
        budget: Optional[RateBudget] = None,
    ):
        self._settings = settings
        # The budget every rate-limited attempt takes from (shared through the store); None: unpaced.
        self._budget = budget
        self._session = session
        self._tokens = tokens
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng
        self._log = logger
        self._policy = RetryPolicy.from_settings(settings)
        self._base_url = settings.api_url.rstrip('/')
        self._verify = settings.ca_bundle or True
        self._timeout = (settings.connect_timeout, settings.read_timeout)

    # -- logical calls --------------------------------------------------------------------

    def json(
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
                    f'({content_type(response)})'
                ),
                correlation_id=self._correlation(call, response),
                request_id=call.request_id,
                method=method,
                path=path,
            ) from None

    # -- collections ----------------------------------------------------------------------

    def collection(
        self,
        method: str,
        path: str,
        *,
        correlation_id: Optional[str] = None,
        url: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[List[Dict[str, Any]], Any]:
        """One page of a collection: its items (objects) and its ``links.next``."""
        payload = self.json(
            method, path, correlation_id=correlation_id, url=url, extra_headers=headers,
        )
        return collection_page(payload, method, path)

    def all_pages(self, model: Type[M], path: str, *, correlation_id: Optional[str]) -> List[M]:
        """Every item of a collection, read as ``model``; all pages share one correlation id."""
        correlation_id = correlation_id or str(uuid.uuid4())
        results: List[M] = []
        seen = set()
        url, page_path, headers = None, path, None
        for _ in range(MAX_PAGES):
            items, next_link = self.collection(
                'GET', page_path, correlation_id=correlation_id, url=url, headers=headers,
            )
            results.extend(parse_model(model, item, 'GET', page_path) for item in items)
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

    # -- sending, with retries ------------------------------------------------------------

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
                method=call.method,
            )
        except requests.RequestException as error:
            raise self._transport_error(call, error) from None
        except BudgetExhausted as error:
            raise PartnerCenterError(
                THROTTLED,
                description=f'not sent: {error}',
                correlation_id=call.correlation_id,
                request_id=call.request_id,
                retry_after=error.wait,
                method=call.method,
                path=call.path,
            ) from None

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
        call.token = self._tokens.get_token()
        redaction.remember(call.token)
        headers.update({
            'Authorization': f'Bearer {call.token}',
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
        if self._budget is not None:
            # Every attempt of a rate-limited call, retries included, takes its share first.
            self._budget.take(call.method, call.path, within=self._policy.budget_seconds)
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
        if response.status_code == 429 and self._budget is not None:
            self._budget.throttled(
                call.method, call.path, throttle_delay(response, wall_clock=self._wall_clock),
            )
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
        secret = (call.token,)
        retry_after = None
        if status == 429:
            retry_after = throttle_delay(response, wall_clock=self._wall_clock)
        return PartnerCenterError(
            kind_of_status(status),
            status=status,
            code=said.code,
            description=redaction.redact(said.description, secret),
            data=redaction.redact(said.data, secret),
            source=redaction.redact(said.source, secret),
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
