"""The opaque cursors: where the next page of ``GET /customers`` or ``GET /history`` starts.

A cursor is the sort key of the last row of a page in URL-safe base64 of a JSON pair: for the
overview, the customer's case-folded name and its id; for the activity feed, the entry's time and
id. It is opaque to callers; decoding checks it in full, so a cursor that
was not handed out by the API is a 422 naming ``cursor``, never a query.
"""
import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any, Optional, Tuple

from connect_ext.api.handlers import validation_error
from connect_ext.store.models import SEARCH_KEY_MAX_LENGTH
from connect_ext.vocabulary import is_customer_id


# A search name is at most SEARCH_KEY_MAX_LENGTH characters, each up to 4 bytes of UTF-8, in JSON
# and base64: well under this.
MAX_CURSOR_LENGTH = 1024


def encode_cursor(after: Optional[Tuple[str, str]]) -> Optional[str]:
    if after is None:
        return None
    raw = json.dumps(list(after), ensure_ascii=False, separators=(',', ':')).encode('utf-8')
    return base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')


def decode_cursor(cursor: Optional[str]) -> Optional[Tuple[str, str]]:
    """The sort key a cursor stands for; 422 ``VALIDATION_FAILED`` for anything else."""
    if cursor is None:
        return None
    try:
        name, customer_id = _pair(cursor)
        if not isinstance(name, str) or len(name) > SEARCH_KEY_MAX_LENGTH:
            raise ValueError('bad name')
        if not is_customer_id(customer_id):
            raise ValueError('bad id')
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise _not_a_cursor() from None
    return name, customer_id


def _pair(cursor: str) -> Any:
    """The two values a cursor carries (unchecked); ValueError and friends for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise ValueError('too long')
    raw = base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4))
    first, second = json.loads(raw.decode('utf-8'))
    return first, second


def _not_a_cursor():
    return validation_error([{
        'loc': ('query', 'cursor'), 'type': 'value_error',
        'msg': 'is not a cursor this API handed out (use next_cursor)',
    }])


def encode_history_cursor(after: Optional[Tuple[datetime, int]]) -> Optional[str]:
    """The activity feed's cursor: the ``(at, id)`` of the last entry of a page."""
    if after is None:
        return None
    at, entry_id = after
    return encode_cursor((at.astimezone(UTC).isoformat(), entry_id))


def decode_history_cursor(cursor: Optional[str]) -> Optional[Tuple[datetime, int]]:
    """The ``(at, id)`` a feed cursor stands for; 422 ``VALIDATION_FAILED`` for anything else."""
    if cursor is None:
        return None
    try:
        at, entry_id = _pair(cursor)
        if not isinstance(at, str) or len(at) > 40:
            raise ValueError('bad time')
        at = datetime.fromisoformat(at)
        if at.tzinfo is None or isinstance(entry_id, bool) or not isinstance(entry_id, int) \
                or not 0 < entry_id < 2**63:
            raise ValueError('bad key')
    except (ValueError, TypeError, binascii.Error, UnicodeError, OverflowError):
        raise _not_a_cursor() from None
    return at.astimezone(UTC), entry_id
