"""The query helpers of :mod:`.repository` alone: prefix matches, paging checks, rows and records.

Nothing here opens a session: these functions build the SQL of the customer overview (a prefix
search that every btree index answers, see :mod:`.models`), check list arguments, and move values
between ORM rows (:mod:`.models`) and the plain records (:mod:`.records`).
"""
import json
import re
from datetime import datetime
from typing import Any, Callable, Iterable, List, Mapping, Optional, Set, Tuple

from sqlalchemy import Select, and_, exists, func, or_, select, text, tuple_, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from connect_ext.store.attention import attention_filter
from connect_ext.store.fields import BOOKKEEPING_FIELDS, one_of
from connect_ext.store.models import (
    OVERAGE_STATUSES,
    AuditEntry,
    Customer,
    CustomerWord,
    IdempotencyKey,
    search_key,
)
from connect_ext.store.records import AuditRecord, CustomerRecord, IdempotentResponse, record_from_row
from connect_ext.store.visibility import visible_to as seen_by


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


# What the start of a customer id (TA-...) or of a tenant id (a GUID) can look like.
_MAY_BE_CUSTOMER_ID = re.compile(r'^(t|ta|ta-[0-9a-z-]*)$', re.IGNORECASE)
_MAY_BE_TENANT_ID = re.compile(r'^[0-9a-f-]+$', re.IGNORECASE)

# Up to this many matching customers the overview's total is counted exactly; a searched page
# counts fewer (each later-word match costs a look-up of its customer, see ``word_match``).
COUNT_LIMIT = 10_000
SEARCH_COUNT_LIMIT = 250
# A later word that starts this many word rows is common ("ltd", "services"): its page walks the
# customers in name order and keeps those with the word, which finds a page's worth after a few
# thousand rows; a rarer one sorts its few matches by name.
COMMON_WORD_ROWS = 2_000


def customer_list_queries(
    *,
    status: Optional[str],
    search: Optional[str],
    visible_to: Optional[str],
    customer_ids: Optional[Iterable[str]],
    limit: int,
    offset: int,
    after: Optional[Tuple[str, str]] = None,
    count_limit: int = COUNT_LIMIT,
    attention: Optional[str] = None,
    common_word: Callable[[str], bool] = lambda key: False,
) -> Optional[Tuple[Select, Select, Select]]:
    """The bounded count, the page and the full count (for an estimate) of
    ``Store.list_customers``.

    The page query reads ``limit + 1`` rows (one more tells whether another page follows);
    ``after`` (the sort key of the last row seen) continues the order from there (keyset paging,
    which costs the same at any depth). The bounded count stops at ``count_limit + 1`` rows, so
    no page pays a count of a million. ``common_word(key)`` (see :func:`common_word_query`), asked
    once every argument has been checked, picks how the later-word matches of a search are found
    in name order. None when a filter matches nothing
    (an empty collection of ids): there is nothing to ask.
    """
    conditions: List[ColumnElement] = []
    # The same conditions for the id and tenant ranges, the status as an expression no index
    # holds: those ranges hold few customers, and their own index must find them.
    narrow: List[ColumnElement] = []
    if status is not None:
        status = one_of(OVERAGE_STATUSES)(status, 'status')
        conditions.append(Customer.overage_status == status)
        narrow.append(Customer.overage_status + '' == status)
    if attention is not None:
        conditions.extend(attention_filter(attention))
        narrow.extend(attention_filter(attention))
    term = (search or '').strip()
    matches: List[ColumnElement] = []
    if term:
        # A branch runs only where it can match: a range that cannot hold the term would still
        # make a database walk every row of the status in name order looking for one.
        matches = [prefix_match(Customer.search_name, search_key(term))]
        if _MAY_BE_CUSTOMER_ID.match(term):
            matches.append(prefix_match(Customer.customer_id, term.upper()))
        if _MAY_BE_TENANT_ID.match(term):
            matches.append(prefix_match(Customer.tenant_id, term.lower()))
    if visible_to is not None:
        conditions.append(seen_by(visible_to))
    if customer_ids is not None:
        wanted = id_set(customer_ids, 'customer_ids')
        if not wanted:
            return None
        conditions.append(Customer.customer_id.in_(wanted))
    order = (Customer.search_name, Customer.customer_id)
    keyset: List[ColumnElement] = []
    if after is not None:
        name, customer_id = after
        keyset.append(tuple_(Customer.search_name, Customer.customer_id) > tuple_(name, customer_id))
    if matches:
        key = search_key(term)
        # One index range per kind of prefix, each cut at the page's end, then their union:
        # an OR of the three would make the database walk the whole ordering index. A later word
        # of the name is a range of customer_words, in name order (see word_match).
        common = common_word(key)
        later = word_walk(key, conditions, keyset) if common else word_match(key, conditions, after)
        # The id and tenant ranges hold few customers: sorted after their own index found them
        # (an order by an expression no index holds), or SQLite walks the status in name order.
        few = (Customer.search_name + '', Customer.customer_id)
        branches = [
            select(Customer.customer_id, Customer.search_name)
            .where(*(conditions if index == 0 else narrow + conditions[len(narrow):]), *keyset, match)
            .order_by(*(order if index == 0 else few))
            .limit(offset + limit + 1).subquery()
            for index, match in enumerate(matches)
        ] + [later.limit(offset + limit + 1).subquery()]
        keys = union(*[select(branch) for branch in branches]).subquery()
        page = select(Customer).join(keys, Customer.customer_id == keys.c.customer_id)
        # The count too is the union of the ranges (each cut at the bound), never a scan.
        ranges = [select(Customer.customer_id)
                  .where(*(conditions if index == 0 else narrow + conditions[len(narrow):]), match)
                  for index, match in enumerate(matches)]
        # A common word's are counted on the same walk (a hash of all its rows costs more).
        ranges.append(word_walk(key, conditions, []).with_only_columns(Customer.customer_id) if common
                      else word_match(key, conditions, ordered=False))
        counted = union(*[select(one.limit(count_limit + 1).subquery()) for one in ranges])
        bounded = select(func.count()).select_from(
            select(counted.subquery()).limit(count_limit + 1).subquery(),
        )
        conditions.append(or_(*matches, Customer.customer_id.in_(later_word_ids(key))))
    else:
        page = select(Customer).where(*conditions, *keyset)
        bounded = select(func.count()).select_from(
            select(Customer.customer_id).where(*conditions).limit(count_limit + 1).subquery(),
        )
    full = select(func.count()).select_from(Customer).where(*conditions)
    return bounded, page.order_by(*order).limit(limit + 1).offset(offset), full


