"""Every failure of the web API answers the one public error shape, and nothing else.

``{"error": {"code", "message", "reason", "action", "details"}}`` comes from
:meth:`OverageError.to_body`; this module maps everything that can go wrong onto it:

- :class:`OverageError` (the service, the rules, Microsoft's rejections) as it is, with
  ``Retry-After`` when it carries one (429) and the current ``ETag`` on a stale ``If-Match`` (412);
- FastAPI's request validation -> 422 ``VALIDATION_FAILED`` naming every failing field;
- an unknown route or method -> 404 ``ROUTE_NOT_FOUND`` / 405 ``METHOD_NOT_ALLOWED``;
- a Connect API failure -> 503 ``CONNECT_UNAVAILABLE`` (5xx, no answer) or 502 ``CONNECT_ERROR``;
- a customer locked by another change for too long -> 409 ``CHANGE_IN_PROGRESS``;
- anything else -> 500 ``INTERNAL_ERROR`` with a reference that is logged with the traceback;
  the answer never shows a stack trace or an exception text.

Every code, the web layer's own included, is an entry of the one catalogue
(:mod:`connect_ext.errors.catalogue`), so ``docs/errors.md`` lists them all.
"""
import logging
import uuid
from typing import Any, Dict, List, Optional, Tuple

from connect.client import ClientError
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from connect_ext.compat import PATTERN_ERROR_TYPE
from connect_ext.errors.error import OverageError
from connect_ext.errors.microsoft import translate
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.redaction import describe
from connect_ext.store import CustomerLockTimeout


logger = logging.getLogger(__name__)


def public_error(
    code: str,
    details: Optional[Dict[str, Any]] = None,
    *,
    http_status: Optional[int] = None,
    **params: Any,
) -> OverageError:
    """The :class:`OverageError` of catalogue ``code`` (``http_status`` overrides its status)."""
    error = OverageError.from_code(code, details, **params)
    if http_status is not None:
        error.http_status = http_status
    return error


def error_headers(error: OverageError) -> Dict[str, str]:
    """The headers an error answer carries: ``Retry-After`` (429/503) and the fresh ``ETag`` (412)."""
    headers: Dict[str, str] = {}
    if error.retry_after_seconds is not None:
        headers['Retry-After'] = str(error.retry_after_seconds)
    etag = error.details.get('etag') if error.code == 'STALE_STATE' else None
    if isinstance(etag, str) and etag:
        headers['ETag'] = etag
    return headers


def error_response(error: OverageError) -> JSONResponse:
    return JSONResponse(
        status_code=error.http_status, content=error.to_body(), headers=error_headers(error),
    )


