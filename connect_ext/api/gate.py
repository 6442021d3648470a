"""What every request passes before a route sees it: its path and its body (issue 20, item 9).

:class:`RequestGate` is an ASGI middleware (the web application's ``get_middlewares``), so the same
rules hold under Connect's runner, the sandbox and eaas-core's test client:

- **No trailing-slash redirect.** ``/api/customers/`` answers 404 ``ROUTE_NOT_FOUND`` instead of
  Starlette's 307 to ``http://<Host>/api/customers``: that absolute URL is built from the request's
  own ``Host`` header, which the caller (or a proxy) chooses, and a redirected PUT may be re-sent
  without its body. The documented paths have no trailing slash; one URL per resource.
- **A bounded body.** A body over :data:`MAX_BODY_BYTES` answers 413 ``REQUEST_BODY_TOO_LARGE``,
  from ``Content-Length`` before anything is read, or as soon as a streamed body passes the limit.
- **JSON, or nothing.** A body sent as JSON (``Content-Type`` absent, ``application/json`` or
  ``…+json``) must be UTF-8, RFC 8259 JSON (no ``NaN``), with each key of every object given once;
  else 400 ``INVALID_JSON_BODY`` — a repeated key is refused rather than guessing which value
  counts (``{"azure_subscription_id": "<guid>", "azure_subscription_id": null}`` would otherwise
  disable overage).

A body that passes is handed on unchanged. Every refusal has the public error shape.
"""
import json
from typing import Any, Dict, List, Optional, Tuple

from connect_ext.api.handlers import error_response, public_error


MAX_BODY_BYTES = 16 * 1024
# Methods whose body is read and checked (a GET's is never read by a route).
_BODY_METHODS = frozenset({'POST', 'PUT', 'PATCH', 'DELETE'})
# Paths whose trailing slash is theirs to handle (the pages).
_OWN_SLASHES = ('/static/',)


class InvalidJson(ValueError):
    """The body is not what the API reads as JSON (the text says why)."""


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    seen: Dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidJson(f'the key "{key[:64]}" is given more than once')
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise InvalidJson(f'{name} is not a JSON value')


def check_json(body: bytes) -> Any:
    """The JSON value of ``body``, or :class:`InvalidJson` saying what is wrong with it."""
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError:
        raise InvalidJson('the body is not UTF-8 text') from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except InvalidJson:
        raise
    except (ValueError, RecursionError) as error:
        position = f' at line {error.lineno} column {error.colno}' if hasattr(error, 'lineno') else ''
        raise InvalidJson(f'the body is not JSON{position}') from None


def _header(scope, name: bytes) -> Optional[str]:
    for key, value in scope.get('headers') or ():
        if key.lower() == name:
            return value.decode('latin-1')
    return None


def _is_json(content_type: Optional[str]) -> bool:
    """What FastAPI parses as JSON: no content type, ``application/json`` or ``application/…+json``."""
    if not content_type:
        return True
    kind = content_type.split(';', 1)[0].strip().lower()
    return kind == 'application/json' or (kind.startswith('application/') and kind.endswith('+json'))


def _route_path(scope) -> str:
    path, root = scope.get('path') or '', scope.get('root_path') or ''
    return path[len(root):] if root and path.startswith(root) else path


class _TooLarge(Exception):
    pass


class RequestGate:
    """The ASGI middleware of the module docstring (``max_body_bytes`` for tests)."""

    def __init__(self, app, max_body_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope.get('type') != 'http':
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        if path != '/' and path.endswith('/') and not path.startswith(_OWN_SLASHES):
            error = public_error('ROUTE_NOT_FOUND', method=scope.get('method'), path=path)
            await error_response(error)(scope, receive, send)
            return
        if scope.get('method') not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        refusal, body = await self._read(scope, receive)
        if refusal is not None:
            await error_response(refusal)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope, receive):
        """``(refusal, body)``: the public error to answer instead, or None and the whole body."""
        limit = self.max_body_bytes
        too_large = public_error('REQUEST_BODY_TOO_LARGE', limit_bytes=limit)
        declared = _header(scope, b'content-length')
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            return too_large, b''
        try:
            body = await _body(receive, limit)
        except _TooLarge:
            return too_large, b''
        if body and _is_json(_header(scope, b'content-type')):
            try:
                check_json(body)
            except InvalidJson as error:
                return public_error('INVALID_JSON_BODY', problem=str(error)), b''
        return None, body


async def _body(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message.get('type') != 'http.request':
            break
        chunk = message.get('body') or b''
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get('more_body'):
            break
    return b''.join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {'type': 'http.request', 'body': body, 'more_body': False}
        return await receive()

    return replayed
