"""``GET /customers``: the overview of customers with OVG subscriptions, from the store only.

Microsoft is never read here (the overview would cost one call per customer); each row shows the
state last read, with ``checked_at``. A reseller sees the customers Connect shows it (recorded in
the store, re-read from Connect at most every few minutes), a customer only itself.
"""
from typing import Optional

from connect.eaas.core.decorators import router
from fastapi import Depends, Query

from connect_ext.api import presenters
from connect_ext.api.audience import audience_of
from connect_ext.api.auth import VisibleCustomers
from connect_ext.api.cursors import MAX_CURSOR_LENGTH, decode_cursor
from connect_ext.api.dependencies import get_store, get_visible_customers
from connect_ext.api.handlers import validation_error
from connect_ext.api.responses import content_range, error_responses, header_doc, model_answer
from connect_ext.api.schemas import AttentionValue, CustomerPage, OverageStatus
from connect_ext.store import Store


MAX_LIMIT = 200
# Deeper pages are read with the cursor (next_cursor), which costs the same at any depth.
MAX_OFFSET = 10_000


def printable(text: Optional[str]) -> Optional[str]:
    """``text`` without control characters (a NUL byte is not valid text for PostgreSQL)."""
    if text is None:
        return None
    return ''.join(char for char in text if char.isprintable()) or None


class CustomersWebAppMixin:
    @router.get(
        '/customers',
        summary='List customers with OVG subscriptions and their last known overage state',
        response_model=None,
        responses={
            200: {
                'model': CustomerPage,
                'description': 'One page of customers, ordered by name.',
                'headers': header_doc(
                    'Content-Range', 'items <first>-<last>/<total>, as Connect (<total> is * when '
                                     'the answer\'s total is not exact)',
                ),
            },
            **error_responses(422),
        },
    )
    def list_customers(
        self,
        status: Optional[OverageStatus] = Query(None, description='Only customers in this state.'),
        attention: Optional[AttentionValue] = Query(
            None, description='Only customers that need this (the work queue; status keeps its meaning).',
        ),
        search: Optional[str] = Query(
            None, max_length=100,
            description='The start of any word of the name (any case), or a prefix of the customer '
                        'id or tenant id.',
        ),
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        offset: int = Query(
            0, ge=0, le=MAX_OFFSET,
            description=f'Rows to skip (at most {MAX_OFFSET:,}; deeper, follow next_cursor).',
        ),
        cursor: Optional[str] = Query(
            None, max_length=MAX_CURSOR_LENGTH,
            description="Continue after the page that answered this next_cursor (with the same "
                        "status, attention and search; offset must then be 0).",
        ),
        customers: VisibleCustomers = Depends(get_visible_customers),
        store: Store = Depends(get_store),
    ):
        after = decode_cursor(cursor)
        if after is not None and offset:
            raise validation_error([{
                'loc': ('query', 'offset'), 'type': 'value_error',
                'msg': 'offset and cursor do not combine: follow next_cursor from offset 0',
            }])
        page = store.list_customers(
            status=status.value if status else None,
            attention=attention.value if attention else None,
            search=printable(search),
            limit=limit,
            offset=offset,
            after=after,
            **customers.listing_scope(),
        )
        return model_answer(
            presenters.customer_page(
                page, limit=limit, offset=offset,
                pending=page.pending,
                audience=audience_of(customers.caller),
            ),
            headers={'Content-Range': content_range(
                offset, len(page.items), page.total if page.total_is == 'exact' else None,
            )},
        )
