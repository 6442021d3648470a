"""A reseller's overview walks its own rows in name order (issue 16: the overview at 1,000,000
customers holds for a reseller's view too).

``customer_accounts`` gains the customer's search name and the index ``(account_id, search_name,
customer_id)``: a reseller's page is then a walk of its own rows in name order, at any depth and
whatever share of the customers it sees (before, the database walked every customer in name order
testing each against the reseller's rows, or fetched and sorted all of them). The column is
filled from ``customers`` here and kept by the store with every write of a name.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _searchable_text() -> sa.String:
    return sa.String().with_variant(sa.String(collation='C'), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('customer_accounts') as batch:
        batch.add_column(sa.Column('search_name', _searchable_text(), nullable=False, server_default=''))
    op.execute(
        'UPDATE customer_accounts SET search_name = ('
        'SELECT customers.search_name FROM customers '
        'WHERE customers.customer_id = customer_accounts.customer_id) '
        'WHERE EXISTS (SELECT 1 FROM customers WHERE customers.customer_id = customer_accounts.customer_id)'
    )
    op.create_index('ix_customer_accounts_account_search_name', 'customer_accounts',
                    ['account_id', 'search_name', 'customer_id'])


def downgrade() -> None:
    op.drop_index('ix_customer_accounts_account_search_name', table_name='customer_accounts')
    with op.batch_alter_table('customer_accounts') as batch:
        batch.drop_column('search_name')