def later_word_ids(key: str) -> Select:
    """The ids of the customers with a later word of the name starting with ``key``."""
    return select(CustomerWord.customer_id).where(prefix_match(CustomerWord.word, key))


def common_word_query(key: str) -> Select:
    """How many word rows (up to ``COMMON_WORD_ROWS``) a later word starting with ``key`` has: read
    from ``ix_customer_words_word`` alone. At the bound, the word is common."""
    return select(func.count()).select_from(
        later_word_ids(key).limit(COMMON_WORD_ROWS).subquery())


def word_match(
    key: str, conditions: List[ColumnElement], after: Optional[Tuple[str, str]] = None, *,
    ordered: bool = True,
) -> Select:
    """The customers (id, search name) with a later word of the name starting with ``key``, in name
    order from ``ix_customer_words_word``, within ``conditions`` (on ``customers``); ``ordered``
    False: their ids alone, in no order (for the count). Every match is sorted: for a rare word."""
    keyset = [] if after is None else [
        tuple_(CustomerWord.search_name, CustomerWord.customer_id) > tuple_(*after)]
    columns = (CustomerWord.customer_id, CustomerWord.search_name) if ordered else (CustomerWord.customer_id,)
    query = select(*columns).where(prefix_match(CustomerWord.word, key), *keyset)
    if conditions:
        # A correlated EXISTS, not a join: the words' own index drives, each match probes its
        # customer by key (a join let SQLite walk every customer of the status instead).
        query = query.where(exists().where(Customer.customer_id == CustomerWord.customer_id, *conditions))
    if not ordered:
        return query
    return query.distinct().order_by(CustomerWord.search_name, CustomerWord.customer_id)


def word_walk(key: str, conditions: List[ColumnElement], keyset: List[ColumnElement]) -> Select:
    """The customers (id, search name) with a later word starting with ``key``, walked in name order
    on the customers' own index: for a common word, whose matches are too many to sort.

    Each row is tested first by a substring of its search name (a word starting with ``key``
    holds it; the test reads the index entry alone), and only then by its word rows (their
    primary key), so the look-ups are about the matches themselves. That look-up is a scalar
    subquery, which PostgreSQL runs row by row as written: an ``EXISTS`` it turns into a hash of
    every row of the word (40,000 for a word of 4% of a million customers) before the walk.
    """
    escaped = key.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    has_word = (
        select(CustomerWord.customer_id)
        .where(CustomerWord.customer_id == Customer.customer_id, prefix_match(CustomerWord.word, key))
        .limit(1).scalar_subquery()
    )
    return (
        select(Customer.customer_id, Customer.search_name)
        .where(*conditions, *keyset, Customer.search_name.like(f'%{escaped}%', escape='\\'),
               has_word.is_not(None))
        .order_by(Customer.search_name, Customer.customer_id)
    )


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
