"""The ``order_notes`` table: what the notes of each request said (``Store.order_notes``).

One row per request the extension wrote a note on: the fingerprint of its last note (the digits
of the note's marker, :mod:`connect_ext.orders.notes`) and that note's message, and every note
message recorded for the request. :mod:`connect_ext.orders.note_posting` reads it to write a new
note only when what the note says changed, and to tell a note a crashed delivery posted (a message
with the marker that is not recorded here) from an earlier one of the same request.

The callers hold the request's note lock (every replica), so a read-then-write here is one
delivery's; the upsert still takes the row lock (``FOR UPDATE``) and survives a concurrent first
insert, as :mod:`.credentials` does.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, ContextManager, Optional, Tuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connect_ext.store.fields import required_text
from connect_ext.store.models import OrderNote


@dataclass(frozen=True)
class OrderNoteRecord:
    """What a request's notes said: the last one's fingerprint and message, and every message."""

    request_id: str
    conversation_id: str
    fingerprint: str
    message_id: Optional[str]
    message_ids: Tuple[str, ...]
    written_at: datetime


def _record(row: OrderNote) -> OrderNoteRecord:
    return OrderNoteRecord(
        request_id=row.request_id,
        conversation_id=row.conversation_id,
        fingerprint=row.fingerprint,
        message_id=row.message_id,
        message_ids=tuple(row.message_ids or ()),
        written_at=row.written_at,
    )


class OrderNotes:
    """Reads and writes of the ``order_notes`` table."""

    def __init__(self, session: Callable[..., ContextManager[Session]],
                 now: Callable[[], datetime]):
        self._session = session
        self._now = now

    def last(self, request_id: str) -> Optional[OrderNoteRecord]:
        """What the request's notes said, or None when it has none recorded."""
        with self._session(write=False) as session:
            row = session.get(OrderNote, request_id)
            return None if row is None else _record(row)

    def record(self, request_id: str, *, conversation_id: str, fingerprint: str,
               message_id: Optional[str]) -> OrderNoteRecord:
        """Record the request's newest note; ``message_id`` joins the messages recorded."""
        request_id = required_text(request_id, 'request_id')
        conversation_id = required_text(conversation_id, 'conversation_id')
        fingerprint = required_text(fingerprint, 'fingerprint')
        try:
            return self._record(request_id, conversation_id, fingerprint, message_id)
        except IntegrityError:
            # Another process recorded the request's first note between our read and insert.
            return self._record(request_id, conversation_id, fingerprint, message_id)

    def _record(self, request_id: str, conversation_id: str, fingerprint: str,
                message_id: Optional[str]) -> OrderNoteRecord:
        with self._session() as session:
            row = session.get(OrderNote, request_id, with_for_update=True)
            if row is None:
                row = OrderNote(request_id=request_id, message_ids=[])
                session.add(row)
            messages = list(row.message_ids or [])
            if message_id and message_id not in messages:
                messages.append(message_id)
            row.conversation_id = conversation_id
            row.fingerprint = fingerprint
            row.message_id = message_id
            row.message_ids = messages
            row.written_at = self._now()
            session.flush()
            return _record(row)
