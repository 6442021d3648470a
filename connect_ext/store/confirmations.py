"""Changes waiting for Microsoft to confirm them: the ``pending_confirmations`` table's operations.

A change Microsoft accepted but did not show within the interactive read-back is recorded here
(:meth:`PendingConfirmations.begin`) and re-read in the background until a read decides it. What
keeps its follow-up (the ``confirmed`` or ``not_confirmed`` audit entry, and its webhook) to exactly
one, even with several replicas running the background pass at once:

* a pass takes rows with :meth:`PendingConfirmations.claim` (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, SQLite's write lock at ``BEGIN``), so one worker reads a row at a time;
* whoever decides it — a pass, a page that read Microsoft, a newer change — ends it with
  :meth:`PendingConfirmations.finish`, which deletes the row and writes the follow-up audit entry
  in one transaction, and only when the row is still there: the one ``DELETE`` that removes it
  wins, every other ends nothing (and notifies nothing).

Reached as :attr:`connect_ext.store.Store.confirmations`.
"""
from datetime import datetime
from typing import Any, List, Mapping, Optional

from sqlalchemy import delete

from connect_ext.store.fields import clean_audit_fields, one_of, optional_text, required_text
from connect_ext.store.leases import claim_rows, release_row
from connect_ext.store.models import ACTOR_TYPES, AuditEntry, PendingConfirmation, ensure_utc
from connect_ext.store.queries import audit_record
from connect_ext.store.records import AuditRecord, PendingConfirmationRecord, record_from_row
from connect_ext.vocabulary import CHANGE_ACTIONS


_action = one_of(CHANGE_ACTIONS)
_actor_type = one_of(ACTOR_TYPES)


def _record(row: PendingConfirmation) -> PendingConfirmationRecord:
    return record_from_row(PendingConfirmationRecord, row)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f'{name} must be a bool')
    return value


class PendingConfirmations:
    """The pending confirmations of one :class:`~connect_ext.store.Store` (its sessions and clock)."""

    def __init__(self, store) -> None:
        self._store = store

    def begin(
        self,
        customer_id: str,
        *,
        action: str,
        from_enabled: bool,
        from_entitlement: Optional[str],
        to_enabled: bool,
        to_entitlement: Optional[str],
        audit_id: int,
        requested_at: datetime,
        confirm_by: datetime,
        actor_type: str,
        actor_id: Optional[str] = None,
        actor_name: Optional[str] = None,
    ) -> Optional[PendingConfirmationRecord]:
        """Await the confirmation of the customer's change; returns the one it replaced, if any.

        The caller ends the customer's previous confirmation first (:meth:`finish`, under the
        customer's lock); one still there is replaced and handed back so it can be ended too.
        """
        if isinstance(audit_id, bool) or not isinstance(audit_id, int):
            raise TypeError('audit_id must be an integer')
        requested_at = ensure_utc(requested_at, 'requested_at')
        confirm_by = ensure_utc(confirm_by, 'confirm_by')
        if confirm_by < requested_at:
            raise ValueError('confirm_by must not be before requested_at')
        row = PendingConfirmation(
            customer_id=required_text(customer_id, 'customer_id'),
            action=_action(action, 'action'),
            from_enabled=_flag(from_enabled, 'from_enabled'),
            from_entitlement=optional_text(from_entitlement, 'from_entitlement'),
            to_enabled=_flag(to_enabled, 'to_enabled'),
            to_entitlement=optional_text(to_entitlement, 'to_entitlement'),
            audit_id=audit_id,
            requested_at=requested_at,
            confirm_by=confirm_by,
            actor_type=_actor_type(actor_type, 'actor_type'),
            actor_id=optional_text(actor_id, 'actor_id'),
            actor_name=optional_text(actor_name, 'actor_name'),
        )
        with self._store.session() as session:
            previous = session.get(PendingConfirmation, row.customer_id, with_for_update=True)
            replaced = _record(previous) if previous is not None else None
            if previous is not None:
                session.delete(previous)
                session.flush()
            session.add(row)
            session.flush()
        return replaced

    def get(self, customer_id: str) -> Optional[PendingConfirmationRecord]:
        """The customer's pending confirmation, or None."""
        with self._store.session(write=False) as session:
            row = session.get(PendingConfirmation, customer_id)
            return None if row is None else _record(row)

    def claim(
        self,
        *,
        worker_id: str,
        batch_size: int,
        lease_seconds: float,
        read_before: Optional[datetime] = None,
        now: Optional[datetime] = None,
    ) -> List[PendingConfirmationRecord]:
        """Claim up to ``batch_size`` confirmations to read, the least recently read first.

        Only rows nobody holds (no claim, or its lease over) and, with ``read_before``, not read
        since then (a pass reads each row once). A claimed row goes to no one else until its
        lease ends (``now + lease_seconds``) or :meth:`release`, even with several replicas.
        """
        return claim_rows(
            self._store, PendingConfirmation, _record, worker_id=worker_id, batch_size=batch_size,
            lease_seconds=lease_seconds, read_before=read_before, now=now,
        )

    def release(
        self, customer_id: str, audit_id: int, worker_id: str, *, checked_at: Optional[datetime] = None,
    ) -> bool:
        """``worker_id`` hands it back, read at ``checked_at`` (None: not read); False if it holds
        it no more (its lease lapsed and someone else claimed it, or it ended)."""
        return release_row(self._store, PendingConfirmation, worker_id, (
            PendingConfirmation.customer_id == customer_id, PendingConfirmation.audit_id == audit_id,
        ), checked_at)

    def finish(self, customer_id: str, audit_id: int, audit: Mapping[str, Any]) -> Optional[AuditRecord]:
        """End the confirmation of change ``audit_id`` and append its follow-up audit entry, at once.

        Returns the entry, or None (nothing written) when that confirmation is no longer pending:
        someone else ended it first, and only that one's follow-up exists.
        """
        values = clean_audit_fields(audit)
        if values.get('at') is None:
            values['at'] = self._store.now()
        with self._store.session() as session:
            removed = session.execute(
                delete(PendingConfirmation).where(
                    PendingConfirmation.customer_id == customer_id,
                    PendingConfirmation.audit_id == audit_id,
                ),
            )
            if not removed.rowcount:
                return None
            row = AuditEntry(**values)
            session.add(row)
            session.flush()
            return audit_record(row)
