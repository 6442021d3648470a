"""the Partner Center refresh token, encrypted (issue 13, item 1): the ``credentials`` table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). One row per credential the
extension renews itself (today: the App+User refresh token of one Partner Center application):
its newest value encrypted (``ciphertext``, never the plain value), a fingerprint of the configured
value it descends from, when it was renewed and last used, and a version bumped at every write.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'credentials',
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('ciphertext', sa.String(), nullable=False),
        sa.Column('configured_fingerprint', sa.String(), nullable=False),
        sa.Column('renewed_at', _timestamp(), nullable=False),
        sa.Column('used_at', _timestamp(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name='pk_credentials'),
    )


def downgrade() -> None:
    op.drop_table('credentials')
