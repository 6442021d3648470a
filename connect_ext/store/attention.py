"""The overview's work queue in the store: each customer's ``attention``, kept up to date.

The rule is pure (:mod:`connect_ext.overage.attention`); this module applies it where the facts are
written. :func:`judge_rows` runs before every flush of the store's writing sessions (registered by
:class:`~connect_ext.store.Store`), so every write of a customer — a read of Microsoft, an order
event's flag, a rename — leaves ``attention`` and ``attention_reason`` agreeing with its row.
:meth:`WorkQueue.judged` records what a full read of Microsoft found (:func:`blocker_of`).

A change awaiting Microsoft's confirmation (``pending_confirmations``) wins over what is stored:
the stored attention is what the customer needs apart from it, and the overview's filter and rows
lay the awaited change over it (:func:`attention_filter`), so a confirmation that ends by any path
— a read, the deadline, a newer change — needs no second write here.
"""
from datetime import datetime
from typing import Any, Callable, ContextManager, List, Optional

from sqlalchemy import exists
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from connect_ext.overage.attention import decide
from connect_ext.store.errors import CustomerNotFound
from connect_ext.store.fields import one_of, optional_text, required_text
from connect_ext.store.models import Customer, PendingConfirmation, ensure_utc
from connect_ext.vocabulary import ATTENTION_WAITING, ATTENTIONS, FLAG_OVERAGE_WITHOUT_OVG


def judge(row: Customer) -> None:
    """Set the row's attention from its own columns (no pending confirmation: see the module)."""
    attention = decide(
        row.overage_status,
        judged=row.attention_judged_at is not None,
        blocker=row.attention_blocker,
        flagged=FLAG_OVERAGE_WITHOUT_OVG in (row.flags or ()),
        tenant_known=bool(row.tenant_id),
    )
    row.attention = attention.value if attention else None
    row.attention_reason = attention.reason if attention else None


def judge_rows(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """Judge every customer of ``session`` about to be written (before a flush)."""
    for row in (*session.new, *session.dirty):
        if isinstance(row, Customer):
            judge(row)


def attention_filter(attention: str) -> List[ColumnElement]:
    """The overview's conditions for one attention (checked against the vocabulary)."""
    attention = one_of(ATTENTIONS)(attention, 'attention')
    awaited = exists().where(PendingConfirmation.customer_id == Customer.customer_id)
    if attention == ATTENTION_WAITING:
        return [awaited]
    return [Customer.attention == attention, ~awaited]


class WorkQueue:
    """The attention records of one :class:`~connect_ext.store.Store` (its sessions and clock)."""

    def __init__(self, session: Callable[..., ContextManager[Session]], now: Callable[[], datetime]) -> None:
        self._session = session
        self._now = now

    def judged(
        self, customer_id: str, blocker: Optional[str], *, at: Optional[datetime] = None,
    ) -> Optional[str]:
        """Record what a full read found stopping the customer (``blocker``, a catalogue code, or
        None) and judge it again; answers the attention. :class:`CustomerNotFound` if unknown."""
        customer_id = required_text(customer_id, 'customer_id')
        blocker = optional_text(blocker, 'blocker')
        at = ensure_utc(at or self._now(), 'at')
        with self._session() as session:
            row = session.get(Customer, customer_id, with_for_update=True)
            if row is None:
                raise CustomerNotFound(customer_id)
            row.attention_blocker = blocker
            row.attention_judged_at = at
            judge(row)
            return row.attention

    def unjudged(self, customer_id: str, status: str) -> bool:
        """Whether a read that found ``status`` leaves the customer without an attention (never
        judged by a full read, or judged while its overage was on): its next read should be full."""
        with self._session(write=False) as session:
            row = session.get(Customer, customer_id)
            if row is None or not row.tenant_id:
                return False
            return decide(status, judged=row.attention_judged_at is not None,
                          blocker=row.attention_blocker) is None
