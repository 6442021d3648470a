"""The Connect simulator's RQL: what connect-openapi-client sends, evaluated as Connect does."""
import pytest
from connect.client import R

from sandbox.connect.rql import MAX_LIMIT, Collection, RqlError, leaves, run, split_top_level


ASSETS = Collection.of(
    ['id', 'status', 'name', 'tiers.customer.id', 'params.id', 'params.value', 'items.quantity',
     'items.mpn', 'active', 'created'],
    search_fields=('id', 'name'),
)

OBJECTS = [
    {'id': 'AS-1', 'status': 'active', 'name': 'Teams Phone OVG', 'active': True,
     'created': '2024-01-02T00:00:00+00:00', 'tiers': {'customer': {'id': 'TA-1'}},
     'params': [{'id': 'ms_customer_id', 'value': 'tenant one'}],
     'items': [{'quantity': 25.0, 'mpn': 'CFQ:0001_P1M'}, {'quantity': 1.0, 'mpn': 'X'}]},
    {'id': 'AS-2', 'status': 'terminated', 'name': 'Office E3', 'active': False,
     'created': '2024-01-01T00:00:00+00:00', 'tiers': {'customer': {'id': 'TA-2'}},
     'params': [], 'items': [{'quantity': 3.0, 'mpn': 'Y'}]},
    {'id': 'AS-3', 'status': 'processing', 'name': None,
     'tiers': {'customer': {'id': 'TA-1'}}, 'params': [{'id': 'other', 'value': ''}], 'items': []},
]


def ids(query: str):
    return [obj['id'] for obj in run(OBJECTS, ASSETS.parse(query), ASSETS).items]


@pytest.mark.parametrize(('rql', 'expected'), [
    (R().tiers.customer.id.eq('TA-1') & R().status.in_(('active', 'processing')), ['AS-1', 'AS-3']),
    (R().tiers.customer.id.eq('TA-1'), ['AS-1', 'AS-3']),
    (R(status='active'), ['AS-1']),
    (R(status__in=('active', 'terminated')), ['AS-1', 'AS-2']),
    (~R().status.eq('active'), ['AS-2', 'AS-3']),
    (R().status.ne('active'), ['AS-2', 'AS-3']),
    (R().status.out(['active', 'processing']), ['AS-2']),
    (R().status.eq('active') | R().status.eq('terminated'), ['AS-1', 'AS-2']),
    (R().name.ilike('*ovg*'), ['AS-1']),
    (R().name.like('*OVG'), ['AS-1']),
    (R().name.like('Teams*OVG'), ['AS-1']),
    (R().name.like('*ovg*'), []),
    (R().name.null(True), ['AS-3']),
    (R().name.null(False), ['AS-1', 'AS-2']),
    (R().params.id.eq('ms_customer_id') & R().params.value.eq('tenant one'), ['AS-1']),
    (R().params.value.empty(True), ['AS-2', 'AS-3']),
    (R().items.quantity.eq(25), ['AS-1']),
    (R().items.quantity.gt(2), ['AS-1', 'AS-2']),
    (R().items.quantity.le(1), ['AS-1']),
    (R().items.mpn.eq('CFQ:0001_P1M'), ['AS-1']),
    (R().active.eq(True), ['AS-1']),
    (R().active.eq(False), ['AS-2']),
    (R().created.ge('2024-01-02T00:00:00+00:00'), ['AS-1']),
])
def test_filters_built_with_the_client_select_what_connect_would(rql, expected):
    assert ids(str(rql)) == expected


def test_plain_rest_parameters_and_several_terms_are_combined_with_and():
    assert ids('status=active') == ['AS-1']
    assert ids('tiers.customer.id=TA-1&status=processing') == ['AS-3']


def test_values_are_percent_decoded_but_a_plus_stays_a_plus():
    assert ids('eq(params.value,tenant%20one)') == ['AS-1']
    assert ids('eq(created,2024-01-02T00:00:00+00:00)') == ['AS-1']


def test_ordering_sorts_either_way_and_keeps_missing_values_last():
    assert ids('ordering(-name)') == ['AS-1', 'AS-2', 'AS-3']
    assert ids('ordering(name)') == ['AS-2', 'AS-1', 'AS-3']
    assert ids('ordering(-created)') == ['AS-1', 'AS-2', 'AS-3']


def test_search_looks_at_the_collections_search_fields_without_case():
    assert ids('search=office') == ['AS-2']
    assert ids('search=as-3') == ['AS-3']


def test_select_minus_drops_fields_from_the_answer():
    page = run(OBJECTS, ASSETS.parse('select(-items,-params)&eq(id,AS-1)'), ASSETS)
    assert set(page.items[0]) == {'id', 'status', 'name', 'active', 'created', 'tiers'}


def test_paging_cuts_the_window_and_reports_connects_content_range():
    page = run(OBJECTS, ASSETS.parse('limit=2&offset=1'), ASSETS)
    assert [obj['id'] for obj in page.items] == ['AS-2', 'AS-3']
    assert (page.total, page.content_range) == (3, 'items 1-2/3')
    empty = run(OBJECTS, ASSETS.parse('limit=0'), ASSETS)
    assert (empty.items, empty.content_range) == ([], 'items 0-0/3')
    past = run(OBJECTS, ASSETS.parse('offset=10'), ASSETS)
    assert (past.items, past.total) == ([], 3)


@pytest.mark.parametrize(('query', 'message'), [
    ('eq(unknown,1)', 'Filtering by unknown is not supported.'),
    ('and(eq(id,AS-1),like(tiers.tier1.id,x))', 'Filtering by tiers.tier1.id is not supported.'),
    ('eq(id', 'Invalid RQL query: eq(id'),
    ('limit=ten', "limit must be an integer, not 'ten'."),
    ('limit=-1', f'limit must be between 0 and {MAX_LIMIT}, not -1.'),
    (f'limit={MAX_LIMIT + 1}', f'limit must be between 0 and {MAX_LIMIT}, not {MAX_LIMIT + 1}.'),
    ('offset=-5', 'offset must be at least 0, not -5.'),
    ('ordering(-unknown)', 'Ordering by unknown is not supported.'),
])
def test_queries_connect_refuses_raise_an_error_naming_the_problem(query, message):
    with pytest.raises(RqlError) as raised:
        ASSETS.parse(query)
    assert str(raised.value) == message


def test_split_top_level_ignores_separators_inside_parentheses_and_quotes():
    assert split_top_level('and(eq(a,1),eq(b,2))&limit=1') == ['and(eq(a,1),eq(b,2))', 'limit=1']
    assert split_top_level('eq(a,"x&y")&b=2') == ['eq(a,"x&y")', 'b=2']


def test_leaves_walk_into_lists_and_nested_objects():
    assert leaves(OBJECTS[0], 'items.quantity') == [25.0, 1.0]
    assert leaves(OBJECTS[0], 'tiers.customer.id') == ['TA-1']
    assert leaves(OBJECTS[0], 'tiers.tier2.id') == []
