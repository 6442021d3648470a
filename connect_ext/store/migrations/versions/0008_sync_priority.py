"""What the sync reads first (issue "A million customers").

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). ``customers.last_order_at`` is
when a Connect order event last touched the customer; the two indexes serve the sync's claim
(connect_ext/store/sync_claims.py): customers with a recent order, and those held by another
partner, each longest unread first (NULLS FIRST said on PostgreSQL, SQLite's ascending default).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('last_order_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_customers_last_order_at', 'customers', ['last_order_at', 'customer_id'])
    if op.get_context().dialect.name == 'postgresql':
        op.create_index(
            'ix_customers_status_checked_at', 'customers',
            ['overage_status', sa.text('checked_at ASC NULLS FIRST'), 'customer_id'],
        )
    else:
        op.create_index(
            'ix_customers_status_checked_at', 'customers',
            ['overage_status', 'checked_at', 'customer_id'],
        )


def downgrade() -> None:
    op.drop_index('ix_customers_status_checked_at', table_name='customers')
    op.drop_index('ix_customers_last_order_at', table_name='customers')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('last_order_at')
