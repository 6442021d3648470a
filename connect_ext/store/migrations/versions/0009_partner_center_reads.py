"""Partner Center reads kept in the store (issue "One Partner Center budget", item 3).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). One row per customer tenant: the
Azure plan ids seen at its last read (so a new process lists their Azure subscriptions in the
first round), the last full read with the time it started (shared by the page's state and options
requests within a few seconds), and the lease of the read under way (who reads, since and until when).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'partner_center_reads',
        sa.Column('tenant_id', sa.String(), nullable=False),
        sa.Column('plan_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
        sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
        sa.Column('read_at', sa.Float(), nullable=True),
        sa.Column('lease_owner', sa.String(), nullable=True),
        sa.Column('leased_at', sa.Float(), nullable=True),
        sa.Column('lease_until', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('tenant_id', name='pk_partner_center_reads'),
    )


def downgrade() -> None:
    op.drop_table('partner_center_reads')
