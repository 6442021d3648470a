"""A reseller's page of one status walks only its rows of that status (issue 16: the overview at
1,000,000 customers holds for a reseller's view too).

``customer_accounts`` gains the customer's overage status and the index ``(account_id,
overage_status, search_name, customer_id)``: a reseller's page filtered by status is then a range
of its own rows in name order, as the distributor's is a range of ``ix_customers_status_search_name``
(before, each of the reseller's rows was looked up in ``customers`` to test the status: 2,500
look-ups for a second page of a status one customer in twenty has). The column is filled from
``customers`` here (None for a customer not recorded yet) and kept by the store with every write
of a status.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Written out in full rather than importing the models (see 0001).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('customer_accounts') as batch:
        batch.add_column(sa.Column('overage_status', sa.String(), nullable=True))
    op.execute(
        'UPDATE customer_accounts SET overage_status = ('
        'SELECT customers.overage_status FROM customers '
        'WHERE customers.customer_id = customer_accounts.customer_id)'
    )
    op.create_index('ix_customer_accounts_account_status_search_name', 'customer_accounts',
                    ['account_id', 'overage_status', 'search_name', 'customer_id'])


def downgrade() -> None:
    op.drop_index('ix_customer_accounts_account_status_search_name', table_name='customer_accounts')
    with op.batch_alter_table('customer_accounts') as batch:
        batch.drop_column('overage_status')
