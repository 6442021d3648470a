"""Handover requests between partners (issue "Hand overage over between partners").

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). One row per customer: its last
request to take the overage over when the partner that holds it releases it (one alive at a time;
a finished one stays readable until the next request replaces it).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'handovers',
        sa.Column('customer_id', sa.String(), nullable=False),
        sa.Column('request_id', sa.String(), nullable=False),
        sa.Column('tenant_id', sa.String(), nullable=True),
        sa.Column('state', sa.String(), nullable=False),
        sa.Column('azure_subscription_id', sa.String(), nullable=True),
        sa.Column('create_azure_subscription', sa.Boolean(), nullable=False),
        sa.Column('enable_when_released', sa.Boolean(), nullable=False),
        sa.Column('holder_partner_id', sa.String(), nullable=True),
        sa.Column('holder_entitlement_id', sa.String(), nullable=True),
        sa.Column('current_holder_partner_id', sa.String(), nullable=True),
        sa.Column('current_holder_entitlement_id', sa.String(), nullable=True),
        sa.Column('holder_changed_at', _timestamp(), nullable=True),
        sa.Column('requested_at', _timestamp(), nullable=False),
        sa.Column('expires_at', _timestamp(), nullable=False),
        sa.Column('requested_by_type', sa.String(), nullable=False),
        sa.Column('requested_by_id', sa.String(), nullable=True),
        sa.Column('requested_by_name', sa.String(), nullable=True),
        sa.Column('released_at', _timestamp(), nullable=True),
        sa.Column('ended_at', _timestamp(), nullable=True),
        sa.Column('ended_by_type', sa.String(), nullable=True),
        sa.Column('ended_by_id', sa.String(), nullable=True),
        sa.Column('change_audit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('change_outcome', sa.String(), nullable=True),
        sa.Column('stop_code', sa.String(), nullable=True),
        sa.Column('stop_message', sa.String(), nullable=True),
        sa.Column('checked_at', _timestamp(), nullable=True),
        sa.Column('claimed_until', _timestamp(), nullable=True),
        sa.Column('claimed_by', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('customer_id', name='pk_handovers'),
    )
    # The watch: the open requests, the least recently read first.
    op.create_index('ix_handovers_state_checked_at', 'handovers', ['state', 'checked_at'])


def downgrade() -> None:
    op.drop_index('ix_handovers_state_checked_at', table_name='handovers')
    op.drop_table('handovers')
