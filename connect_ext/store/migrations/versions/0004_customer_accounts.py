"""Which Connect accounts see a customer (``customer_accounts``), and when the reseller's partner id
was last looked up (``customers.reseller_mpn_checked_at``) — issue 12, items 1 and 2.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). The ids use the ``C`` collation on
PostgreSQL, like the customers' searched columns, so the join with ``customers`` compares bytes on
both backends.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _id_text() -> sa.String:
    return sa.String().with_variant(sa.String(collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'customer_accounts',
        sa.Column('account_id', _id_text(), nullable=False),
        sa.Column('customer_id', _id_text(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('account_id', 'customer_id', name='pk_customer_accounts'),
    )
    op.create_index('ix_customer_accounts_customer_id', 'customer_accounts', ['customer_id'])
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('reseller_mpn_checked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('reseller_mpn_checked_at')
    op.drop_index('ix_customer_accounts_customer_id', table_name='customer_accounts')
    op.drop_table('customer_accounts')
