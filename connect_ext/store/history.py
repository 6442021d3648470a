"""The activity feed across customers: audit entries of many customers, newest first, keyset-paged.

``GET /history`` reads it (:mod:`connect_ext.api.views.history`). A page is read one of two ways,
both bounded by the page, never by the size of the trail:

* **customer by customer**, when the scope and filters leave at most :data:`FEW_CUSTOMERS` customers
  (a customer, one id, a name few customers have, a small reseller): each one's newest entries from
  ``ix_audit_entries_customer_id_at`` (on PostgreSQL a ``LATERAL`` read per customer over one array
  parameter), merged and cut at the page;
* **the walk** otherwise: the whole trail in ``(at, id)`` order from ``ix_audit_entries_at`` — or,
  for one outcome, ``ix_audit_entries_outcome_at`` (migration 0010) — backwards from the cursor,
  keeping the entries of the scope (the customers Connect showed a reseller, ``customer_accounts``;
  the customers a name matches), which are then many enough to fill a page soon. On PostgreSQL a
  reseller's customers (up to :data:`HASHED_CUSTOMERS`) are hashed once for the walk rather than
  looked up in ``customer_accounts`` for each entry it meets (some 5,000 for a 1 % reseller).

A name matches the start of any word of the customer's name, as the overview searches
(:mod:`.words`). A cursor is the ``(at, id)`` of the last entry of a page: the next page starts
strictly after it, so entries written meanwhile (newer) never shift a page, and a deep page costs
what the first one does. Each entry comes with its customer's name (joined from ``customers``) and
the names of the Azure subscriptions it names, from what the audit recorded (``details.names``,
``details.created``); a confirmation names its change's, read by id.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from sqlalchemy import Select, String, bindparam, exists, func, literal, or_, select, true, tuple_, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from connect_ext.store.fields import required_text
from connect_ext.store.models import (
    AUDIT_OUTCOMES,
    AuditEntry,
    Customer,
    CustomerAccount,
    CustomerWord,
    ensure_utc,
    search_key,
)
from connect_ext.store.queries import MAX_PAGE_SIZE, id_set, later_word_ids, prefix_match
from connect_ext.store.records import AuditRecord


# A name is matched on words of at most this many characters (longer adds nothing).
MAX_NAME_LENGTH = 100
# A scope or filter of at most this many customers is read customer by customer (each one's newest
# entries from ``ix_audit_entries_customer_id_at``); a wider one by walking the whole trail in time
# order, keeping its customers' entries (they are then dense enough to fill a page quickly).
FEW_CUSTOMERS = 2000
# PostgreSQL: a reseller's walk hashes the customers Connect showed it when they are at most this
# many (the hash costs about what 1,500 key lookups do; a reseller that sees more has entries
# dense enough that the walk meets few others).
HASHED_CUSTOMERS = 30_000


@dataclass(frozen=True)
class FeedEntry:
    """One entry of the feed: the audit entry, its customer's name, the Azure subscriptions' names."""

    entry: AuditRecord
    customer_name: Optional[str]
    # Azure subscription id -> its name, as the audit knew it when it wrote the entry.
    names: Mapping[str, str]


@dataclass(frozen=True)
class FeedPage:
    items: Sequence[FeedEntry]
    # The (at, id) after which the next page starts; None on the last page.
    next_after: Optional[Tuple[datetime, int]]


def _name_matches(key: str, cap: int) -> Select:
    """The ids of at most ``cap`` customers a name matches: one index range per kind of word."""
    first = select(Customer.customer_id).where(prefix_match(Customer.search_name, key)).limit(cap)
    later = later_word_ids(key).limit(cap)
    both = union(select(first.subquery()), select(later.subquery())).subquery()
    return select(both.c.customer_id).limit(cap)


def _names_of(details: Any) -> Dict[str, str]:
    """The Azure subscription names an entry's details recorded (``names``, ``created``)."""
    if not isinstance(details, dict):
        return {}
    names: Dict[str, str] = {}
    recorded = details.get('names')
    if isinstance(recorded, dict):
        names.update({key: value for key, value in recorded.items()
                      if isinstance(key, str) and isinstance(value, str) and value})
    created = details.get('created')
    if isinstance(created, dict) and isinstance(created.get('azure_subscription_id'), str) \
            and isinstance(created.get('name'), str) and created['name']:
        names[created['azure_subscription_id']] = created['name']
    return names


