"""What the store keeps only for a while, and the purge of what outlived it (``Store.housekeeping``).

Three tables would otherwise grow with every request for as long as the extension runs:

- ``idempotency_keys``: an answer saved for an ``Idempotency-Key`` replay. Once expired it is never
  read again (a replay after that runs the change again), so it goes as soon as it expires.
- ``processed_events``: the key of a Connect event already handled. Kept for
  :data:`PROCESSED_EVENTS_KEPT_DAYS` after it was written; Connect delivers an event again within
  hours (a retry, a rescheduled task, two replicas), not months later.
- ``order_notes``: what the notes of a request said. Kept for :data:`ORDER_NOTES_KEPT_DAYS` after
  its last note. A later delivery of that request still posts no second copy of a note: it finds
  the note by its marker in the request's conversation (:mod:`connect_ext.orders.note_posting`,
  step 3) and records it again.

The audit trail, customers, the resellers' rows, awaited changes and handover requests are never
purged here.

Each table is purged in batches of :data:`PURGE_BATCH` rows, one short transaction each, so that
the replicas' own writes wait for no long lock; at most :data:`PURGE_MAX_BATCHES` batches a table
per call, so that the backlog of the first run after an upgrade is cleared over several runs
instead of holding up one. On PostgreSQL a batch takes its rows ``FOR UPDATE SKIP LOCKED``: a row
being written at that moment (a request's next note) is left alone, and two replicas purging at
once share the rows instead of waiting for each other (SQLite has one writer at a time).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, ContextManager

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from connect_ext.store.models import IdempotencyKey, OrderNote, ProcessedEvent


PROCESSED_EVENTS_KEPT_DAYS = 90
ORDER_NOTES_KEPT_DAYS = 90
PURGE_BATCH = 5000
PURGE_MAX_BATCHES = 20


@dataclass(frozen=True)
class Purged:
    """How many rows one purge deleted, by table."""

    idempotency_keys: int = 0
    processed_events: int = 0
    order_notes: int = 0

    @property
    def total(self) -> int:
        return self.idempotency_keys + self.processed_events + self.order_notes

    def summary(self) -> str:
        if not self.total:
            return 'nothing to purge'
        return (f'purged {self.idempotency_keys} expired idempotent answer(s), '
                f'{self.processed_events} processed event key(s), {self.order_notes} order note record(s)')


class Housekeeping:
    """The purge of what the store keeps only for a while (see the module docstring)."""

    def __init__(self, session: Callable[..., ContextManager[Session]], now: Callable[[], datetime],
                 *, batch: int = PURGE_BATCH, max_batches: int = PURGE_MAX_BATCHES):
        if batch < 1 or max_batches < 1:
            raise ValueError(f'batch and max_batches must be positive, not {batch!r} and {max_batches!r}')
        self._session = session
        self._now = now
        self.batch = batch
        self.max_batches = max_batches

    def purge(self) -> Purged:
        """Delete what outlived its keeping, up to ``max_batches`` batches of each table."""
        now = self._now()
        return Purged(
            idempotency_keys=self._purge(
                (IdempotencyKey.scope, IdempotencyKey.key), IdempotencyKey.expires_at <= now),
            processed_events=self._purge(
                (ProcessedEvent.key,),
                ProcessedEvent.processed_at < now - timedelta(days=PROCESSED_EVENTS_KEPT_DAYS)),
            order_notes=self._purge(
                (OrderNote.request_id,),
                OrderNote.written_at < now - timedelta(days=ORDER_NOTES_KEPT_DAYS)),
        )

    def _purge(self, key, outlived) -> int:
        table = key[0].class_
        oldest = select(*key).where(outlived).limit(self.batch).with_for_update(skip_locked=True)
        deleted = 0
        for _ in range(self.max_batches):
            with self._session() as session:
                # The batch's keys first, then the delete of exactly those. Inside the delete, a
                # LIMIT sub-query is not promised to run once: on PostgreSQL a plan deleted 5 rows
                # in two batches of 2 (CI, stop 16), so a purge was not bounded.
                keys = [tuple(row) for row in session.execute(oldest)]
                if keys:
                    within = (key[0].in_([one for one, in keys]) if len(key) == 1
                              else tuple_(*key).in_(keys))
                    session.execute(delete(table).where(within))
            deleted += len(keys)
            if len(keys) < self.batch:
                break
        return deleted
