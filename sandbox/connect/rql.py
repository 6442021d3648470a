"""RQL as Connect's public API reads it, over plain JSON objects.

``connect-openapi-client`` puts everything in the query string: the filter built with ``R()``
(``and(eq(tiers.customer.id,TA-1),in(status,(active)))``), ``select(...)``, ``ordering(...)``,
and the ``limit``/``offset``/``search`` parameters; plain REST callers also write
``instance_id=PR-1``. :func:`parse_query` splits that string, hands the filter to ``py_rql``
(package ``lib-rql``, the parser CloudBlue publishes) and turns it into a predicate with Connect's
semantics, which ``py_rql``'s own evaluator lacks:

* a path through a list matches when *any* element matches (``params.id``, ``items.mpn``);
* ``ne``/``out`` are the negation of ``eq``/``in`` (no element equals);
* values compare as Connect's JSON holds them: ``25.0`` equals ``25``, ``true`` a boolean;
* ``like``/``ilike`` take ``*`` anywhere in the pattern; ``null()`` and ``empty()`` work.

A filter on a field the collection does not declare is refused (400), like an unparsable query:
a sandbox that silently ignored a filter would hide a bug the real API exposes.
"""
import functools
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import unquote

from lark.exceptions import VisitError
from py_rql import parse as parse_rql
from py_rql.constants import FilterLookups, FilterTypes
from py_rql.exceptions import RQLFilterError, RQLFilterLookupError
from py_rql.filter_cls import FilterClass
from py_rql.transformer import RQLToFunctionTransformer


DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_RESERVED_PARAMS = ('limit', 'offset', 'search')
_MISSING = object()


class RqlError(ValueError):
    """A query Connect would refuse with 400: the message says which part and why."""


@dataclass(frozen=True)
class Query:
    """One list call: what to keep, in which order, which page, and which fields to drop."""

    predicate: Optional[Callable[[Any], bool]] = None
    ordering: Tuple[str, ...] = ()
    select: Tuple[str, ...] = ()
    search: Optional[str] = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class Page:
    items: List[Dict[str, Any]]
    total: int
    offset: int

    @property
    def content_range(self) -> str:
        """Connect's ``Content-Range``: ``items first-last/total`` (``0-0`` for an empty page)."""
        if not self.items:
            return f'items 0-0/{self.total}'
        return f'items {self.offset}-{self.offset + len(self.items) - 1}/{self.total}'


@dataclass(frozen=True)
class Collection:
    """What one endpoint accepts: its filterable fields and the fields ``search=`` looks at."""

    filters: FrozenSet[str]
    search_fields: Tuple[str, ...] = ('id', 'name')
    _filter_class: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, filters: Iterable[str], search_fields: Sequence[str] = ('id', 'name')):
        names = frozenset(filters)
        return cls(names, tuple(search_fields), _ConnectFilters(names))

    def parse(self, raw_query: str) -> Query:
        return parse_query(raw_query, self)

    def predicate(self, rql: str) -> Callable[[Any], bool]:
        try:
            try:
                return self._filter_class.compile(rql)
            except VisitError as wrapped:  # lark wraps what the transformer raises
                raise wrapped.orig_exc from wrapped
        except RQLFilterLookupError as error:
            raise RqlError(_details(error, 'Unsupported filter.')) from error
        except RQLFilterError as error:
            raise RqlError(f'Invalid RQL query: {rql}') from error


# -- query string --------------------------------------------------------------------------------

