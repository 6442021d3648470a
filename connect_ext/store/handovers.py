"""Handover requests: the ``handovers`` table's operations.

A customer whose overage another partner holds may have one open request to take it over once
that partner releases it (:meth:`Handovers.begin` refuses a second). What keeps each step of its
life to exactly one — one ``released`` (and one change), one ``cancelled``, one ``expired`` — even
with several replicas watching at once:

* a watch takes rows with :meth:`Handovers.claim` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  SQLite's write lock at ``BEGIN``), so one worker reads a request at a time;
* every step is :meth:`Handovers.advance`: one conditional ``UPDATE`` from the states the step
  starts from, for that very request (``request_id``), together with the step's audit entry in one
  transaction. Only the ``UPDATE`` that moved the row writes the entry; every other one changes
  nothing (and notifies nothing).

Reached as :attr:`connect_ext.store.Store.handovers`.
"""
import uuid
from datetime import datetime
from typing import Any, Collection, List, Mapping, Optional, Tuple

from sqlalchemy import update

from connect_ext.store.fields import clean_audit_fields, one_of, optional_text, required_text
from connect_ext.store.leases import claim_rows, release_row
from connect_ext.store.models import ACTOR_TYPES, AuditEntry, Handover, ensure_utc, normalise_tenant_id
from connect_ext.store.queries import audit_record
from connect_ext.store.records import AuditRecord, HandoverRecord, record_from_row
from connect_ext.vocabulary import HANDOVER_OPEN_STATES, HANDOVER_STATES, HANDOVER_WAITING


_state = one_of(HANDOVER_STATES)
_actor_type = one_of(ACTOR_TYPES)
# What a step may set besides the state (the rest is the request's own or the claim's).
STEP_FIELDS = frozenset({
    'released_at', 'ended_at', 'ended_by_type', 'ended_by_id', 'change_audit_id', 'change_outcome',
    'stop_code', 'stop_message', 'current_holder_partner_id', 'current_holder_entitlement_id',
    'holder_changed_at', 'checked_at',
})
_TIMESTAMPS = frozenset({'released_at', 'ended_at', 'holder_changed_at', 'checked_at'})


def _record(row: Handover) -> HandoverRecord:
    return record_from_row(HandoverRecord, row)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f'{name} must be a bool')
    return value


def _step_values(values: Mapping[str, Any]) -> dict:
    unknown = set(values) - STEP_FIELDS
    if unknown:
        raise ValueError(f'a handover step cannot set {sorted(unknown)}')
    cleaned = {}
    for name, value in values.items():
        if name in _TIMESTAMPS and value is not None:
            value = ensure_utc(value, name)
        elif name == 'ended_by_type' and value is not None:
            value = _actor_type(value, name)
        elif name == 'change_audit_id':
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError('change_audit_id must be an integer or None')
        elif name not in _TIMESTAMPS:
            value = optional_text(value, name)
        cleaned[name] = value
    return cleaned