def internal_error(exc: BaseException, request_path: str = '') -> OverageError:
    """Log ``exc`` with its traceback under a fresh reference; the answer quotes only the reference."""
    reference = uuid.uuid4().hex[:12]
    logger.error(
        'Unexpected error %s while serving %s', reference, request_path or 'a request',
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return public_error('INTERNAL_ERROR', {'reference': reference}, reference=reference)


# What a pattern mismatch means, per field name (pydantic would quote the regular expression).
_PATTERN_MESSAGES = {
    'azure_subscription_id':
        'must be an Azure subscription GUID (8-4-4-4-12 hexadecimal digits) or null',
}
_PATTERN_TYPES = frozenset({'value_error.str.regex', 'string_pattern_mismatch'})


def _field_message(error: Dict[str, Any]) -> str:
    location = error.get('loc') or ()
    name = str(location[-1]) if location else ''
    if error.get('type') in _PATTERN_TYPES and name in _PATTERN_MESSAGES:
        return _PATTERN_MESSAGES[name]
    return str(error.get('msg', ''))


def validation_error(errors: List[Dict[str, Any]]) -> OverageError:
    """422 ``VALIDATION_FAILED`` listing each failing field (location, message, type), no input echo."""
    fields = [
        {
            'field': '.'.join(str(part) for part in error.get('loc', ())),
            'message': _field_message(error),
            'type': str(error.get('type', '')),
        }
        for error in errors
    ]
    first = fields[0] if fields else {}
    return public_error(
        'VALIDATION_FAILED',
        {'fields': fields},
        problem=first.get('message'),
        field=first.get('field'),
    )


def pattern_mismatch(location: Tuple[str, ...], message: str) -> OverageError:
    """The 422 a field failing its pattern gets from pydantic on this stack, for a value a view checks
    in full itself (pydantic 1's ``re.match`` lets a final newline past a ``$``)."""
    return validation_error([{'loc': location, 'type': PATTERN_ERROR_TYPE, 'msg': message}])


def connect_error(error: ClientError) -> OverageError:
    status = error.status_code
    if status is None or status >= 500 or status == 429:
        return public_error('CONNECT_UNAVAILABLE', {'connect_status': status}, connect_status=status)
    return public_error(
        'CONNECT_ERROR',
        {'connect_status': status, 'connect_code': error.error_code},
        connect_status=status,
        connect_code=error.error_code,
    )


def http_error(exc: StarletteHTTPException, request: Request) -> OverageError:
    if exc.status_code == 404:
        return public_error('ROUTE_NOT_FOUND', method=request.method, path=request.url.path)
    if exc.status_code == 405:
        return public_error('METHOD_NOT_ALLOWED', method=request.method)
    return public_error('HTTP_ERROR', http_status=exc.status_code, status=exc.status_code)


# --- FastAPI exception handlers ------------------------------------------------------------------

def _on_overage_error(request: Request, exc: OverageError) -> JSONResponse:
    return error_response(exc)


def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(validation_error(list(exc.errors())))


def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    response = error_response(http_error(exc, request))
    if exc.status_code == 405:
        # RFC 9110 §15.5.6: a 405 lists the methods the resource supports.
        response.headers['Allow'] = ', '.join(allowed_methods(request, exc))
    return response


def allowed_methods(request: Request, exc: StarletteHTTPException) -> List[str]:
    """Every method some route of this path answers (Starlette's own ``Allow`` names only the
    first route it tried, while FastAPI registers one route per method)."""
    methods = set()
    for route in getattr(request.app, 'routes', ()):
        if not hasattr(route, 'matches'):
            continue
        # An impossible method: a route of this path answers PARTIAL (path matches, method not).
        match, _child = route.matches({**request.scope, 'method': '\0'})
        if match.name in ('PARTIAL', 'FULL'):
            methods.update(getattr(route, 'methods', None) or ())
    if not methods:
        allow = (exc.headers or {}).get('Allow', '') if getattr(exc, 'headers', None) else ''
        methods.update(part.strip() for part in allow.split(',') if part.strip())
    return sorted(methods)


def _on_connect_error(request: Request, exc: ClientError) -> JSONResponse:
    logger.warning('Connect call failed while serving %s: %s', request.url.path, describe(exc))
    return error_response(connect_error(exc))


def _on_partner_center_error(request: Request, exc: PartnerCenterError) -> JSONResponse:
    return error_response(translate(exc))


def _on_lock_timeout(request: Request, exc: CustomerLockTimeout) -> JSONResponse:
    return error_response(public_error('CHANGE_IN_PROGRESS', {'customer_id': exc.customer_id}))


def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(internal_error(exc, request.url.path))


def exception_handlers(existing: Optional[Dict[Any, Any]] = None) -> Dict[Any, Any]:
    """``existing`` (the runner's defaults) with ours on top: what ``get_exception_handlers`` returns."""
    handlers = dict(existing or {})
    handlers.update({
        OverageError: _on_overage_error,
        RequestValidationError: _on_validation_error,
        StarletteHTTPException: _on_http_error,
        ClientError: _on_connect_error,
        PartnerCenterError: _on_partner_center_error,
        CustomerLockTimeout: _on_lock_timeout,
        Exception: _on_unexpected_error,
    })
    return handlers


class UnexpectedErrorMiddleware:
    """Turns an exception no handler took into the public 500 answer, before the server sees it.

    Starlette's own catch-all answers and then re-raises; this pure ASGI middleware answers
    instead, so the caller gets the one error shape on every stack. An exception raised after the
    answer started streaming cannot be replaced and is re-raised.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get('type') != 'http':
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message):
            nonlocal started
            if message.get('type') == 'http.response.start':
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            response = error_response(internal_error(exc, scope.get('path', '')))
            await response(scope, receive, send)
