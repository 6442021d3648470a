"""Small helpers the views share: JSON answers, Connect-style paging headers, error docs."""
from typing import Any, Dict, Optional

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from connect_ext.api.schemas import ErrorBody
from connect_ext.compat import dump


def json_answer(
    body: Any, status_code: int = 200, headers: Optional[Dict[str, str]] = None,
) -> JSONResponse:
    return JSONResponse(status_code=status_code, content=jsonable_encoder(body), headers=headers)


def model_answer(
    body: BaseModel, status_code: int = 200, headers: Optional[Dict[str, str]] = None,
) -> JSONResponse:
    """A response model's answer: exactly its :func:`~connect_ext.compat.dump`, every field kept.

    The dump is already JSON (strings, numbers, booleans, null, lists, objects), so it goes to the
    response as is: :func:`json_answer`'s ``jsonable_encoder`` would only walk it again (about a
    third of the CPU of an overview page of 50 customers) to give back the same values.
    """
    return JSONResponse(status_code=status_code, content=dump(body), headers=headers)


def content_range(offset: int, count: int, total: Optional[int]) -> str:
    """Connect's ``Content-Range`` of a page: ``items <first>-<last>/<total>``.

    An empty collection is ``items 0-0/0`` (as Connect answers); a page past the end of a
    non-empty one is ``items */<total>``; an unknown total (not counted exactly) is ``*``, as
    RFC 9110 §14.4 writes an unknown complete length.
    """
    shown = '*' if total is None else str(total)
    if count <= 0:
        return 'items 0-0/0' if total == 0 else f'items */{shown}'
    return f'items {offset}-{offset + count - 1}/{shown}'


_DESCRIPTIONS = {
    400: 'The body is not UTF-8 JSON, or repeats a key (`INVALID_JSON_BODY`).',
    403: 'The caller may not do this (`FORBIDDEN`, `CALLER_NOT_ALLOWED`, or Microsoft refused).',
    404: 'Not found, or not visible to the caller (the same answer either way).',
    405: 'The route does not accept this method.',
    409: 'Conflict: overage held by another partner, or another change still running.',
    413: 'The body is larger than the API accepts (`REQUEST_BODY_TOO_LARGE`).',
    412: '`If-Match` no longer matches the current state (`STALE_STATE`); `ETag` has the new one.',
    422: 'The request is invalid (`VALIDATION_FAILED`), or a prerequisite blocks it.',
    429: 'Partner Center is throttling (`THROTTLED`); wait `Retry-After` seconds.',
    500: 'Unexpected error (`INTERNAL_ERROR`); the answer quotes a logged reference.',
    502: 'Microsoft Partner Center or Connect failed (or refused the extension\'s credentials).',
    503: 'Microsoft Partner Center or Connect is unavailable; retry later.',
    504: 'Microsoft Partner Center did not answer in time; reload before retrying.',
}
_RETRY_AFTER = {'Retry-After': {
    'description': 'Seconds to wait before retrying.', 'schema': {'type': 'integer'},
}}


# What a route with a request body may answer besides (connect_ext.api.gate).
BODY_STATUSES = (400, 413)


def error_responses(*statuses: int, body: bool = False) -> Dict[int, Dict[str, Any]]:
    """The ``responses=`` of a route: the public error shape for ``statuses``, 403, 422 and 500,
    and :data:`BODY_STATUSES` when the route takes a ``body``."""
    documented: Dict[int, Dict[str, Any]] = {}
    for status in sorted({*statuses, 403, 422, 500, *(BODY_STATUSES if body else ())}):
        entry: Dict[str, Any] = {'model': ErrorBody, 'description': _DESCRIPTIONS[status]}
        if status in (429, 503):
            entry['headers'] = _RETRY_AFTER
        documented[status] = entry
    return documented


def header_doc(name: str, description: str) -> Dict[str, Dict[str, Any]]:
    return {name: {'description': description, 'schema': {'type': 'string'}}}
