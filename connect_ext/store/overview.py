"""The SQL of the customer overview (``Store.list_customers``): a page in name order, its bounded
count, and the query whose planner estimate stands in for a count past the bound.

Every page is cut from a btree index walked in name order, never from a sort of everything that
matches, so it costs the same for 100 customers or a million:

- **Whose names are walked.** The distributor's overview walks ``customers`` in name order
  (``ix_customers_search_name``, or its status / attention twins). A reseller's walks its own
  ``customer_accounts`` rows, which repeat the customer's search name and status under the
  indexes ``(account_id, search_name, customer_id)`` and ``(account_id, overage_status,
  search_name, customer_id)``: a reseller seeing 1% of a million customers reads its own rows of
  the status, not the 99% it may not see. The other filters (attention, ids) are then a look-up
  of each walked customer by primary key, written as a scalar subquery so that both databases run
  it row by row as written (a join lets either pick another order and sort).
- **A search** is the union of one range per kind of prefix (:func:`customer_list_queries`): the
  first word of the name (a prefix of the walked search name), a customer id, a tenant id (those
  two hold few customers: found by their own index, then sorted), and the later words of the
  name (:mod:`.words`): a rare word's few matches are sorted (:func:`~.words.word_match`), a common
  one's are found walking the names (:func:`word_walk`). ``common_word`` tells which, from one
  bounded read of the words' index (:func:`~.words.is_common_word`).
- **The count** is the union of the same ranges, each cut at the bound.
"""
import re
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable, List, NamedTuple, Optional, Tuple

from sqlalchemy import Select, exists, func, select, text, tuple_, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from connect_ext.store.attention import attention_filter
from connect_ext.store.fields import one_of, required_text
from connect_ext.store.models import (
    OVERAGE_STATUSES,
    Customer,
    CustomerAccount,
    PendingConfirmation,
    search_key,
)
from connect_ext.store.queries import (
    check_after,
    check_page,
    customer_record,
    estimated_count,
    id_set,
    prefix_match,
)
from connect_ext.store.records import CustomerRecord, Page
from connect_ext.store.words import contains, has_word, is_common_word, word_match


# What the start of a customer id (TA-...) or of a tenant id (a GUID) can look like.
_MAY_BE_CUSTOMER_ID = re.compile(r'^(t|ta|ta-[0-9a-z-]*)$', re.IGNORECASE)
_MAY_BE_TENANT_ID = re.compile(r'^[0-9a-f-]+$', re.IGNORECASE)

# Up to this many matching customers the overview's total is counted exactly; a searched or a
# reseller's page counts fewer: each of its matches costs a look-up (of the customer's filters, of a
# later word's rows), and past the bound it says "at least".
COUNT_LIMIT = 10_000
PROBED_COUNT_LIMIT = 250
# A reseller's count looks at no more than this many of its own rows per range (each costs a
# look-up of the customer): past it, "at least" what it found. A reseller with 10,000 customers
# and a filter that one in twenty passes would otherwise look up 5,000 to count 250.
WALK_LIMIT = 1_000


