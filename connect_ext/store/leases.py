"""Leased claims on the rows a background pass reads (awaited changes, handover requests).

One rule for both tables: a row goes to one worker at a time, until its lease ends or the worker
hands it back; a pass reads each row once (``read_before``: not read since the pass began); the
least recently read first. ``FOR UPDATE SKIP LOCKED`` keeps two replicas claiming at once from
taking the same rows on PostgreSQL (SQLite serialises writers anyway).
"""
from datetime import datetime, timedelta
from typing import Any, Callable, List, Optional, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.sql import ColumnElement

from connect_ext.store.fields import ensure_utc, required_text


def check_claim(worker_id: str, batch_size: int, lease_seconds: float) -> str:
    """The worker id, once the batch size and the lease are checked."""
    worker_id = required_text(worker_id, 'worker_id')
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f'batch_size must be a positive integer, not {batch_size!r}')
    if not lease_seconds > 0:
        raise ValueError(f'lease_seconds must be positive, not {lease_seconds!r}')
    return worker_id


def claim_rows(
    store,
    model: Any,
    record: Callable[[Any], Any],
    *,
    worker_id: str,
    batch_size: int,
    lease_seconds: float,
    read_before: Optional[datetime],
    now: Optional[datetime],
    conditions: Sequence[ColumnElement] = (),
) -> List[Any]:
    """Claim up to ``batch_size`` rows of ``model`` (with ``checked_at``, ``requested_at``,
    ``customer_id``, ``claimed_until``, ``claimed_by``) that match ``conditions``; their records."""
    worker_id = check_claim(worker_id, batch_size, lease_seconds)
    now = store.now() if now is None else ensure_utc(now, 'now')
    where = [*conditions, or_(model.claimed_until.is_(None), model.claimed_until <= now)]
    if read_before is not None:
        read_before = ensure_utc(read_before, 'read_before')
        where.append(or_(model.checked_at.is_(None), model.checked_at < read_before))
    with store.session() as session:
        rows = session.scalars(
            select(model)
            .where(*where)
            .order_by(model.checked_at.asc().nulls_first(), model.requested_at, model.customer_id)
            .limit(batch_size)
            .with_for_update(skip_locked=True),
        ).all()
        for row in rows:
            row.claimed_until = now + timedelta(seconds=lease_seconds)
            row.claimed_by = worker_id
        session.flush()
        return [record(row) for row in rows]


def release_row(
    store, model: Any, worker_id: str, identity: Sequence[ColumnElement], checked_at: Optional[datetime],
) -> bool:
    """``worker_id`` hands the row ``identity`` selects back, read at ``checked_at`` (None: not
    read); False if it holds it no more (its lease lapsed and someone else claimed it, or it ended)."""
    values: dict = {'claimed_until': None, 'claimed_by': None}
    if checked_at is not None:
        values['checked_at'] = ensure_utc(checked_at, 'checked_at')
    with store.session() as session:
        result = session.execute(
            update(model).where(*identity, model.claimed_by == worker_id).values(**values),
        )
        return bool(result.rowcount)
