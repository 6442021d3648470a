"""What the scheduled sync reads first, and how much of the store it has read lately.

The sync claims customers in batches (:meth:`Store.claim_customers_for_sync`); the order of that
claim *is* the sync's priority, so it resumes across runs from what the store records alone:

1. a customer with a **recent order** (a Connect order event touched it within
   :data:`RECENT_ORDER_DAYS`: ``customers.last_order_at``), not read for
   :data:`PRIORITY_READ_EVERY_HOURS`, the latest order first;
2. a customer whose overage is **held by another partner** (``other_partner``), not read for as
   long, never read first, then the oldest read;
3. then everyone, **longest unread first** (never read before all), then by customer id.

A customer read
by then (by the sync, a page, an order note) falls back to its place in the third order, so a
prioritised customer is read once per :data:`PRIORITY_READ_EVERY_HOURS`, not at every batch.
(Changes awaiting Microsoft's confirmation and handover watches come before all of this: the
sync runs their own passes first.)

Each step is a range of an index (``ix_customers_last_order_at``,
``ix_customers_status_checked_at``, ``ix_customers_checked_at``), walked in order with a limit,
on SQLite and PostgreSQL alike; a claim hands a customer to one worker at a time (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, SQLite's write lock at ``BEGIN``).

:func:`coverage` answers the settings page and the benchmark: the share of customers read in the
last 24 hours and 7 days, and the oldest read — counts over ``ix_customers_checked_at`` ranges.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from connect_ext.store.models import Customer
from connect_ext.store.queries import customer_record
from connect_ext.store.records import CustomerRecord
from connect_ext.vocabulary import STATUS_OTHER_PARTNER


# An order this recent puts the customer first (issue 16: "an order in the last 7 days").
RECENT_ORDER_DAYS = 7
# A prioritised customer is due again this long after its last read: within one run of the
# runner's scheduled-task limit (12 h), each is read once.
PRIORITY_READ_EVERY_HOURS = 12


@dataclass(frozen=True)
class SyncCoverage:
    """How much of the store the reads cover at ``at``: counts, and the oldest read.

    ``oldest_read_at`` is None when no customer was ever read; ``never_read`` counts those."""

    at: datetime
    customers: int
    read_last_day: int
    read_last_week: int
    never_read: int
    oldest_read_at: Optional[datetime]

    @property
    def share_last_day(self) -> float:
        return self.read_last_day / self.customers if self.customers else 1.0

    @property
    def share_last_week(self) -> float:
        return self.read_last_week / self.customers if self.customers else 1.0

    @property
    def oldest_read_age_seconds(self) -> Optional[float]:
        """Age of the oldest read; None when there is none (then ``never_read`` says why)."""
        if self.oldest_read_at is None:
            return None
        return max(0.0, (self.at - self.oldest_read_at).total_seconds())


# Longest unread first (never read before all), then by id.
_UNREAD_FIRST = (Customer.checked_at.asc().nulls_first(), Customer.customer_id)
# The latest order first: walked backwards on ix_customers_last_order_at, over the recent orders
# only (ordered by the last read instead, a planner may walk the whole ix_customers_checked_at).
_LATEST_ORDER_FIRST = (Customer.last_order_at.desc(), Customer.customer_id.desc())


def priorities(now: datetime) -> List[Tuple[List[ColumnElement], Sequence[ColumnElement]]]:
    """The claim's steps in order: (conditions, order) each (see the module docstring)."""
    due = now - timedelta(hours=PRIORITY_READ_EVERY_HOURS)
    recent = Customer.last_order_at >= now - timedelta(days=RECENT_ORDER_DAYS)
    held = Customer.overage_status == STATUS_OTHER_PARTNER
    never, stale = Customer.checked_at.is_(None), Customer.checked_at < due
    return [
        ([recent, or_(never, stale)], _LATEST_ORDER_FIRST),
        ([held, never], _UNREAD_FIRST),
        ([held, stale], _UNREAD_FIRST),
        ([], _UNREAD_FIRST),
    ]


def claim(
    session: Session, *, worker_id: str, batch_size: int, now: datetime, lease_end: datetime,
) -> List[CustomerRecord]:
    """Claim up to ``batch_size`` claimable customers in the sync's order, for ``worker_id``."""
    claimable = or_(Customer.sync_claimed_until.is_(None), Customer.sync_claimed_until <= now)
    claimed: List[Customer] = []
    for conditions, order in priorities(now):
        wanted = batch_size - len(claimed)
        if wanted <= 0:
            break
        rows = session.scalars(
            select(Customer).where(claimable, *conditions).order_by(*order).limit(wanted)
            .with_for_update(skip_locked=True),
        ).all()
        for row in rows:
            # Claimed now, so the next steps' ``claimable`` leaves it out.
            row.sync_claimed_until = lease_end
            row.sync_claimed_by = worker_id
        session.flush()
        claimed.extend(rows)
    return [customer_record(row) for row in claimed]


def coverage(session: Session, now: datetime) -> SyncCoverage:
    """The share read in the last day and week, and the oldest read (see :class:`SyncCoverage`)."""
    def count(*conditions: ColumnElement) -> int:
        return int(session.scalar(select(func.count()).select_from(Customer).where(*conditions)) or 0)

    return SyncCoverage(
        at=now,
        customers=count(),
        read_last_day=count(Customer.checked_at >= now - timedelta(days=1)),
        read_last_week=count(Customer.checked_at >= now - timedelta(days=7)),
        never_read=count(Customer.checked_at.is_(None)),
        oldest_read_at=session.scalar(select(func.min(Customer.checked_at))),
    )
