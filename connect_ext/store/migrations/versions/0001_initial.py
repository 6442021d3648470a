"""The store's first schema: customers, audit entries, processed events, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out in full rather than importing the models: a migration is a snapshot and must not
change when the models do. The types mirror connect_ext/store/models.py (see its docstring for
the ``C`` collation of the searched columns and the NULLS FIRST index of the sync order).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def _searchable_text() -> sa.String:
    return sa.String().with_variant(sa.String(collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'customers',
        sa.Column('customer_id', _searchable_text(), nullable=False),
        sa.Column('tenant_id', _searchable_text(), nullable=True),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('search_name', _searchable_text(), nullable=False),
        sa.Column('country', sa.String(), nullable=True),
        sa.Column('tier1_id', sa.String(), nullable=True),
        sa.Column('tier2_id', sa.String(), nullable=True),
        sa.Column('reseller_mpn', sa.String(), nullable=True),
        sa.Column('ovg_subscription_count', sa.Integer(), nullable=False),
        sa.Column('ovg_asset_ids', _json(), nullable=False),
        sa.Column('overage_status', sa.String(), nullable=False),
        sa.Column('azure_entitlement_id', sa.String(), nullable=True),
        sa.Column('overage_partner_id', sa.String(), nullable=True),
        sa.Column('flags', _json(), nullable=False),
        sa.Column('checked_at', _timestamp(), nullable=True),
        sa.Column('sync_claimed_until', _timestamp(), nullable=True),
        sa.Column('sync_claimed_by', sa.String(), nullable=True),
        sa.Column('created_at', _timestamp(), nullable=False),
        sa.Column('updated_at', _timestamp(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('customer_id', name='pk_customers'),
    )
    op.create_index('ix_customers_tenant_id', 'customers', ['tenant_id'])
    op.create_index('ix_customers_tier1_id', 'customers', ['tier1_id'])
    op.create_index('ix_customers_tier2_id', 'customers', ['tier2_id'])
    op.create_index('ix_customers_search_name', 'customers', ['search_name', 'customer_id'])
    op.create_index(
        'ix_customers_status_search_name', 'customers',
        ['overage_status', 'search_name', 'customer_id'],
    )
    if op.get_context().dialect.name == 'postgresql':
        op.create_index(
            'ix_customers_checked_at', 'customers',
            [sa.text('checked_at ASC NULLS FIRST'), 'customer_id'],
        )
    else:
        op.create_index('ix_customers_checked_at', 'customers', ['checked_at', 'customer_id'])

    op.create_table(
        'audit_entries',
        sa.Column(
            'id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
            autoincrement=True, nullable=False,
        ),
        sa.Column('customer_id', sa.String(), nullable=False),
        sa.Column('tenant_id', sa.String(), nullable=True),
        sa.Column('at', _timestamp(), nullable=False),
        sa.Column('actor_type', sa.String(), nullable=False),
        sa.Column('actor_id', sa.String(), nullable=True),
        sa.Column('actor_name', sa.String(), nullable=True),
        sa.Column('action', sa.String(), nullable=False),
        sa.Column('from_entitlement', sa.String(), nullable=True),
        sa.Column('from_enabled', sa.Boolean(), nullable=True),
        sa.Column('to_entitlement', sa.String(), nullable=True),
        sa.Column('to_enabled', sa.Boolean(), nullable=True),
        sa.Column('outcome', sa.String(), nullable=False),
        sa.Column('error_code', sa.String(), nullable=True),
        sa.Column('error_message', sa.String(), nullable=True),
        sa.Column('ms_request_id', sa.String(), nullable=True),
        sa.Column('ms_correlation_id', sa.String(), nullable=True),
        sa.Column('details', _json(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_audit_entries'),
    )
    op.create_index('ix_audit_entries_customer_id_at', 'audit_entries', ['customer_id', 'at', 'id'])
    op.create_index('ix_audit_entries_at', 'audit_entries', ['at', 'id'])

    op.create_table(
        'processed_events',
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('processed_at', _timestamp(), nullable=False),
        sa.Column('result', _json(), nullable=True),
        sa.PrimaryKeyConstraint('key', name='pk_processed_events'),
    )

    op.create_table(
        'idempotency_keys',
        sa.Column('scope', sa.String(), nullable=False),
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('request_fingerprint', sa.String(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response_body', _json(), nullable=True),
        sa.Column('response_headers', _json(), nullable=True),
        sa.Column('created_at', _timestamp(), nullable=False),
        sa.Column('expires_at', _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'key', name='pk_idempotency_keys'),
    )
    op.create_index('ix_idempotency_keys_expires_at', 'idempotency_keys', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_idempotency_keys_expires_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_table('processed_events')
    op.drop_index('ix_audit_entries_at', table_name='audit_entries')
    op.drop_index('ix_audit_entries_customer_id_at', table_name='audit_entries')
    op.drop_table('audit_entries')
    for index in (
        'ix_customers_checked_at', 'ix_customers_status_search_name', 'ix_customers_search_name',
        'ix_customers_tier2_id', 'ix_customers_tier1_id', 'ix_customers_tenant_id',
    ):
        op.drop_index(index, table_name='customers')
    op.drop_table('customers')