@dataclass(frozen=True)
class Names:
    """The name-ordered index a page walks: ``customers`` itself, or one reseller's
    ``customer_accounts`` rows, with the filters on the customer applied to each walked row."""

    name: ColumnElement
    customer_id: ColumnElement
    account_id: Optional[str]
    conditions: Tuple[ColumnElement, ...]
    # A reseller's status, which its own rows answer (they repeat it; None on a row whose
    # customer is not recorded yet).
    status: Optional[str] = None

    def select(self, *columns, where: Iterable[ColumnElement] = (), narrow: bool = False) -> Select:
        """``columns`` (of the walked table) of the rows that pass every filter and ``where``
        (``narrow``: see :meth:`own`)."""
        if self.account_id is None:
            return select(*columns).where(*self.conditions, *where)
        return select(*columns).where(CustomerAccount.account_id == self.account_id,
                                      *self.own(narrow=narrow),
                                      *where, *self.looked_up(CustomerAccount.customer_id))

    def own(self, *, narrow: bool = False) -> List[ColumnElement]:
        """The reseller's filters its rows answer: the status, ``narrow`` as an expression no
        index holds (for a range its own index must find, customer ids, not a walk of the status)."""
        if self.status is None:
            return []
        column = CustomerAccount.overage_status + '' if narrow else CustomerAccount.overage_status
        return [column == self.status]

    def looked_up(self, customer_id: ColumnElement) -> List[ColumnElement]:
        """What a reseller's row does not answer, by a look-up of its customer's primary key:
        that the customer is recorded (Connect may show a reseller a customer the store has not
        recorded yet; a row with the status is) and passes the other filters (attention, ids)."""
        if self.status is not None and not self.conditions:
            return []
        return [select(Customer.customer_id)
                .where(Customer.customer_id == customer_id, *self.conditions)
                .limit(1).scalar_subquery().is_not(None)]

    def walked(self, cheap: Iterable[ColumnElement],
               probes: Iterable[Callable[[ColumnElement], ColumnElement]] = (), *,
               cap: int, by_id: bool = False, narrow: bool = False) -> Tuple[Select, Select]:
        """A reseller's range cut at ``cap`` of its own rows: (the ids among them that pass every
        filter and ``probes``, how many rows were looked at). ``cheap`` holds what the index entry
        alone answers (with the status: ``narrow``, see :meth:`own`); the look-ups come after the
        cut, so they are at most ``cap``. Fewer than ``cap`` rows looked at: the range was read to
        its end. The rows are taken in the order of the index that holds the range (names, or
        ``by_id``): with no order PostgreSQL may scan the whole table for them."""
        order = (CustomerAccount.customer_id,) if by_id else (CustomerAccount.search_name,
                                                              CustomerAccount.customer_id)
        rows = (select(CustomerAccount.customer_id.label('customer_id'))
                .where(CustomerAccount.account_id == self.account_id, *self.own(narrow=narrow), *cheap)
                .order_by(*order).limit(cap).subquery())
        ids = select(rows.c.customer_id).where(
            *self.looked_up(rows.c.customer_id), *[probe(rows.c.customer_id) for probe in probes])
        return ids, select(func.count()).select_from(rows)

    def keys(self, where: Iterable[ColumnElement] = (), after: Optional[Tuple[str, str]] = None) -> Select:
        """(customer id, search name) of the matching rows in name order, from ``after`` on."""
        keyset = [] if after is None else [tuple_(self.name, self.customer_id) > tuple_(*after)]
        return (self.select(self.customer_id.label('customer_id'), self.name.label('search_name'),
                            where=[*where, *keyset])
                .order_by(self.name, self.customer_id))


class Few(NamedTuple):
    """A search's range that holds few customers (customer ids, tenant ids), found by its own
    index and sorted: how its rows are found (a ``select`` taking ``where``), their (name, id)
    columns, the range; ``own``: of a reseller's own rows (their primary key), else of customers."""

    found: Callable[..., Select]
    columns: Tuple[ColumnElement, ColumnElement]
    match: ColumnElement
    own: bool = False

    def ids(self) -> Select:
        """The range's customer ids, in no order (for the count)."""
        return self.found(self.columns[1].label('customer_id'), where=[self.match])


def names_walked(visible_to: Optional[str], conditions: List[ColumnElement], status: Optional[str],
                 others: List[ColumnElement]) -> Names:
    """The names walked for ``visible_to`` (None: the distributor): ``customers`` with every filter
    (``conditions``), or the reseller's rows with the ``status`` (checked) they repeat and the
    ``others`` filters looked up."""
    if visible_to is None:
        return Names(Customer.search_name, Customer.customer_id, None, tuple(conditions))
    return Names(CustomerAccount.search_name, CustomerAccount.customer_id,
                 required_text(visible_to, 'visible_to'), tuple(others), status)