def _confirmed_id(details: Any) -> Optional[int]:
    value = details.get('confirms') if isinstance(details, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class History:
    """The feed's reads (exposed as ``Store.history``)."""

    def __init__(self, store) -> None:
        self._store = store

    def page(
        self,
        *,
        limit: int = 50,
        after: Optional[Tuple[datetime, int]] = None,
        customer_ids: Optional[Iterable[str]] = None,
        visible_to: Optional[str] = None,
        customer: Optional[Tuple[Optional[str], Optional[str]]] = None,
        outcome: Optional[str] = None,
        since: Optional[datetime] = None,
    ) -> FeedPage:
        """One page of the feed, newest first.

        Scope (as :meth:`Store.list_customers`): ``customer_ids`` keeps to those customers,
        ``visible_to`` to those Connect showed that account. Filters: ``customer`` is ``(id,
        name)`` — entries of the customer with that id, or of customers with a word of their name
        starting with ``name`` (either may be None, not both); ``outcome`` one audit outcome;
        ``since`` entries at or after that time. ``after`` is the previous page's ``next_after``.
        """
        checked = self._conditions(customer_ids, visible_to, customer, outcome, since, after)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f'limit must be an integer from 1 to {MAX_PAGE_SIZE}, not {limit!r}')
        if checked is None:
            return FeedPage(items=[], next_after=None)
        scopes, conditions = checked
        with self._store.session(write=False) as session:
            few, used = _few_customers(session, customer_ids, visible_to, customer)
            if few is not None and not few:
                return FeedPage(items=[], next_after=None)
            # What the few customers already guarantee is not asked again of every entry.
            walked_name = None
            if few is None and customer is not None and customer[1] is not None \
                    and session.get_bind().dialect.name == 'postgresql':
                walked_name = customer  # asked of each entry the walk meets (see _page_query)
                scopes.pop('customer')
            if few is None and 'visible_to' in scopes and 'visible_to' not in used \
                    and session.get_bind().dialect.name == 'postgresql':
                hashed = _hashed_account_scope(session, visible_to.strip())
                if hashed is not None:
                    scopes['visible_to'] = hashed
            conditions += [condition for name, condition in scopes.items() if name not in used]
            rows = session.execute(_page_query(session, conditions, few, limit, walked_name)).all()
            rows, more = rows[:limit], len(rows) > limit
            records = [(_record(row), row.customer_name) for row in rows]
            confirmed = self._confirmed_names(session, [record for record, _ in records])
        items = []
        for record, name in records:
            names = dict(confirmed.get(_confirmed_id(record.details), {}))
            names.update(_names_of(record.details))
            items.append(FeedEntry(entry=record, customer_name=name or None, names=names))
        last = records[-1][0] if more else None
        return FeedPage(items=items, next_after=(last.at, last.id) if last else None)

    @staticmethod
    def _conditions(customer_ids, visible_to, customer, outcome, since, after):
        """The WHERE of a page, every argument checked first: (the conditions on whose entries, by
        the argument they come from; those on the entries themselves); None: nothing can match."""
        scopes: Dict[str, ColumnElement] = {}
        conditions: List[ColumnElement] = []
        if customer_ids is not None:
            wanted = id_set(customer_ids, 'customer_ids')
            if not wanted:
                return None
            scopes['customer_ids'] = AuditEntry.customer_id.in_(wanted)
        if visible_to is not None:
            account_id = required_text(visible_to, 'visible_to')
            # A key lookup per entry the walk meets (see _customer_condition).
            scopes['visible_to'] = exists().where(
                CustomerAccount.account_id == account_id,
                CustomerAccount.customer_id == AuditEntry.customer_id,
            )
        if customer is not None:
            scopes['customer'] = _customer_condition(*customer)
        if outcome is not None:
            if outcome not in AUDIT_OUTCOMES:
                raise ValueError(f'outcome must be one of {sorted(AUDIT_OUTCOMES)}, not {outcome!r}')
            conditions.append(AuditEntry.outcome == outcome)
        if since is not None:
            conditions.append(AuditEntry.at >= ensure_utc(since, 'since'))
        if after is not None:
            at, entry_id = after
            if isinstance(entry_id, bool) or not isinstance(entry_id, int):
                raise TypeError('after must be (datetime, int)')
            conditions.append(
                tuple_(AuditEntry.at, AuditEntry.id) < tuple_(
                    ensure_utc(at, 'after'), entry_id, types=[AuditEntry.at.type, AuditEntry.id.type],
                ),
            )
        return scopes, conditions

    @staticmethod
    def _confirmed_names(session, records: List[AuditRecord]) -> Dict[int, Dict[str, str]]:
        """The names recorded by the changes that entries of the page confirm (one read by id)."""
        on_page = {record.id: record for record in records}
        wanted = {_confirmed_id(record.details) for record in records} - {None}
        found = {entry_id: _names_of(on_page[entry_id].details)
                 for entry_id in wanted if entry_id in on_page}
        missing = sorted(wanted - set(found))
        if missing:
            for entry_id, details in session.execute(
                    select(AuditEntry.id, AuditEntry.details).where(AuditEntry.id.in_(missing))):
                found[entry_id] = _names_of(details)
        return found


