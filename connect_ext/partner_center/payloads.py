"""What goes to Partner Center and what comes back, checked and read without any I/O.

Input checks run before any HTTP call, so a malformed tenant, subscription, partner, catalogue id
or country never reaches Microsoft; path segments are quoted. Payload readers pick the overage
item, the qualification names, a page of a collection and a model out of Microsoft's JSON, and
read an error response of any shape (:class:`ErrorBody`) and the error kind of its status.
"""
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar
from urllib.parse import quote

import pydantic
import requests

from connect_ext.compat import parse
from connect_ext.partner_center.errors import (
    REJECTED,
    THROTTLED,
    TIMEOUT,
    UNAVAILABLE,
    PartnerCenterError,
)
from connect_ext.partner_center.models import OVERAGE_TYPE_PHONE_SERVICES
from connect_ext.redaction import redact_text
from connect_ext.vocabulary import is_guid


M = TypeVar('M', bound=pydantic.BaseModel)

MAX_DESCRIPTION_CHARS = 1024
REQUEST_TIMEOUT_STATUS = 408
QUALIFICATION_DENIED = 'denied'

_CATALOG_ID = re.compile(r'[A-Za-z0-9]{1,40}')
_COUNTRY = re.compile(r'[A-Za-z]{2}')
_PARTNER_ID = re.compile(r'[0-9]{1,12}')


# -- input checks -----------------------------------------------------------------------------


def require_guid(value: Any, what: str) -> str:
    """``value`` when it is a GUID string; ``ValueError`` otherwise (no HTTP call is made)."""
    if not is_guid(value):
        raise ValueError(f'{what} must be a GUID, got {value!r}')
    return value


def require_partner_id(value: Any) -> str:
    """A reseller's PartnerID (MPN id): digits, or a GUID as some documents show it."""
    if isinstance(value, str) and (_PARTNER_ID.fullmatch(value) or is_guid(value)):
        return value
    raise ValueError(f'partner_id must be a numeric PartnerID or a GUID, got {value!r}')


def _require(pattern: 're.Pattern', value: Any, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f'{what} is not valid: {value!r}')
    return value


def require_catalog_id(value: Any, what: str) -> str:
    """A catalogue product or SKU id (up to 40 letters and digits); ``ValueError`` otherwise."""
    return _require(_CATALOG_ID, value, what)


def require_country(value: Any) -> str:
    """A two-letter country code, as given; ``ValueError`` otherwise."""
    return _require(_COUNTRY, value, 'country')


_EMAIL = re.compile(r'[^@\s]{1,64}@[^@\s]{1,255}')
_AZURE_LOCATION = re.compile(r'[a-z0-9]{1,40}')
_DATE = re.compile(r'\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?')
MAX_NAME_CHARS = 100
MAX_TAGS = 50


def _text(value: Any, what: str, *, limit: int = MAX_NAME_CHARS) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise ValueError(f'{what} must be a text of 1 to {limit} characters')
    return value.strip()


def agreement_body(*, template_id: str, contact: Dict[str, str], date_agreed: str,
                   agreement_type: str) -> Dict[str, Any]:
    """The Agreement resource confirming a customer's acceptance (Learn, "Agreement resources"):
    the template, the customer contact who accepted it and the date; ``ValueError`` when a value is
    not one Microsoft takes."""
    require_guid(template_id, 'template_id')
    email = _text(contact.get('email'), 'email', limit=320)
    if not _EMAIL.fullmatch(email):
        raise ValueError('email must be an email address')
    if not isinstance(date_agreed, str) or not _DATE.fullmatch(date_agreed):
        raise ValueError('date_agreed must be an ISO 8601 date')
    primary = {
        'firstName': _text(contact.get('first_name'), 'first_name'),
        'lastName': _text(contact.get('last_name'), 'last_name'),
        'email': email,
    }
    phone = contact.get('phone_number')
    if phone:
        primary['phoneNumber'] = _text(phone, 'phone_number', limit=40)
    return {
        'primaryContact': primary,
        'templateId': template_id,
        'dateAgreed': date_agreed,
        'type': agreement_type,
    }


def resource_group_body(group: Any) -> Dict[str, Any]:
    """``azureResourceGroup`` of the overage PUT: an Azure ``location`` and ``tags`` (name ->
    value), each optional; ``ValueError`` for anything else."""
    if not isinstance(group, dict) or set(group) - {'location', 'tags'}:
        raise ValueError('the resource group holds only location and tags')
    body: Dict[str, Any] = {}
    location = group.get('location')
    if location is not None:
        if not isinstance(location, str) or not _AZURE_LOCATION.fullmatch(location):
            raise ValueError('location must be an Azure region name such as canadacentral')
        body['location'] = location
    tags = group.get('tags')
    if tags is not None:
        valid = isinstance(tags, dict) and len(tags) <= MAX_TAGS and all(
            isinstance(name, str) and 0 < len(name) <= 512 and isinstance(value, str) and len(value) <= 256
            for name, value in tags.items()
        )
        if not valid:
            raise ValueError('tags must map up to 50 names to text values')
        body['tags'] = dict(tags)
    return body


def segment(value: str) -> str:
    """``value`` quoted as one path segment (a ``/`` in it cannot start another)."""
    return quote(value, safe='')


# -- payloads ---------------------------------------------------------------------------------


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


def json_object(payload: Any, method: str, path: str) -> Dict[str, Any]:
    """``payload`` when it is a JSON object; otherwise the answer is unusable (unavailable)."""
    if not isinstance(payload, dict):
        raise PartnerCenterError(
            UNAVAILABLE, status=200, description='the answer is not a JSON object',
            method=method, path=path,
        )
    return payload


def collection_page(payload: Any, method: str, path: str) -> Tuple[List[Dict[str, Any]], Any]:
    """One page of a collection: its items (objects) and its ``links.next``."""
    payload = json_object(payload, method, path)
    items = payload.get('items')
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PartnerCenterError(
            UNAVAILABLE, status=200, description='the collection has no list of items',
            method=method, path=path,
        )
    links = payload.get('links')
    return items, links.get('next') if isinstance(links, dict) else None


def parse_model(model: Type[M], data: Dict[str, Any], method: str, path: str) -> M:
    """``data`` read into ``model``; an answer that does not fit it is unavailable."""
    try:
        return parse(model, data)
    except pydantic.ValidationError:
        raise PartnerCenterError(
            UNAVAILABLE, status=200,
            description=f'the answer is not a valid {model.__name__}',
            method=method, path=path,
        ) from None


# -- error responses --------------------------------------------------------------------------


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


def content_type(response: requests.Response) -> str:
    """The response's media type without parameters (``text/html``), or ``no content type``."""
    return (response.headers.get('Content-Type') or 'no content type').split(';')[0].strip()


def _short(text: Any) -> str:
    # Redacted before it is cut: a secret cut in two would no longer be recognised.
    text = redact_text(str(text).strip())
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
    return ErrorBody(description=f'HTTP {status} with a non-JSON body ({content_type(response)})')


def kind_of_status(status: int) -> str:
    """429 is throttling; 408 a time-out (Microsoft may have applied a write it stopped waiting
    on, so it is read back as any time-out is); other 4xx a rejection; 5xx (and anything
    unexpected) unavailability."""
    if status == 429:
        return THROTTLED
    if status == REQUEST_TIMEOUT_STATUS:
        return TIMEOUT
    if 400 <= status <= 499:
        return REJECTED
    return UNAVAILABLE