def customer_list_queries(
    *,
    status: Optional[str],
    search: Optional[str],
    visible_to: Optional[str],
    customer_ids: Optional[Iterable[str]],
    limit: int,
    offset: int,
    after: Optional[Tuple[str, str]] = None,
    count_limit: int = COUNT_LIMIT,
    attention: Optional[str] = None,
    common_word: Callable[[str], bool] = lambda key: False,
) -> Optional[Tuple[Select, Select, Select, Optional[Select]]]:
    """The bounded count, the page, the full count (for an estimate) and, for a reseller, how
    many rows each of the count's ranges looked at (one row), of ``Store.list_customers``.

    The page query reads ``limit + 1`` rows (one more tells whether another page follows);
    ``after`` (the sort key of the last row seen) continues the order from there (keyset paging,
    which costs the same at any depth). The bounded count stops at ``count_limit + 1`` rows, so
    no page pays a count of a million. ``common_word(key)`` (see :func:`~.words.is_common_word`), asked
    once every argument has been checked, picks how the later-word matches of a search are found
    in name order. None when a filter matches nothing (an empty collection of ids): there is
    nothing to ask. A reseller's count looks at no more than ``WALK_LIMIT`` rows per range of its
    own (:meth:`Names.walked`); a range that looked at that many was cut.
    """
    others: List[ColumnElement] = []
    # The same conditions for the id and tenant ranges, the status as an expression no index
    # holds: those ranges hold few customers, and their own index must find them.
    narrow: List[ColumnElement] = []
    if status is not None:
        status = one_of(OVERAGE_STATUSES)(status, 'status')
        narrow.append(Customer.overage_status + '' == status)
    if attention is not None:
        others.extend(attention_filter(attention))
        narrow.extend(attention_filter(attention))
    term = (search or '').strip()
    if customer_ids is not None:
        wanted = id_set(customer_ids, 'customer_ids')
        if not wanted:
            return None
        others.append(Customer.customer_id.in_(wanted))
        narrow.append(Customer.customer_id.in_(wanted))
    # Every filter, on ``customers`` (for the ranges the customers' own indexes find).
    conditions = [*([] if status is None else [Customer.overage_status == status]), *others]
    names = names_walked(visible_to, conditions, status, others)
    walked: Optional[Select] = None
    # The customer-driven ranges (ids, tenants, rare words) check the reseller's scope per match,
    # by the primary key of its rows (an IN let SQLite read all of them and probe each customer).
    scope = [] if names.account_id is None else [
        select(CustomerAccount.customer_id)
        .where(CustomerAccount.account_id == names.account_id,
               CustomerAccount.customer_id == Customer.customer_id)
        .limit(1).scalar_subquery().is_not(None)]
    if term:
        key = search_key(term)
        # A range runs only where it can match: one that cannot hold the term would still make a
        # database walk every row of the status in name order looking for one.
        # The id and tenant ranges hold few customers: each found by its own index and sorted
        # (an order by an expression no index holds, or SQLite walks the status in name order).
        # A reseller's customer ids are a range of its own rows' primary key.

        def by_customer(*columns, where):
            return select(*columns).where(*narrow, *scope, *where)

        few: List[Few] = []
        if _MAY_BE_CUSTOMER_ID.match(term):
            own = names.account_id is not None
            few.append(Few(partial(names.select, narrow=True) if own else by_customer,
                           (names.name, names.customer_id),
                           prefix_match(names.customer_id, term.upper()), own))
        if _MAY_BE_TENANT_ID.match(term):
            few.append(Few(by_customer, (Customer.search_name, Customer.customer_id),
                           prefix_match(Customer.tenant_id, term.lower())))
        common = common_word(key)
        cut = offset + limit + 1

        def few_keys(one: Few) -> Select:
            name, customer_id = one.columns
            keyset = [] if after is None else [tuple_(name, customer_id) > tuple_(*after)]
            return (one.found(customer_id.label('customer_id'), name.label('search_name'),
                              where=[one.match, *keyset]).order_by(name + '', customer_id))

        branches = [
            names.keys([prefix_match(names.name, key)], after),
            *[few_keys(one) for one in few],
            word_walk(key, names, after) if common
            else word_match(key, [*conditions, *scope], after),
        ]
        keys = union(*[select(branch.limit(cut).subquery()) for branch in branches]).subquery()
        page = select(Customer).join(keys, Customer.customer_id == keys.c.customer_id)
        # The count too is the union of the ranges (each cut at the bound), never a scan; a
        # common word's on the same walk (a hash of all its rows costs more). A reseller's own
        # rows are cut at WALK_LIMIT.
        if names.account_id is None:
            ranges = [
                names.select(names.customer_id.label('customer_id'), where=[prefix_match(names.name, key)]),
                *[one.ids() for one in few],
                word_walk(key, names).with_only_columns(names.customer_id.label('customer_id'))
                if common else word_match(key, [*conditions, *scope], ordered=False),
            ]
        else:
            cut_ranges, walked = reseller_cuts(names, key, common, [one.match for one in few if one.own])
            ranges = [
                *cut_ranges,
                *[one.ids() for one in few if not one.own],
                *([] if common else [word_match(key, [*conditions, *scope], ordered=False)]),
            ]
        counted = union(*[select(one.limit(count_limit + 1).subquery()) for one in ranges])
        bounded = select(func.count()).select_from(
            select(counted.subquery()).limit(count_limit + 1).subquery(),
        )
    else:
        keys = names.keys(after=after).limit(limit + 1).offset(offset).subquery()
        page = select(Customer).join(keys, Customer.customer_id == keys.c.customer_id)
        offset = 0  # the walk above skipped it
        if names.account_id is None:
            counted_ids = names.select(names.customer_id)
        else:
            counted_ids, looked = names.walked([], cap=WALK_LIMIT)
            walked = select(looked.scalar_subquery())
        bounded = select(func.count()).select_from(counted_ids.limit(count_limit + 1).subquery())
    # Past the bound, the planner's estimate of this stands in for the distributor's unsearched
    # count (a searched or a reseller's page says "at least" instead: see Store.list_customers).
    full = select(func.count()).select_from(Customer).where(*conditions)
    order = (Customer.search_name, Customer.customer_id)
    return bounded, page.order_by(*order).limit(limit + 1).offset(offset), full, walked