def split_top_level(text: str, separator: str = '&') -> List[str]:
    """``text`` cut at ``separator`` outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for index, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in '"\'':
            quote = char
        elif char == '(':
            depth += 1
        elif char == ')':
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part for part in parts if part]


def _int_param(name: str, value: str, *, low: int, high: Optional[int] = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise RqlError(f'{name} must be an integer, not {value!r}.') from None
    if number < low or (high is not None and number > high):
        bound = f'between {low} and {high}' if high is not None else f'at least {low}'
        raise RqlError(f'{name} must be {bound}, not {number}.')
    return number


def _signed_props(term: str, keyword: str) -> Tuple[str, ...]:
    inner = term[len(keyword) + 1:-1]
    return tuple(prop.strip() for prop in inner.split(',') if prop.strip())


def parse_query(raw_query: str, collection: Collection) -> Query:
    """The :class:`Query` of a raw (still percent-encoded) query string."""
    filters: List[str] = []
    ordering: Tuple[str, ...] = ()
    select: Tuple[str, ...] = ()
    params: Dict[str, str] = {}
    for raw_term in split_top_level(raw_query or ''):
        # unquote, not unquote_plus: '+' is a timezone sign in RQL dates, never a space.
        term = unquote(raw_term).strip()
        name, sep, value = term.partition('=')
        if sep and name in _RESERVED_PARAMS:
            params[name] = value
        elif term.startswith('ordering(') and term.endswith(')'):
            ordering += _signed_props(term, 'ordering')
        elif term.startswith('select(') and term.endswith(')'):
            select += _signed_props(term, 'select')
        elif term:
            filters.append(term)
    for prop in ordering:
        if prop.lstrip('+-') not in collection.filters:
            raise RqlError(f'Ordering by {prop.lstrip("+-")} is not supported.')
    predicate = None
    if filters:
        rql = filters[0] if len(filters) == 1 else 'and({})'.format(','.join(filters))
        predicate = collection.predicate(rql)
    return Query(
        predicate=predicate,
        ordering=ordering,
        select=select,
        search=params.get('search') or None,
        limit=_int_param('limit', params.get('limit', str(DEFAULT_LIMIT)), low=0, high=MAX_LIMIT),
        offset=_int_param('offset', params.get('offset', '0'), low=0),
    )


# -- evaluation ----------------------------------------------------------------------------------

def leaves(obj: Any, path: str) -> List[Any]:
    """Every value at ``path`` (dotted), walking into lists; ``[]`` when the path is absent."""
    current = [obj]
    for key in path.split('.'):
        found = []
        for node in current:
            for element in (node if isinstance(node, list) else [node]):
                if isinstance(element, dict) and key in element:
                    value = element[key]
                    found.extend(value if isinstance(value, list) else [value])
        current = found
    return current


def _number(value: Any) -> Optional[Decimal]:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _equal(leaf: Any, wanted: Any) -> bool:
    if wanted is None:
        return leaf is None
    if wanted == '':
        return leaf in (None, '') or leaf == []
    if isinstance(leaf, bool):
        return str(wanted).lower() == ('true' if leaf else 'false')
    if isinstance(leaf, (int, float)):
        number = _number(wanted)
        return number is not None and _number(leaf) == number
    return leaf is not None and str(leaf) == str(wanted)


def _order(leaf: Any, wanted: Any, compare: Callable[[Any, Any], bool]) -> bool:
    if leaf is None or wanted is None:
        return False
    left, right = _number(leaf), _number(wanted)
    if isinstance(leaf, (int, float)) and left is not None and right is not None:
        return compare(left, right)
    return compare(str(leaf), str(wanted))


@functools.lru_cache(maxsize=256)
def _like_pattern(pattern: str, ignore_case: bool) -> 're.Pattern[str]':
    body = '.*'.join(re.escape(part) for part in pattern.split('*'))
    return re.compile(f'^{body}$', re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _values(obj: Any, prop: str) -> List[Any]:
    found = leaves(obj, prop)
    return found or [None]


def _eq(obj, prop, wanted):
    return any(_equal(leaf, wanted) for leaf in _values(obj, prop))


def _in(obj, prop, wanted):
    return any(_equal(leaf, option) for leaf in _values(obj, prop) for option in wanted)


def _like(obj, prop, wanted, ignore_case=False):
    if wanted is None:
        return False
    pattern = _like_pattern(str(wanted), ignore_case)
    return any(leaf is not None and pattern.match(str(leaf)) for leaf in _values(obj, prop))


_COMPARE = {
    'gt': lambda a, b: a > b,
    'ge': lambda a, b: a >= b,
    'lt': lambda a, b: a < b,
    'le': lambda a, b: a <= b,
}


def _predicate(prop: str, operation: str, wanted: Any) -> Callable[[Any], bool]:
    if operation == 'eq':
        return lambda obj: _eq(obj, prop, wanted)
    if operation == 'ne':
        return lambda obj: not _eq(obj, prop, wanted)
    if operation == 'in':
        return lambda obj: _in(obj, prop, wanted)
    if operation == 'out':
        return lambda obj: not _in(obj, prop, wanted)
    if operation in ('like', 'ilike'):
        return lambda obj: _like(obj, prop, wanted, ignore_case=operation == 'ilike')
    if operation in _COMPARE:
        compare = _COMPARE[operation]
        return lambda obj: any(_order(leaf, wanted, compare) for leaf in _values(obj, prop))
    raise RQLFilterLookupError(details={'error': f'Operator {operation} is not supported.'})


class _ConnectTransformer(RQLToFunctionTransformer):
    """py_rql's transformer with Connect's comparison semantics (see the module docstring)."""

    def _get_func_for_lookup(self, prop, operation, val):
        self.filter_cls.validate_lookup(prop, operation)
        return _predicate(prop, operation, self.filter_cls.cast_value(prop, val))


class _ConnectFilters(FilterClass):
    """Every declared field is a string filter with every string lookup; casts stay py_rql's."""

    def __init__(self, names: FrozenSet[str]):
        self.FILTERS = [{'filter': name, 'type': FilterTypes.STRING} for name in sorted(names)]
        self._lock = threading.Lock()  # the LFU cache is not thread-safe
        super().__init__()

    def validate_lookup(self, prop, lookup):
        if prop not in self._filters:
            raise RQLFilterLookupError(details={'error': f'Filtering by {prop} is not supported.'})
        if lookup not in FilterLookups.string() | FilterLookups.numeric():
            raise RQLFilterLookupError(details={'error': f'Lookup {lookup} is not supported.'})

    def compile(self, rql: str) -> Callable[[Any], bool]:
        with self._lock:
            if rql not in self._cache:
                self._cache[rql] = _ConnectTransformer(self).transform(parse_rql(rql))
            return self._cache[rql]


