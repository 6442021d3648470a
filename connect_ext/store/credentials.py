"""The ``credentials`` table: credentials the extension renews itself, kept encrypted across restarts.

Today one kind lives here: the newest App+User refresh token Entra handed out for one Partner Center
application (:mod:`connect_ext.partner_center.refresh_tokens` encrypts it and decides which token
to use). This module knows nothing of tokens or keys: it keeps ciphertext, a fingerprint of the
configured value the stored one descends from, when it was renewed and last used, and a version.

Several replicas share one PostgreSQL store, so every write reads the row under a row lock
(``SELECT ... FOR UPDATE``; SQLite's writing sessions take the write lock at ``BEGIN``) and **the
newest renewal wins**: a value renewed earlier than the stored one is never written over it, while
a value that descends from another configured value (an administrator pasted a new one) always is.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, ContextManager, Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connect_ext.store.fields import required_text
from connect_ext.store.models import Credential, ensure_utc
from connect_ext.store.records import record_from_row


@dataclass(frozen=True)
class CredentialRecord:
    """One stored credential (its value encrypted; the repr leaves even that out)."""

    key: str
    ciphertext: str = field(repr=False)
    configured_fingerprint: str
    renewed_at: datetime
    used_at: Optional[datetime]
    version: int


def _record(row: Credential) -> CredentialRecord:
    return record_from_row(CredentialRecord, row)


class Credentials:
    """Reads and writes of the ``credentials`` table (``Store.credentials``)."""

    def __init__(self, session: Callable[..., ContextManager[Session]]):
        self._session = session

    def get(self, key: str) -> Optional[CredentialRecord]:
        with self._session(write=False) as session:
            row = session.get(Credential, key)
            return None if row is None else _record(row)

    def save_renewed(
        self, key: str, *, ciphertext: str, configured_fingerprint: str, renewed_at: datetime,
    ) -> Optional[CredentialRecord]:
        """Store a renewed value; None (nothing written) when the stored one descends from the same
        configured value and was renewed later, since that one is the newer.

        The written record has the next version (1 for a new key) and ``used_at = renewed_at``:
        a renewal is a use.
        """
        key = required_text(key, 'key')
        ciphertext = required_text(ciphertext, 'ciphertext')
        configured_fingerprint = required_text(configured_fingerprint, 'configured_fingerprint')
        renewed_at = ensure_utc(renewed_at, 'renewed_at')
        try:
            return self._save_renewed(key, ciphertext, configured_fingerprint, renewed_at)
        except IntegrityError:
            # Another replica stored the first value of this key between our read and insert.
            return self._save_renewed(key, ciphertext, configured_fingerprint, renewed_at)

    def _save_renewed(
        self, key: str, ciphertext: str, fingerprint: str, renewed_at: datetime,
    ) -> Optional[CredentialRecord]:
        with self._session() as session:
            row = session.get(Credential, key, with_for_update=True)
            if row is None:
                row = Credential(key=key, version=0)
                session.add(row)
            elif row.configured_fingerprint == fingerprint and row.renewed_at > renewed_at:
                return None
            row.ciphertext = ciphertext
            row.configured_fingerprint = fingerprint
            row.renewed_at = renewed_at
            row.used_at = renewed_at
            row.version += 1
            session.flush()
            return _record(row)

    def mark_used(self, key: str, *, configured_fingerprint: str, used_at: datetime) -> bool:
        """Say the stored value was used at ``used_at`` (without renewing it); False when the key
        holds no value of that configured one, or a later use is already recorded."""
        used_at = ensure_utc(used_at, 'used_at')
        with self._session() as session:
            row = session.get(Credential, key, with_for_update=True)
            if row is None or row.configured_fingerprint != configured_fingerprint:
                return False
            if row.used_at is not None and row.used_at >= used_at:
                return False
            row.used_at = used_at
            return True
