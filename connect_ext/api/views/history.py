"""``GET /history``: changes, failures and confirmations of every customer the caller may see.

The activity feed across customers, newest first, from the store (:mod:`connect_ext.store.history`);
Microsoft is never read. The distributor sees every customer's entries, a reseller those of the
customers Connect shows it (as the overview), a customer its own. Filters: ``customer`` — a
customer id in any case (a text shaped like one, ``TA-…``, is taken as the id), or the start of any
word of a name, in any case, as the overview searches; ``outcome``; ``since`` — a date (UTC
midnight) or a time with its zone. Every input is checked, and every bad one named in one 422,
before anything is read (a reseller's visibility included).
"""
import re
from datetime import UTC, datetime
from typing import List, Optional, Tuple

from connect.eaas.core.decorators import router
from fastapi import Depends, Query
from fastapi.responses import JSONResponse

from connect_ext.api import history_presenters
from connect_ext.api.audience import audience_of
from connect_ext.api.auth import VisibleCustomers
from connect_ext.api.cursors import MAX_CURSOR_LENGTH, decode_history_cursor
from connect_ext.api.dependencies import get_store, get_visible_customers
from connect_ext.api.handlers import validation_error
from connect_ext.api.history_schemas import FeedPage, HistoryOutcome
from connect_ext.api.responses import error_responses
from connect_ext.api.views.customers import printable
from connect_ext.errors.error import OverageError
from connect_ext.store import Store
from connect_ext.store.history import MAX_NAME_LENGTH
from connect_ext.store.models import search_key
from connect_ext.vocabulary import OWNER, is_customer_id


MAX_LIMIT = 200
_DATE = re.compile(r'^\d{4}-\d{2}-\d{2}$')


def _problem(field: str, message: str) -> dict:
    return {'loc': ('query', field), 'type': 'value_error', 'msg': message}


def parse_customer(text: Optional[str]) -> Tuple[Optional[Tuple[Optional[str], Optional[str]]],
                                                 Optional[dict]]:
    """(``(id, name)`` the filter stands for, or None for no filter; the problem, if any)."""
    text = (printable(text) or '').strip()
    if not text:
        return None, None
    if len(text) > MAX_NAME_LENGTH:
        return None, _problem('customer', f'is longer than {MAX_NAME_LENGTH} characters')
    if not any(char.isalnum() for char in search_key(text)):
        return None, _problem('customer', 'needs a letter or a digit: a customer id (TA-…) or '
                                          'the start of a word of its name')
    upper = text.upper()
    if is_customer_id(upper):
        return (upper, None), None
    return (None, text), None


def parse_since(text: Optional[str]) -> Tuple[Optional[datetime], Optional[dict]]:
    """(the time ``since`` stands for, or None; the problem, if any)."""
    text = (text or '').strip()
    if not text:
        return None, None
    try:
        if _DATE.match(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC), None
        value = datetime.fromisoformat(text.replace('Z', '+00:00').replace('z', '+00:00'))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        return None, _problem('since', 'is not a date (2026-12-01) or a time with its zone '
                                       '(2026-12-01T09:30:00Z)')
    return value.astimezone(UTC), None


def checked_inputs(customer: Optional[str], since: Optional[str], cursor: Optional[str]):
    """Every input of the route checked at once: one 422 naming each bad one, or the values."""
    problems: List[dict] = []
    wanted, problem = parse_customer(customer)
    problems += [problem] if problem else []
    after_time, problem = parse_since(since)
    problems += [problem] if problem else []
    after = None
    try:
        after = decode_history_cursor(cursor)
    except OverageError as error:
        problems += [_problem('cursor', field['message'])
                     for field in error.details.get('fields', [])]
    if problems:
        raise validation_error(problems)
    return wanted, after_time, after


class HistoryWebAppMixin:
    @router.get(
        '/history',
        summary='Changes, failures and confirmations of every customer the caller may see, '
                'newest first',
        response_model=None,
        responses={
            200: {'model': FeedPage, 'description': 'One page of the activity feed.'},
            **error_responses(),
        },
    )
    def get_history(
        self,
        customer: Optional[str] = Query(
            None, max_length=MAX_NAME_LENGTH,
            description='A customer id (TA-…, any case), or the start of any word of customers\' '
                        'names (any case).',
        ),
        outcome: Optional[HistoryOutcome] = Query(None, description='Only entries with this outcome.'),
        since: Optional[str] = Query(
            None, max_length=40,
            description='Only entries at or after this date (2026-12-01, UTC) or time with its zone '
                        '(2026-12-01T09:30:00Z).',
        ),
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        cursor: Optional[str] = Query(
            None, max_length=MAX_CURSOR_LENGTH,
            description='Continue after the page that answered this next_cursor (same filters).',
        ),
        customers: VisibleCustomers = Depends(get_visible_customers),
        store: Store = Depends(get_store),
    ):
        wanted, since_time, after = checked_inputs(customer, since, cursor)
        page = store.history.page(
            limit=limit,
            after=after,
            customer=wanted,
            outcome=outcome.value if outcome else None,
            since=since_time,
            **customers.listing_scope(),
        )
        # The JSON the response models would dump, written directly (see history_presenters).
        return JSONResponse(content=history_presenters.feed_page_body(
            page, limit=limit, owner=customers.caller.role == OWNER, audience=audience_of(customers.caller),
        ))
