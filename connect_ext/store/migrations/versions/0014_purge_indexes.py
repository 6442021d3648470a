"""The purge of what the store keeps only for a while walks the oldest rows first.

The sync now purges processed event keys and order note records past their keeping, and expired
idempotent answers (see connect_ext/store/housekeeping.py). ``processed_events.processed_at`` and
``order_notes.written_at`` get an index each, so that a purge reads a range of the oldest rows
instead of every row (``idempotency_keys.expires_at`` has had one since 0001).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Written out in full rather than importing the models (see 0001).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_processed_events_processed_at', 'processed_events', ['processed_at'])
    op.create_index('ix_order_notes_written_at', 'order_notes', ['written_at'])


def downgrade() -> None:
    op.drop_index('ix_order_notes_written_at', table_name='order_notes')
    op.drop_index('ix_processed_events_processed_at', table_name='processed_events')
