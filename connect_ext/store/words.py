"""The overview's word search: the start of each later word of a name, kept beside the customer.

A name is found by the start of **any** of its words ("Toys" finds "Wingtip Toys"), on SQLite and
PostgreSQL alike, with plain btree indexes: the first word is a prefix of ``customers.search_name``
(its index answers it), every later one is a row of ``customer_words`` whose ``word`` is the search
name from that word to its end — so a prefix range on ``word`` finds a later word, and a search of
several words ("toys l") finds them in order. The rows repeat the customer's search name, so a
page is cut in name order from ``ix_customer_words_word`` without reading every match.

:func:`keep_words` runs before every flush of the store's writing sessions (registered by
:class:`~connect_ext.store.Store`): a customer created or renamed gets its rows rewritten in the
same transaction. Bulk loads that bypass the ORM use :func:`word_rows` (``testkit``).

The overview's tests of a later word are built here too (:func:`word_match`, the range of a rare
word; :func:`contains` and :func:`has_word`, what a walk of the names tests for a common one;
:func:`is_common_word` tells which); the overview's walks are :mod:`connect_ext.store.overview`.
"""
import re
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import Select, delete, exists, func, insert, inspect, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from connect_ext.store.models import Customer, CustomerWord, about_to_change
from connect_ext.store.queries import later_word_ids, prefix_match


# A word starts at a letter or digit that follows anything else (a blank, "-", "(", "&"...).
_LATER_WORD = re.compile(r'(?<=[^\w])(?=\w)|(?<=_)(?=[^\W_])')
# A name of more words adds rows that no one searches for: the first ones are enough.
MAX_LATER_WORDS = 12
# A later word that starts this many word rows is common ("ltd", "services"): its page walks the
# names in order and keeps those with the word, which finds a page's worth after a few thousand
# rows; a rarer one sorts its few matches by name.
COMMON_WORD_ROWS = 2_000


def later_words(search_name: str) -> List[str]:
    """The search name from the start of each word after the first to its end, in order."""
    if not search_name:
        return []
    starts = [match.start() for match in _LATER_WORD.finditer(search_name) if match.start() > 0]
    words: List[str] = []
    for start in starts:
        word = search_name[start:]
        if word and word not in words:
            words.append(word)
        if len(words) == MAX_LATER_WORDS:
            break
    return words


def word_rows(customer_id: str, search_name: str) -> List[Dict[str, Any]]:
    """The ``customer_words`` rows of one customer (for bulk loads)."""
    return [{'customer_id': customer_id, 'word': word, 'search_name': search_name}
            for word in later_words(search_name)]


def keep_words(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """Rewrite the word rows of every customer of ``session`` created or renamed (before a flush)."""
    rows = [row for row in (*session.new, *session.dirty) if isinstance(row, Customer)
            and about_to_change(row, 'search_name')]
    for row in rows:
        if not inspect(row).pending:
            session.execute(delete(CustomerWord).where(CustomerWord.customer_id == row.customer_id))
        values = word_rows(row.customer_id, row.search_name or '')
        if values:
            session.execute(insert(CustomerWord), values)


def is_common_word(session: Session, key: str) -> bool:
    """Whether a later word starting with ``key`` is common (see :data:`COMMON_WORD_ROWS`)."""
    return session.scalar(common_word_query(key)) >= COMMON_WORD_ROWS


def common_word_query(key: str) -> Select:
    """How many word rows (up to ``COMMON_WORD_ROWS``) a later word starting with ``key`` has: read
    from ``ix_customer_words_word`` alone. At the bound, the word is common."""
    return select(func.count()).select_from(
        later_word_ids(key).limit(COMMON_WORD_ROWS).subquery())


def word_match(
    key: str, conditions: List[ColumnElement], after: Optional[Tuple[str, str]] = None, *,
    ordered: bool = True,
) -> Select:
    """The customers (id, search name) with a later word of the name starting with ``key``, in name
    order from ``ix_customer_words_word``, within ``conditions`` (on ``customers``); ``ordered``
    False: their ids alone, in no order (for the count). Every match is sorted: for a rare word."""
    keyset = [] if after is None else [
        tuple_(CustomerWord.search_name, CustomerWord.customer_id) > tuple_(*after)]
    columns = (CustomerWord.customer_id, CustomerWord.search_name) if ordered else (CustomerWord.customer_id,)
    query = select(*columns).where(prefix_match(CustomerWord.word, key), *keyset)
    if conditions:
        # A correlated EXISTS, not a join: the words' own index drives, each match probes its
        # customer by key (a join let SQLite walk every customer of the status instead).
        query = query.where(exists().where(Customer.customer_id == CustomerWord.customer_id, *conditions))
    if not ordered:
        return query
    return query.distinct().order_by(CustomerWord.search_name, CustomerWord.customer_id)


def contains(name: ColumnElement, key: str) -> ColumnElement:
    """``name`` holds ``key`` as text ("%" and "_" are no wildcards): what the index entry alone
    tells of a later word starting with ``key``."""
    escaped = key.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    return name.like(f'%{escaped}%', escape='\\')


def has_word(key: str, customer_id: ColumnElement) -> ColumnElement:
    """The customer has a later word starting with ``key``: a look-up of its word rows' primary
    key, as a scalar subquery (row by row, as written, on both databases). The word is tested on
    each of the customer's few rows (an expression no index holds): as an index condition it let
    PostgreSQL pick the words' own index for some words and walk every row of the word per
    customer (0.25 ms a look-up for "health" at 1M, against 0.01 ms)."""
    return (select(CustomerWord.customer_id)
            .where(CustomerWord.customer_id == customer_id, prefix_match(CustomerWord.word + '', key))
            .limit(1).scalar_subquery().is_not(None))
