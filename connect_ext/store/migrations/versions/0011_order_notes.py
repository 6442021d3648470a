"""What order notes last said (issue "Pages and notes", item 10).

One row per request with a note: the fingerprint (the marker's digits) and message of its last
note, and the messages of every note recorded for it, so that a request gets a new note only
when what it says changed (see connect_ext/store/order_notes.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'order_notes',
        sa.Column('request_id', sa.String(), nullable=False),
        sa.Column('conversation_id', sa.String(), nullable=False),
        sa.Column('fingerprint', sa.String(), nullable=False),
        sa.Column('message_id', sa.String(), nullable=True),
        sa.Column('message_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                  nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('request_id', name='pk_order_notes'),
    )


def downgrade() -> None:
    op.drop_table('order_notes')
