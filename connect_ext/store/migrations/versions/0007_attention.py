"""The overview's work queue: attention and its reason, word search (issue "Pages and notes").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Written out in full rather than importing the models (see 0001). On ``customers``: ``attention``
(what the customer needs, connect_ext/overage/attention.py), ``attention_reason`` (a catalogue
code), ``attention_blocker`` and ``attention_judged_at`` (what the last full read of Microsoft found
stopping it, and when), with the index of the overview's attention filter. ``customer_words``: the
search name from the start of each later word (connect_ext/store/words.py), filled here for the
customers already recorded. Existing customers keep ``attention`` NULL ("not judged yet") until the
next read of Microsoft judges them: before it, nothing true can be said of their prerequisites.
"""
import re
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# A snapshot of connect_ext/store/words.py's rule at this revision (a migration must not change
# when the code does).
_LATER_WORD = re.compile(r'(?<=[^\w])(?=\w)|(?<=_)(?=[^\W_])')
_MAX_LATER_WORDS = 12
_CHUNK = 5000


def _searchable_text() -> sa.String:
    return sa.String().with_variant(sa.String(collation='C'), 'postgresql')


def _later_words(search_name: str) -> list:
    words: list = []
    for match in _LATER_WORD.finditer(search_name or ''):
        word = search_name[match.start():]
        if match.start() > 0 and word and word not in words:
            words.append(word)
        if len(words) == _MAX_LATER_WORDS:
            break
    return words


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('attention', sa.String(), nullable=True))
        batch.add_column(sa.Column('attention_reason', sa.String(), nullable=True))
        batch.add_column(sa.Column('attention_blocker', sa.String(), nullable=True))
        batch.add_column(sa.Column('attention_judged_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_customers_attention_search_name', 'customers', ['attention', 'search_name', 'customer_id'],
    )
    words = op.create_table(
        'customer_words',
        sa.Column('customer_id', _searchable_text(), nullable=False),
        sa.Column('word', _searchable_text(), nullable=False),
        sa.Column('search_name', _searchable_text(), nullable=False),
        sa.PrimaryKeyConstraint('customer_id', 'word', name='pk_customer_words'),
    )
    op.create_index('ix_customer_words_word', 'customer_words', ['word', 'search_name', 'customer_id'])
    customers = sa.table('customers', sa.column('customer_id'), sa.column('search_name'))
    connection = op.get_bind()
    rows = []
    for customer_id, search_name in connection.execute(
        sa.select(customers.c.customer_id, customers.c.search_name).execution_options(yield_per=_CHUNK),
    ):
        rows += [{'customer_id': customer_id, 'word': word, 'search_name': search_name}
                 for word in _later_words(search_name)]
        if len(rows) >= _CHUNK:
            connection.execute(words.insert(), rows)
            rows = []
    if rows:
        connection.execute(words.insert(), rows)


def downgrade() -> None:
    op.drop_index('ix_customer_words_word', table_name='customer_words')
    op.drop_table('customer_words')
    op.drop_index('ix_customers_attention_search_name', table_name='customers')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('attention_judged_at')
        batch.drop_column('attention_blocker')
        batch.drop_column('attention_reason')
        batch.drop_column('attention')
