"""The sync's coverage on the settings page: the share of customers read in the last 24 hours and
7 days, and the age of the oldest read (issue 16).

Counted by the store over index ranges (:func:`connect_ext.store.sync_claims.coverage`), and at
most once every few minutes per store and process
(:func:`connect_ext.api.dependencies.get_sync_coverage`): opening the settings page a hundred
times costs the database one count, even at a million customers. A store that cannot be read
leaves the coverage out (``null``) and the page still answers.
"""
from typing import Optional

from connect_ext.compat import ResponseModel
from connect_ext.store.sync_claims import SyncCoverage


class SyncCoverageBody(ResponseModel):
    """How much of the store the reads cover, as of ``counted_at`` (counted at most every five
    minutes): how many customers, the share read in the last 24 hours and the last 7 days (0 to
    1), how many were never read, and the oldest read (its time, and its age in seconds then;
    null when none was ever read)."""

    counted_at: str
    customers: int
    read_last_day_share: float
    read_last_week_share: float
    never_read: int
    oldest_read_at: Optional[str] = None
    oldest_read_age_seconds: Optional[float] = None


def sync_coverage_body(coverage: SyncCoverage) -> SyncCoverageBody:
    age = coverage.oldest_read_age_seconds
    return SyncCoverageBody(
        counted_at=coverage.at.isoformat(),
        customers=coverage.customers,
        read_last_day_share=round(coverage.share_last_day, 4),
        read_last_week_share=round(coverage.share_last_week, 4),
        never_read=coverage.never_read,
        oldest_read_at=coverage.oldest_read_at.isoformat() if coverage.oldest_read_at else None,
        oldest_read_age_seconds=None if age is None else round(age, 1),
    )