_NEWEST_FIRST = (AuditEntry.at.desc(), AuditEntry.id.desc())
_ENTRY_COLUMNS = tuple(getattr(AuditEntry, name) for name in AuditRecord.__dataclass_fields__)


def _record(row) -> AuditRecord:
    return AuditRecord(*row[:len(_ENTRY_COLUMNS)])


def _few_customers(session, customer_ids, visible_to, customer) -> Tuple[Optional[Set[str]], Set[str]]:
    """(the customers a page can be read customer by customer — at most :data:`FEW_CUSTOMERS`, the
    intersection of every argument that leaves that few, or None when none does; those arguments)."""
    sets: Dict[str, Set[str]] = {}
    if customer_ids is not None:
        sets['customer_ids'] = id_set(customer_ids, 'customer_ids')
    if customer is not None:
        customer_id, name = customer
        matched = {customer_id.strip()} if customer_id else set()
        if name is not None:
            matched |= set(session.scalars(_name_matches(search_key(name), FEW_CUSTOMERS + 1)))
        sets['customer'] = matched
    if visible_to is not None:
        sets['visible_to'] = set(session.scalars(
            select(CustomerAccount.customer_id)
            .where(CustomerAccount.account_id == visible_to.strip()).limit(FEW_CUSTOMERS + 1),
        ))
    few = {name: ids for name, ids in sets.items() if len(ids) <= FEW_CUSTOMERS}
    if not few:
        return None, set()
    return set.intersection(*few.values()), set(few)


def _hashed_account_scope(session, account_id: str) -> Optional[ColumnElement]:
    """PostgreSQL's walk for an account that Connect showed more customers than a page is read
    customer by customer, but at most :data:`HASHED_CUSTOMERS`: the account's customers hashed
    once (a hashed SubPlan), each entry the walk meets then kept or not by a hash probe — not a
    key lookup in ``customer_accounts`` per entry, which a 1 % reseller pays some 5,000 times a
    page. None: more customers than that (their entries are dense: the lookups are few)."""
    shown = select(CustomerAccount.customer_id).where(CustomerAccount.account_id == account_id)
    count = session.scalar(select(func.count()).select_from(
        shown.limit(HASHED_CUSTOMERS + 1).subquery()))
    if count > HASHED_CUSTOMERS:
        return None
    # Not a top-level IN, which the planner would turn into a join (a key lookup per entry
    # again): within IS TRUE the IN stays a SubPlan, hashed because the account's ids fit memory.
    return AuditEntry.customer_id.in_(shown).is_(true())


