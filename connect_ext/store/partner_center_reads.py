"""The ``partner_center_reads`` table: the last Partner Center read of each customer tenant.

:mod:`connect_ext.service.reads` decides when a read may be shared and what it holds; this module
only keeps the rows, atomically on both backends, for every process and replica:

- :meth:`PartnerCenterReads.get` is the row as it is (the Azure plan ids of the last read, the
  last read and when it started, the lease of a read under way).
- :meth:`PartnerCenterReads.lease` is one conditional ``UPDATE``: it gives the read to the caller
  only when no read newer than ``fresh_since`` is kept and nobody else holds a live lease, so of
  two requests at once exactly one reads (PostgreSQL re-checks the ``WHERE`` of a row another
  transaction just updated; SQLite's writing sessions hold the write lock).
- :meth:`PartnerCenterReads.keep` stores a finished read — only while its reader still holds the
  lease, so a read that :meth:`forget` overtook (a change was made meanwhile) is never kept.
- :meth:`PartnerCenterReads.forget` drops the kept read and any lease (a change was made).
- :meth:`PartnerCenterReads.remember_plans` keeps the plan ids of a read nobody shares (a change's).

Times are seconds on the reads' clock (wall-clock seconds in production, as every replica counts
in the same time), never datetimes.
"""
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Optional, Sequence, Set, Tuple

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connect_ext.store.fields import required_text
from connect_ext.store.models import PartnerCenterRead, normalise_tenant_id


@dataclass(frozen=True)
class ReadRecord:
    """One tenant's row: ``facts`` is the kept read (plain JSON) from ``read_at``; ``None`` when
    there is none."""

    tenant_id: str
    plan_ids: Tuple[str, ...]
    facts: Optional[Any]
    read_at: Optional[float]
    lease_owner: Optional[str]
    leased_at: Optional[float]
    lease_until: Optional[float]


def _update(tenant: str, *conditions):
    """An ``UPDATE`` of one tenant's row (Core, so the JSON columns encode as on every backend)."""
    return (update(PartnerCenterRead).where(PartnerCenterRead.tenant_id == tenant, *conditions)
            .execution_options(synchronize_session=False))


def _tenant(tenant_id: str) -> str:
    return normalise_tenant_id(required_text(tenant_id, 'tenant_id'))


def _record(row: PartnerCenterRead) -> ReadRecord:
    return ReadRecord(
        tenant_id=row.tenant_id, plan_ids=tuple(row.plan_ids or ()), facts=row.facts,
        read_at=row.read_at, lease_owner=row.lease_owner, leased_at=row.leased_at,
        lease_until=row.lease_until,
    )


class PartnerCenterReads:
    """Reads and writes of ``partner_center_reads`` (``Store.partner_center_reads``)."""

    def __init__(self, session: Callable[..., ContextManager[Session]]):
        self._session = session
        # Rows known to exist (rows are never deleted): no look-up before each lease.
        self._known: Set[str] = set()

    def get(self, tenant_id: str) -> Optional[ReadRecord]:
        tenant = _tenant(tenant_id)
        with self._session(write=False) as session:
            row = session.get(PartnerCenterRead, tenant)
            return None if row is None else _record(row)

    def lease(self, tenant_id: str, owner: str, *, now: float, until: float,
              fresh_since: float) -> bool:
        """Give the read of ``tenant_id`` to ``owner`` until ``until``: True when it is theirs,
        False when a read since ``fresh_since`` is kept or another live lease holds it."""
        tenant = _tenant(tenant_id)
        owner = required_text(owner, 'owner')
        self._ensure(tenant)
        with self._session() as session:
            taken = session.execute(_update(
                tenant,
                or_(PartnerCenterRead.lease_owner.is_(None), PartnerCenterRead.lease_until.is_(None),
                    PartnerCenterRead.lease_until <= now),
                or_(PartnerCenterRead.read_at.is_(None), PartnerCenterRead.read_at < fresh_since),
            ).values(lease_owner=owner, leased_at=now, lease_until=until))
            return taken.rowcount == 1

    def keep(self, tenant_id: str, owner: str, *, facts: Any, read_at: float,
             plan_ids: Sequence[str]) -> bool:
        """Store ``owner``'s finished read and end its lease; False (nothing written) when the
        lease is no longer ``owner``'s (a change forgot the read meanwhile, or the lease ran out
        and another reader took it)."""
        tenant = _tenant(tenant_id)
        with self._session() as session:
            kept = session.execute(_update(tenant, PartnerCenterRead.lease_owner == owner).values(
                facts=facts, read_at=read_at, plan_ids=list(plan_ids), lease_owner=None,
                leased_at=None, lease_until=None,
            ))
            return kept.rowcount == 1

    def release(self, tenant_id: str, owner: str) -> None:
        """End ``owner``'s lease without keeping a read (its read failed): a waiter reads."""
        with self._session() as session:
            session.execute(_update(_tenant(tenant_id), PartnerCenterRead.lease_owner == owner)
                            .values(lease_owner=None, leased_at=None, lease_until=None))

    def forget(self, tenant_id: str) -> None:
        """Drop the kept read and any lease of ``tenant_id``; the plan ids stay."""
        with self._session() as session:
            session.execute(_update(_tenant(tenant_id)).values(
                facts=None, read_at=None, lease_owner=None, leased_at=None, lease_until=None))

    def remember_plans(self, tenant_id: str, plan_ids: Sequence[str]) -> None:
        """Keep the Azure plan ids a read saw (a read that is not shared: a change's)."""
        tenant = _tenant(tenant_id)
        self._ensure(tenant)
        with self._session() as session:
            row = session.get(PartnerCenterRead, tenant, with_for_update=True)
            row.plan_ids = list(plan_ids)

    def _ensure(self, tenant: str) -> None:
        """Create the tenant's row when it does not exist yet, whoever gets there first."""
        if tenant in self._known:
            return
        with self._session(write=False) as session:
            exists = session.get(PartnerCenterRead, tenant) is not None
        if not exists:
            try:
                with self._session() as session:
                    session.add(PartnerCenterRead(tenant_id=tenant, plan_ids=[]))
            except IntegrityError:
                pass  # another process created it
        self._known.add(tenant)
