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
"""
import re
from typing import Any, Dict, List

from sqlalchemy import delete, insert, inspect
from sqlalchemy.orm import Session

from connect_ext.store.models import Customer, CustomerWord


# A word starts at a letter or digit that follows anything else (a blank, "-", "(", "&"...).
_LATER_WORD = re.compile(r'(?<=[^\w])(?=\w)|(?<=_)(?=[^\W_])')
# A name of more words adds rows that no one searches for: the first ones are enough.
MAX_LATER_WORDS = 12


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


def _renamed(row: Customer) -> bool:
    state = inspect(row)
    return state.pending or state.attrs.search_name.history.has_changes()


def keep_words(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """Rewrite the word rows of every customer of ``session`` created or renamed (before a flush)."""
    rows = [row for row in (*session.new, *session.dirty) if isinstance(row, Customer) and _renamed(row)]
    for row in rows:
        if not inspect(row).pending:
            session.execute(delete(CustomerWord).where(CustomerWord.customer_id == row.customer_id))
        values = word_rows(row.customer_id, row.search_name or '')
        if values:
            session.execute(insert(CustomerWord), values)
