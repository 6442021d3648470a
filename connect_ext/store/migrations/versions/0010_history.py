"""The activity feed across customers (issue "Pages and notes", item 9).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The feed of one outcome, newest first: GET /history?outcome=failed walks it backwards.
    op.create_index('ix_audit_entries_outcome_at', 'audit_entries', ['outcome', 'at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_audit_entries_outcome_at', table_name='audit_entries')