class Handovers:
    """The handover requests of one :class:`~connect_ext.store.Store` (its sessions and clock)."""

    def __init__(self, store) -> None:
        self._store = store

    def get(self, customer_id: str) -> Optional[HandoverRecord]:
        """The customer's request (open or the last one that ended), or None."""
        with self._store.session(write=False) as session:
            row = session.get(Handover, customer_id)
            return None if row is None else _record(row)

    def begin(
        self,
        customer_id: str,
        *,
        tenant_id: Optional[str],
        azure_subscription_id: Optional[str],
        create_azure_subscription: bool,
        enable_when_released: bool,
        holder_partner_id: Optional[str],
        holder_entitlement_id: Optional[str],
        requested_at: datetime,
        expires_at: datetime,
        requested_by_type: str,
        requested_by_id: Optional[str] = None,
        requested_by_name: Optional[str] = None,
        audit: Optional[Mapping[str, Any]] = None,
    ) -> Optional[Tuple[HandoverRecord, Optional[AuditRecord]]]:
        """Open the customer's request and write its ``requested`` audit entry, at once.

        None (nothing written) when the customer already has an open one: one per customer. A
        request that ended is replaced. ``audit``'s ``details`` get the new ``request_id``.
        """
        requested_at = ensure_utc(requested_at, 'requested_at')
        expires_at = ensure_utc(expires_at, 'expires_at')
        if expires_at <= requested_at:
            raise ValueError('expires_at must be after requested_at')
        if bool(azure_subscription_id) == bool(create_azure_subscription):
            raise ValueError('a handover targets an Azure subscription or asks to create one, not both')
        row = Handover(
            customer_id=required_text(customer_id, 'customer_id'),
            request_id=str(uuid.uuid4()),
            tenant_id=normalise_tenant_id(optional_text(tenant_id, 'tenant_id')),
            state=HANDOVER_WAITING,
            azure_subscription_id=optional_text(azure_subscription_id, 'azure_subscription_id'),
            create_azure_subscription=_flag(create_azure_subscription, 'create_azure_subscription'),
            enable_when_released=_flag(enable_when_released, 'enable_when_released'),
            holder_partner_id=optional_text(holder_partner_id, 'holder_partner_id'),
            holder_entitlement_id=optional_text(holder_entitlement_id, 'holder_entitlement_id'),
            current_holder_partner_id=optional_text(holder_partner_id, 'holder_partner_id'),
            current_holder_entitlement_id=optional_text(holder_entitlement_id, 'holder_entitlement_id'),
            requested_at=requested_at,
            expires_at=expires_at,
            requested_by_type=_actor_type(requested_by_type, 'requested_by_type'),
            requested_by_id=optional_text(requested_by_id, 'requested_by_id'),
            requested_by_name=optional_text(requested_by_name, 'requested_by_name'),
        )
        with self._store.session() as session:
            previous = session.get(Handover, row.customer_id, with_for_update=True)
            if previous is not None and previous.state in HANDOVER_OPEN_STATES:
                return None
            if previous is not None:
                session.delete(previous)
                session.flush()
            session.add(row)
            entry = self._audit(session, audit, row.request_id)
            session.flush()
            return _record(row), entry

    def advance(
        self,
        customer_id: str,
        request_id: str,
        *,
        from_states: Collection[str],
        to_state: str,
        values: Optional[Mapping[str, Any]] = None,
        audit: Optional[Mapping[str, Any]] = None,
        keep_claim: bool = False,
    ) -> Optional[Tuple[HandoverRecord, Optional[AuditRecord]]]:
        """Move request ``request_id`` from one of ``from_states`` to ``to_state`` (setting
        ``values``; clearing its claim unless ``keep_claim``: the worker goes on with it) and write
        ``audit`` with it, at once.

        None (nothing written) when the request is not in one of those states any more, or was
        replaced: someone else took this step (or another) first.
        """
        to_state = _state(to_state, 'to_state')
        starts = [_state(state, 'from_states') for state in from_states]
        changes = {**_step_values(values or {}), 'state': to_state}
        if not keep_claim:
            changes.update(claimed_until=None, claimed_by=None)
        with self._store.session() as session:
            moved = session.execute(
                update(Handover)
                .where(
                    Handover.customer_id == customer_id,
                    Handover.request_id == request_id,
                    Handover.state.in_(starts),
                )
                .values(**changes),
            )
            if not moved.rowcount:
                return None
            entry = self._audit(session, audit, request_id)
            session.flush()
            return _record(session.get(Handover, customer_id, populate_existing=True)), entry

    def note(self, customer_id: str, request_id: str, values: Mapping[str, Any]) -> bool:
        """Record what a read saw of an open request (who holds the overage now); False when it
        is not open any more."""
        with self._store.session() as session:
            result = session.execute(
                update(Handover)
                .where(
                    Handover.customer_id == customer_id,
                    Handover.request_id == request_id,
                    Handover.state.in_(tuple(HANDOVER_OPEN_STATES)),
                )
                .values(**_step_values(values)),
            )
            return bool(result.rowcount)

    def claim(
        self,
        *,
        worker_id: str,
        batch_size: int,
        lease_seconds: float,
        read_before: Optional[datetime] = None,
        now: Optional[datetime] = None,
    ) -> List[HandoverRecord]:
        """Claim up to ``batch_size`` open requests to read, the least recently read first.

        Only requests nobody holds (no claim, or its lease over) and, with ``read_before``, not
        read since then (a pass reads each once). A claimed request goes to no one else until its
        lease ends (``now + lease_seconds``) or :meth:`release`, even with several replicas.
        """
        return claim_rows(
            self._store, Handover, _record, worker_id=worker_id, batch_size=batch_size,
            lease_seconds=lease_seconds, read_before=read_before, now=now,
            conditions=[Handover.state.in_(tuple(sorted(HANDOVER_OPEN_STATES)))],
        )

    def release(
        self, customer_id: str, request_id: str, worker_id: str, *, checked_at: Optional[datetime] = None,
    ) -> bool:
        """``worker_id`` hands the request back, read at ``checked_at`` (None: not read); False if
        it holds it no more."""
        return release_row(self._store, Handover, worker_id, (
            Handover.customer_id == customer_id, Handover.request_id == request_id), checked_at)

    def _audit(self, session, audit: Optional[Mapping[str, Any]], request_id: str) -> Optional[AuditRecord]:
        if audit is None:
            return None
        values = clean_audit_fields({
            **audit, 'details': {**(audit.get('details') or {}), 'request_id': request_id},
        })
        if values.get('at') is None:
            values['at'] = self._store.now()
        row = AuditEntry(**values)
        session.add(row)
        session.flush()
        return audit_record(row)
