"""The extension's own records (SQLAlchemy 2 + Alembic, SQLite or PostgreSQL): see :mod:`.store`."""
from connect_ext.store.store import (
    AuditRecord,
    CustomerLockTimeout,
    CustomerNotFound,
    CustomerRecord,
    IdempotentResponse,
    Page,
    Store,
    StoreError,
)


__all__ = [
    'AuditRecord',
    'CustomerLockTimeout',
    'CustomerNotFound',
    'CustomerRecord',
    'IdempotentResponse',
    'Page',
    'Store',
    'StoreError',
]