def reseller_cuts(names: Names, key: str, common: bool,
                  by_id: List[ColumnElement]) -> Tuple[List[Select], Select]:
    """The count's ranges of a reseller's search that walk its own rows (the first word, the
    ``by_id`` ranges of its rows' primary key, a common later word), each cut at ``WALK_LIMIT``,
    and how many rows each looked at (one row)."""
    cuts = [names.walked([prefix_match(names.name, key)], cap=WALK_LIMIT)]
    cuts.extend(names.walked([match], cap=WALK_LIMIT, by_id=True, narrow=True) for match in by_id)
    if common:
        cuts.append(names.walked([contains(names.name, key)],
                                 [lambda customer_id: has_word(key, customer_id)], cap=WALK_LIMIT))
    return [ids for ids, _looked in cuts], select(*[looked.scalar_subquery() for _ids, looked in cuts])


def word_walk(key: str, names: Names, after: Optional[Tuple[str, str]] = None) -> Select:
    """The customers (id, search name) with a later word starting with ``key``, walking ``names``
    in order: for a common word, whose matches are too many to sort.

    Each row is tested first by a substring of its search name (a word starting with ``key``
    holds it; the test reads the index entry alone), and only then by its word rows (their
    primary key), so the look-ups are about the matches themselves. That look-up is a scalar
    subquery, which PostgreSQL runs row by row as written: an ``EXISTS`` it turns into a hash of
    every row of the word (40,000 for a word of 4% of a million customers) before the walk.
    """
    return names.keys([contains(names.name, key), has_word(key, names.customer_id)], after)


def read_page(
    session: Session, *, status: Optional[str], search: Optional[str], visible_to: Optional[str],
    customer_ids: Optional[Iterable[str]], attention: Optional[str], limit: int, offset: int,
    after: Optional[Tuple[str, str]], count_limit: int,
) -> Page[CustomerRecord]:
    """One page of the overview and its total, read in ``session`` (see ``Store.list_customers``);
    every argument is checked before the first query."""
    check_page(limit, offset)
    if after is not None:
        after = check_after(after)
        if offset:
            raise ValueError('after (a cursor) and offset do not combine')
    # A searched or a reseller's page counts each match with a look-up: a lower bound, and past
    # it "at least" (the planner's estimates of those queries were off tenfold).
    probed = bool(search_key(search)) or visible_to is not None
    if probed:
        count_limit = min(count_limit, PROBED_COUNT_LIMIT)
    queries = customer_list_queries(
        status=status, search=search, visible_to=visible_to, attention=attention,
        customer_ids=customer_ids, limit=limit, offset=offset, after=after, count_limit=count_limit,
        common_word=lambda key: is_common_word(session, key),
    )
    if queries is None:
        return Page(items=[], total=0, limit=limit, offset=offset)
    if session.get_bind().dialect.name == 'postgresql':
        # A page reads a few hundred index entries: starting parallel workers costs more.
        session.execute(text('SET LOCAL max_parallel_workers_per_gather = 0'))
        session.execute(text('SET LOCAL jit = off'))
    bounded, page, full, walked = queries
    # Whether each row's customer awaits a confirmation, in the page's own query (a probe of the
    # confirmations' primary key per row, not a second round trip).
    awaited = exists().where(PendingConfirmation.customer_id == Customer.customer_id).label('awaited')
    read = session.execute(page.add_columns(awaited)).all()
    rows = [row for row, _awaited in read]
    pending = frozenset(row.customer_id for row, waits in read[:limit] if waits)
    if after is None and limit and len(rows) <= limit and (rows or not offset):
        # The page holds the last match: the total is what it skipped and holds.
        total, total_is = offset + len(rows), 'exact'
    else:
        total, total_is = page_total(session, bounded, full, walked, count_limit=count_limit,
                                     probed=probed, shown=offset + len(rows) if rows else 0)
    next_after = (rows[limit - 1].search_name, rows[limit - 1].customer_id) \
        if limit and len(rows) > limit else None
    return Page(items=[customer_record(row) for row in rows[:limit]], total=total, limit=limit,
                offset=offset, total_is=total_is, next_after=next_after, pending=pending)


def page_total(session: Session, bounded: Select, full: Select, walked: Optional[Select], *,
               count_limit: int, probed: bool, shown: int) -> Tuple[int, str]:
    """(total, what it is) of a page that does not hold the last match: counted exactly up to
    ``count_limit``; past it, or when a reseller's range was cut, "at least" (never below the
    ``shown`` matches the page itself passed), or the distributor's planner estimate."""
    counted = int(session.scalar(bounded) or 0)
    # Whether a range was cut matters only within the bound: past it the answer is not exact anyway.
    cut = counted <= count_limit and walked is not None and \
        any(looked >= WALK_LIMIT for looked in session.execute(walked).one())
    if counted > count_limit or cut:
        if probed:
            return max(counted, shown), 'at_least'
        return estimated_count(session, full, at_least=max(counted, shown))
    return counted, 'exact'
