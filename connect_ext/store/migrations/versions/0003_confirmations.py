"""changes waiting for Microsoft to confirm (issue 13, item 5): the ``pending_confirmations`` table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). One row per customer whose last
change Microsoft accepted but did not show yet; it goes when the change is confirmed or not.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'pending_confirmations',
        sa.Column('customer_id', sa.String(), nullable=False),
        sa.Column('action', sa.String(), nullable=False),
        sa.Column('from_enabled', sa.Boolean(), nullable=False),
        sa.Column('from_entitlement', sa.String(), nullable=True),
        sa.Column('to_enabled', sa.Boolean(), nullable=False),
        sa.Column('to_entitlement', sa.String(), nullable=True),
        sa.Column('audit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('requested_at', _timestamp(), nullable=False),
        sa.Column('confirm_by', _timestamp(), nullable=False),
        sa.Column('actor_type', sa.String(), nullable=False),
        sa.Column('actor_id', sa.String(), nullable=True),
        sa.Column('actor_name', sa.String(), nullable=True),
        sa.Column('checked_at', _timestamp(), nullable=True),
        sa.Column('claimed_until', _timestamp(), nullable=True),
        sa.Column('claimed_by', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('customer_id', name='pk_pending_confirmations'),
    )


def downgrade() -> None:
    op.drop_table('pending_confirmations')
