"""The extension's own records (SQLAlchemy 2 + Alembic, SQLite or PostgreSQL).

The package's modules, one concept each: :mod:`.repository` (:class:`Store`, every read and
write), :mod:`.records` (what it hands out), :mod:`.errors`, :mod:`.fields` (the field rules),
:mod:`.queries` (the repository's query helpers), :mod:`.engine` (the backends' settings),
:mod:`.locks` (the customer locks), :mod:`.credentials` (the renewed refresh token, encrypted),
:mod:`.models` (the tables) and :mod:`.migrate` (Alembic).
"""
from connect_ext.store.errors import CustomerLockTimeout, CustomerNotFound, StoreError
from connect_ext.store.records import AuditRecord, CustomerRecord, IdempotentResponse, Page
from connect_ext.store.repository import Store


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
