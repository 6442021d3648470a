"""Which Connect accounts Connect showed a customer to: the ``customer_accounts`` rows.

Connect alone decides what a reseller may see. What it said last is kept here so that the overview
(read from the store, never from Connect row by row) can list a reseller's customers:
:mod:`connect_ext.customers.visibility` records a row when Connect shows the customer to the
account and deletes it when Connect stops showing it. Upserts use each backend's
``INSERT ... ON CONFLICT`` so that replicas recording the same pair at once do not collide.
"""
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connect_ext.store.fields import required_text
from connect_ext.store.models import Customer, CustomerAccount


# Rows written per statement (SQLite allows 32,766 bound parameters; four per row).
_CHUNK = 2000


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
            set_={'seen_at': statement.excluded.seen_at, 'search_name': statement.excluded.search_name},
        ))
    return len(ids)


def seen_rows(executor, account_id: str, customer_ids: Sequence[str], at: datetime) -> List[Dict]:
    """The ``customer_accounts`` rows of ``customer_ids`` seen by ``account_id`` at ``at``, each
    with the search name the reseller's overview walks (a customer not recorded yet gets its name
    when it is: connect_ext.store.words). ``executor``: a session or a connection."""
    names = dict(executor.execute(select(Customer.customer_id, Customer.search_name)
                                  .where(Customer.customer_id.in_(customer_ids))).all())
    return [{'account_id': account_id, 'customer_id': customer_id, 'seen_at': at,
             'search_name': names.get(customer_id) or ''} for customer_id in customer_ids]


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