def _page_query(session, conditions: List[ColumnElement], few: Optional[Set[str]], limit: int,
                walked_name: Optional[Tuple[Optional[str], str]] = None):
    """The page's statement: a walk of the trail in time order (``few`` None), else the newest
    entries of each of the ``few`` customers, merged (PostgreSQL: a LATERAL read per customer;
    SQLite: the customer index per id, then the sort of the ids it holds), then the rows of the
    page's entries alone.

    ``walked_name`` (PostgreSQL's walk): the customer filter ``(id, name)`` checked on each entry
    the walk meets — the joined customer's name, and one key lookup of its later words — since
    PostgreSQL would otherwise hash every customer the name matches before reading the page.
    """
    wanted = list(conditions)
    if few is not None and session.get_bind().dialect.name == 'postgresql':
        # One array parameter (not a VALUES list): the statement compiles once and is cached.
        ids = func.unnest(
            bindparam('few_customer_ids', sorted(few), type_=postgresql.ARRAY(String())),
        ).table_valued('customer_id').render_derived(name='wanted')
        newest = (
            select(AuditEntry.id, AuditEntry.at)
            .where(AuditEntry.customer_id == ids.c.customer_id, *conditions)
            .order_by(*_NEWEST_FIRST).limit(limit + 1).lateral('newest')
        )
        top = (
            select(newest.c.id).select_from(ids).join(newest, true())
            .order_by(newest.c.at.desc(), newest.c.id.desc()).limit(limit + 1)
        )
        wanted = [AuditEntry.id.in_(top)]
    elif few is not None:
        # The page's ids first, from the customer index (it holds at and id), then the rows and
        # names of those alone — not of every entry of the few customers before the sort.
        top = (
            select(AuditEntry.id).where(AuditEntry.customer_id.in_(sorted(few)), *conditions)
            .order_by(*_NEWEST_FIRST).limit(limit + 1)
        )
        wanted = [AuditEntry.id.in_(top)]
    # The table's columns, not ORM objects: a page's rows become records without an identity map.
    query = select(*_ENTRY_COLUMNS, Customer.name.label('customer_name')).outerjoin(
        Customer, Customer.customer_id == AuditEntry.customer_id)
    if walked_name is not None:
        customer_id, name = walked_name
        key = search_key(name)
        later = (
            select(literal(1).label('hit'))
            .where(CustomerWord.customer_id == AuditEntry.customer_id, prefix_match(CustomerWord.word, key))
            .limit(1).lateral('later_word')
        )
        query = query.outerjoin(later, true())
        matches = [prefix_match(Customer.search_name, key), later.c.hit.isnot(None)]
        if customer_id is not None:
            matches.append(AuditEntry.customer_id == customer_id)
        wanted.append(or_(*matches))
    return query.where(*wanted).order_by(*_NEWEST_FIRST).limit(limit + 1)


def _customer_condition(customer_id: Optional[str], name: Optional[str]) -> ColumnElement:
    parts: List[ColumnElement] = []
    if customer_id is not None:
        parts.append(AuditEntry.customer_id == required_text(customer_id, 'customer_id'))
    if name is not None:
        if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
            raise ValueError(f'name must be text of at most {MAX_NAME_LENGTH} characters')
        key = search_key(name)
        if not key:
            raise ValueError('name must have a letter or a digit')
        # Asked of each entry the walk meets (a key lookup each), not materialised first: a name
        # that many customers share would otherwise cost a read of all of them before the page.
        named = aliased(Customer, name='named')  # not the page's join of customers
        parts.append(exists().where(
            named.customer_id == AuditEntry.customer_id,
            prefix_match(named.search_name, key),
        ))
        parts.append(exists().where(
            CustomerWord.customer_id == AuditEntry.customer_id,
            prefix_match(CustomerWord.word, key),
        ))
    if not parts:
        raise ValueError('customer needs an id or a name')
    return or_(*parts) if len(parts) > 1 else parts[0]