def _details(error: RQLFilterError, default: str) -> str:
    details = error.details if isinstance(error.details, dict) else {}
    return str(details.get('error') or default)


def _sort_key(value: Any) -> Tuple[int, Any]:
    """Numbers by value, before everything else, which sorts as text."""
    number = _number(value)
    if number is not None and not isinstance(value, str):
        return (0, number)
    return (1, str(value))


def _sorted(objects: List[Dict[str, Any]], name: str, *, descending: bool) -> List[Dict[str, Any]]:
    """A stable sort on one field, either way, with objects lacking the field always last."""
    first = lambda obj: next(iter(leaves(obj, name)), None)  # noqa: E731
    present = [obj for obj in objects if first(obj) is not None]
    missing = [obj for obj in objects if first(obj) is None]
    return sorted(present, key=lambda obj: _sort_key(first(obj)), reverse=descending) + missing


def _without(obj: Dict[str, Any], fields: Iterable[str]) -> Dict[str, Any]:
    dropped = {name[1:] for name in fields if name.startswith('-')}
    return {key: value for key, value in obj.items() if key not in dropped} if dropped else obj


def run(objects: Iterable[Dict[str, Any]], query: Query, collection: Collection) -> Page:
    """Filter, search, order and cut one page, as Connect does for a list call."""
    selected = [obj for obj in objects if query.predicate is None or query.predicate(obj)]
    if query.search:
        needle = query.search.lower()
        selected = [
            obj for obj in selected
            if any(needle in str(leaf).lower()
                   for name in collection.search_fields for leaf in leaves(obj, name)
                   if leaf is not None)
        ]
    for prop in reversed(query.ordering):
        selected = _sorted(selected, prop.lstrip('+-'), descending=prop.startswith('-'))
    window = selected[query.offset:query.offset + query.limit] if query.limit else []
    return Page([_without(obj, query.select) for obj in window], len(selected), query.offset)
