"""The query helpers of :mod:`.repository` alone: prefix matches, paging checks, rows and records.

Nothing here opens a session: these functions build prefix matches (that every btree index
answers, see :mod:`.models`; the overview's own SQL is :mod:`.overview`), check list arguments, and
move values between ORM rows (:mod:`.models`) and the plain records (:mod:`.records`).
"""
import json
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional, Set, Tuple

from sqlalchemy import Select, and_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from connect_ext.store.fields import BOOKKEEPING_FIELDS
from connect_ext.store.models import (
    AuditEntry,
    Customer,
    CustomerWord,
    IdempotencyKey,
    search_key,
)
from connect_ext.store.records import AuditRecord, CustomerRecord, IdempotentResponse, record_from_row


MAX_PAGE_SIZE = 1000


def prefix_upper_bound(prefix: str) -> Optional[str]:
    """The smallest string greater than every string starting with ``prefix`` (code point order).

    ``column >= prefix AND column < bound`` is a prefix match any btree index answers; None means
    no upper bound (only a prefix of U+10FFFF characters has none).
    """
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            following = last + 1
            if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters: skip them
                following = 0xE000
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


def prefix_match(column: Any, prefix: str) -> ColumnElement:
    bound = prefix_upper_bound(prefix)
    if bound is None:
        return column >= prefix
    return and_(column >= prefix, column < bound)


def id_set(values: Iterable[str], name: str) -> Set[str]:
    if isinstance(values, str):
        raise TypeError(f'{name} must be a collection of ids, not one string')
    return {value for value in values if value}


def check_page(limit: int, offset: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f'limit must be an integer from 0 to {MAX_PAGE_SIZE}, not {limit!r}')
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f'offset must be a non-negative integer, not {offset!r}')


def customer_record(row: Customer) -> CustomerRecord:
    return record_from_row(
        CustomerRecord, row,
        ovg_asset_ids=tuple(row.ovg_asset_ids or ()), flags=tuple(row.flags or ()),
    )


def audit_record(row: AuditEntry) -> AuditRecord:
    return record_from_row(AuditRecord, row)


def idempotent_response(row: IdempotencyKey) -> IdempotentResponse:
    return IdempotentResponse(
        scope=row.scope,
        key=row.key,
        request_fingerprint=row.request_fingerprint,
        status_code=row.status_code,
        body=row.response_body,
        headers=row.response_headers,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def apply_customer_fields(row: Customer, values: Mapping[str, Any], now: datetime) -> None:
    """Set changed fields on ``row``; a real change bumps ``version`` and ``updated_at``."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = changed or name not in BOOKKEEPING_FIELDS
    if 'name' in values:
        row.search_name = search_key(row.name)
    if changed:
        row.version += 1
        row.updated_at = now


def later_word_ids(key: str) -> Select:
    """The ids of the customers with a later word of the name starting with ``key``."""
    return select(CustomerWord.customer_id).where(prefix_match(CustomerWord.word, key))


def check_after(after: Any) -> Tuple[str, str]:
    """A keyset position: ``(search name, customer id)``, both strings, the id not blank."""
    if (not isinstance(after, (tuple, list)) or len(after) != 2
            or not all(isinstance(part, str) for part in after) or not after[1]):
        raise ValueError(f'after must be (search name, customer id), not {after!r}')
    return after[0], after[1]


def estimated_count(session: Session, full: Select, *, at_least: int) -> Tuple[int, str]:
    """``(total, what it is)`` past the count bound: PostgreSQL's planner estimate of ``full``
    (never below what was counted), else ``at_least`` as a lower bound (SQLite has no estimate)."""
    if session.get_bind().dialect.name != 'postgresql':
        return at_least, 'at_least'
    compiled = full.compile(dialect=session.get_bind().dialect, compile_kwargs={'literal_binds': True})
    plan = session.execute(text(f'EXPLAIN (FORMAT JSON) {compiled}')).scalar()
    try:
        plan = json.loads(plan) if isinstance(plan, str) else plan
        rows = _scanned_rows(plan[0]['Plan'])
    except (ValueError, KeyError, IndexError, TypeError):
        rows = None
    if rows is None:
        return at_least, 'at_least'
    return max(rows, at_least), 'estimate'


def _scanned_rows(node: Mapping[str, Any]) -> Optional[int]:
    """The planner's row estimate of the first scan under ``node`` (what the count counts); a
    parallel scan's rows are per worker, so they are multiplied by the workers planned."""
    if str(node.get('Node Type', '')).endswith('Scan'):
        return int(node['Plan Rows'])
    for child in node.get('Plans', ()):
        rows = _scanned_rows(child)
        if rows is not None:
            workers = int(node.get('Workers Planned', 0) or 0)
            return rows * (workers + 1) if workers else rows
    return None
