"""Which Connect accounts Connect showed a customer to: the ``customer_accounts`` rows.

Connect alone decides what a reseller may see. What it said last is kept here so that the overview
(read from the store, never from Connect row by row) can list a reseller's customers:
:mod:`connect_ext.customers.visibility` records a row when Connect shows the customer to the
account and deletes it when Connect stops showing it. Upserts use each backend's
``INSERT ... ON CONFLICT`` so that replicas recording the same pair at once do not collide.

The rows repeat what a reseller's overview walks them by (the customer's search name and overage
status: :mod:`connect_ext.store.overview`): copied when a row is written (:func:`seen_rows`), and
rewritten by :func:`keep_accounts` before every flush that records a customer or changes either.
"""
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connect_ext.store.fields import required_text
from connect_ext.store.models import Customer, CustomerAccount, about_to_change


# Rows written per statement (SQLite allows 32,766 bound parameters; five per row).
_CHUNK = 2000
# The customer's columns a reseller's rows repeat.
_REPEATED = ('search_name', 'overage_status')


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == 'postgresql' else sqlite.insert)(CustomerAccount)


def _ids(values: Iterable[str], name: str) -> List[str]:
    return sorted({required_text(value, name) for value in values})


def record_seen(session: Session, account_id: str, customer_ids: Iterable[str], at: datetime) -> int:
    """Record (or refresh ``seen_at`` of) each ``(account_id, customer)``; returns how many."""
    account_id = required_text(account_id, 'account_id')
    ids = _ids(customer_ids, 'customer_id')
    for start in range(0, len(ids), _CHUNK):
        statement = _insert(session).values(seen_rows(session, account_id, ids[start:start + _CHUNK], at))
        session.execute(statement.on_conflict_do_update(
            index_elements=['account_id', 'customer_id'],
            set_={'seen_at': statement.excluded.seen_at,
                  **{name: statement.excluded[name] for name in _REPEATED}},
        ))
    return len(ids)


def seen_rows(executor, account_id: str, customer_ids: Sequence[str], at: datetime) -> List[Dict]:
    """The ``customer_accounts`` rows of ``customer_ids`` seen by ``account_id`` at ``at``, each
    with the search name and status the reseller's overview walks (a customer not recorded yet gets
    them when it is: :func:`keep_accounts`). ``executor``: a session or a connection."""
    found = {row.customer_id: row for row in executor.execute(
        select(Customer.customer_id, Customer.search_name, Customer.overage_status)
        .where(Customer.customer_id.in_(customer_ids)))}
    rows = []
    for customer_id in customer_ids:
        customer = found.get(customer_id)
        rows.append({'account_id': account_id, 'customer_id': customer_id, 'seen_at': at,
                     'search_name': (customer.search_name if customer else None) or '',
                     'overage_status': customer.overage_status if customer else None})
    return rows


def keep_accounts(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """Rewrite what the ``customer_accounts`` rows repeat of every customer of ``session`` created,
    renamed or given another status (before a flush, in the same transaction)."""
    for row in (*session.new, *session.dirty):
        if isinstance(row, Customer) and about_to_change(row, *_REPEATED):
            session.execute(update(CustomerAccount).where(CustomerAccount.customer_id == row.customer_id)
                            .values(search_name=row.search_name or '', overage_status=row.overage_status))


def forget(session: Session, account_id: str, customer_ids: Iterable[str]) -> int:
    """Delete the rows of ``account_id`` for these customers; returns how many went."""
    account_id = required_text(account_id, 'account_id')
    ids = _ids(customer_ids, 'customer_id')
    if not ids:
        return 0
    result = session.execute(delete(CustomerAccount).where(
        CustomerAccount.account_id == account_id, CustomerAccount.customer_id.in_(ids),
    ))
    return int(result.rowcount or 0)


def forget_unseen_since(session: Session, account_id: str, since: datetime) -> int:
    """Delete the rows of ``account_id`` not seen since ``since`` (a complete re-read began then)."""
    account_id = required_text(account_id, 'account_id')
    result = session.execute(delete(CustomerAccount).where(
        CustomerAccount.account_id == account_id, CustomerAccount.seen_at < since,
    ))
    return int(result.rowcount or 0)


def seen_at(session: Session, account_id: str, customer_id: str) -> Optional[datetime]:
    return session.scalar(select(CustomerAccount.seen_at).where(
        CustomerAccount.account_id == account_id, CustomerAccount.customer_id == customer_id,
    ))
