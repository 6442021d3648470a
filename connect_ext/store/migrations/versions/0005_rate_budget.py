"""The Partner Center rate budget shared by every process (issue "One Partner Center budget").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). One row per budget (a partner
tenant, or a partner tenant and one customer tenant): the due times of a GCRA limiter (seconds on
the budget's clock), the pause a 429 asked for, and the counts the settings page shows.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'rate_budgets',
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('due', sa.Float(), nullable=False),
        sa.Column('background_due', sa.Float(), nullable=False),
        sa.Column('sync_due', sa.Float(), nullable=False),
        sa.Column('paused_until', sa.Float(), nullable=False),
        sa.Column('window_start', sa.Float(), nullable=False),
        sa.Column('window_used', sa.Integer(), nullable=False),
        sa.Column('previous_used', sa.Integer(), nullable=False),
        sa.Column('throttles', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
        sa.PrimaryKeyConstraint('key', name='pk_rate_budgets'),
    )


def downgrade() -> None:
    op.drop_table('rate_budgets')
