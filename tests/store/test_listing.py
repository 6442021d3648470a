"""The customer overview: status and attention filters, word search, paging with totals, and scoping."""
import pytest

from connect_ext.store import Store
from connect_ext.store.queries import MAX_PAGE_SIZE
from testkit.databases import BACKENDS, migrated_database


# id, name, tenant, status, tier1, tier2
CUSTOMERS = [
    ('TA-0001-0001', 'alpha Telecom', 'aa11aa11-0000-0000-0000-000000000001', 'enabled',
     'TA-RES-1', None),
    ('TA-0002-0002', 'Beta Calls', 'bb22bb22-0000-0000-0000-000000000002', 'disabled',
     'TA-DIST', 'TA-RES-1'),
    ('TA-0003-0003', 'beta two', 'BB22CC33-0000-0000-0000-000000000003', 'enabled',
     'TA-RES-2', None),
    ('TA-0004-0004', 'Ärger GmbH', None, 'unknown', 'TA-RES-2', None),
    ('TA-0005-0005', 'Zulu Voice', 'ee55ee55-0000-0000-0000-000000000005', 'other_partner',
     'TA-RES-3', None),
    ('TA-0006-0006', '100% Telecom', None, 'enabled', 'TA-RES-3', None),
    ('TA-0007-0007', 'Beta Calls', None, 'enabled', 'TA-RES-3', None),
]


@pytest.fixture(scope='module', params=BACKENDS)
def seeded(request, tmp_path_factory):
    """A store holding CUSTOMERS, shared by this module's tests, which only read."""
    directory = tmp_path_factory.mktemp('listing')
    with migrated_database(request.param, directory, request) as url:
        store = Store(url)
        try:
            for customer_id, name, tenant, status, tier1, tier2 in CUSTOMERS:
                store.upsert_customer(
                    customer_id, name=name, tenant_id=tenant, overage_status=status,
                    tier1_id=tier1, tier2_id=tier2,
                )
            # What Connect showed each reseller account: the tier chains' resellers, here.
            for account, tier in (('PA-RES-1', 'TA-RES-1'), ('PA-RES-2', 'TA-RES-2')):
                store.record_seen(account, [row[0] for row in CUSTOMERS if tier in row[4:]])
            store.record_seen('PA-RES-2', ['TA-0005-0005', 'TA-9999-UNRECORDED'])
            yield store
        finally:
            store.close()


def _ids(page):
    return [customer.customer_id for customer in page.items]


def test_customers_are_ordered_by_name_ignoring_case_then_by_id(seeded):
    page = seeded.list_customers()

    assert _ids(page) == [
        'TA-0006-0006', 'TA-0001-0001', 'TA-0002-0002', 'TA-0007-0007', 'TA-0003-0003',
        'TA-0005-0005', 'TA-0004-0004',
    ]
    assert (page.total, page.limit, page.offset) == (7, 50, 0)


def test_an_empty_store_lists_nothing(store):
    page = store.list_customers(search='x', status='enabled')

    assert (page.items, page.total) == ([], 0)


@pytest.mark.parametrize(('status', 'expected'), [
    ('enabled', ['TA-0006-0006', 'TA-0001-0001', 'TA-0007-0007', 'TA-0003-0003']),
    ('disabled', ['TA-0002-0002']),
    ('other_partner', ['TA-0005-0005']),
    ('unknown', ['TA-0004-0004']),
])
def test_a_status_keeps_only_its_customers(seeded, status, expected):
    page = seeded.list_customers(status=status)

    assert _ids(page) == expected
    assert page.total == len(expected)


def test_an_unknown_status_is_refused(seeded):
    with pytest.raises(ValueError, match='status'):
        seeded.list_customers(status='on')


@pytest.mark.parametrize(('search', 'expected'), [
    ('BETA', ['TA-0002-0002', 'TA-0007-0007', 'TA-0003-0003']),
    ('beta  t', ['TA-0003-0003']),
    ('ärg', ['TA-0004-0004']),
    ('ÄRGER', ['TA-0004-0004']),
    ('ta-0005', ['TA-0005-0005']),
    ('TA-0001-0001', ['TA-0001-0001']),
    ('BB22', ['TA-0002-0002', 'TA-0003-0003']),
    ('ee55ee55-0000', ['TA-0005-0005']),
    ('100%', ['TA-0006-0006']),
    ('%', []),
    ('_', []),
    # The start of any word of the name (issue 19 item 8), not the inside of one.
    ('telecom', ['TA-0006-0006', 'TA-0001-0001']),
    ('TELE', ['TA-0006-0006', 'TA-0001-0001']),
    ('calls', ['TA-0002-0002', 'TA-0007-0007']),
    ('Two', ['TA-0003-0003']),
    ('gmbh', ['TA-0004-0004']),
    ('lecom', []),
    ('oice', []),
    ('calls beta', []),
    ('zz', []),
])
def test_search_matches_the_start_of_any_word_of_the_name_or_a_prefix_of_an_id_in_any_case(
    seeded, search, expected,
):
    page = seeded.list_customers(search=search)

    assert _ids(page) == expected
    assert page.total == len(expected)


@pytest.mark.parametrize('search', [None, '', '   '])
def test_a_blank_search_filters_nothing(seeded, search):
    assert seeded.list_customers(search=search).total == len(CUSTOMERS)


def test_search_and_status_combine(seeded):
    page = seeded.list_customers(search='beta', status='enabled')

    assert _ids(page) == ['TA-0007-0007', 'TA-0003-0003']


def test_pages_cut_the_same_order_and_always_report_the_full_total(seeded):
    everything = _ids(seeded.list_customers())

    pages = [seeded.list_customers(limit=3, offset=offset) for offset in (0, 3, 6)]

    assert [_ids(page) for page in pages] == [everything[0:3], everything[3:6], everything[6:]]
    assert {page.total for page in pages} == {len(CUSTOMERS)}
    beyond = seeded.list_customers(limit=3, offset=50)
    assert (beyond.items, beyond.total) == ([], len(CUSTOMERS))


def test_a_zero_limit_counts_without_items(seeded):
    page = seeded.list_customers(limit=0, status='enabled')

    assert (page.items, page.total) == ([], 4)


@pytest.mark.parametrize(('limit', 'offset'), [
    (-1, 0), (MAX_PAGE_SIZE + 1, 0), (True, 0), ('10', 0), (10, -1), (10, None),
])
def test_invalid_paging_is_refused(seeded, limit, offset):
    with pytest.raises(ValueError):
        seeded.list_customers(limit=limit, offset=offset)


def test_a_reseller_lists_the_customers_connect_showed_its_account(seeded):
    page = seeded.list_customers(visible_to='PA-RES-1')

    assert _ids(page) == ['TA-0001-0001', 'TA-0002-0002']
    assert page.total == 2


def test_a_reseller_scope_combines_with_filters_and_ignores_unrecorded_customers(seeded):
    assert seeded.list_customers(visible_to='PA-RES-2').total == 3
    assert _ids(seeded.list_customers(visible_to='PA-RES-2', status='enabled', search='b')) == [
        'TA-0003-0003',
    ]


def test_an_empty_scope_sees_nothing_while_no_scope_sees_everything(seeded):
    assert seeded.list_customers(visible_to='PA-NOBODY').total == 0
    assert seeded.list_customers(customer_ids=[]).total == 0
    assert seeded.list_customers(visible_to=None, customer_ids=None).total == len(CUSTOMERS)
    with pytest.raises(ValueError):
        seeded.list_customers(visible_to='  ')


def test_a_customer_scope_lists_only_those_customers(seeded):
    page = seeded.list_customers(customer_ids=['TA-0003-0003', 'TA-0005-0005', 'TA-9999'])

    assert _ids(page) == ['TA-0003-0003', 'TA-0005-0005']
    both = seeded.list_customers(customer_ids=['TA-0003-0003'], visible_to='PA-RES-1')
    assert both.total == 0


def test_a_single_string_is_not_taken_as_a_set_of_ids(seeded):
    with pytest.raises(TypeError):
        seeded.list_customers(customer_ids='TA-0001-0001')


def test_past_the_count_bound_the_total_says_what_it_is(seeded):
    exact = seeded.list_customers(count_limit=len(CUSTOMERS))
    bounded = seeded.list_customers(count_limit=3, limit=2)

    assert (exact.total, exact.total_is) == (len(CUSTOMERS), 'exact')
    if seeded.is_postgresql:
        # The planner's estimate, never below what was counted before the bound.
        assert bounded.total_is == 'estimate'
        assert bounded.total >= 4
    else:
        assert (bounded.total, bounded.total_is) == (4, 'at_least')
    assert _ids(bounded) == _ids(exact)[:2]


def test_keyset_paging_continues_after_the_last_row_in_order(seeded):
    first = seeded.list_customers(limit=3)
    second = seeded.list_customers(limit=3, after=first.next_after)
    last = seeded.list_customers(limit=3, after=second.next_after)

    assert _ids(first) + _ids(second) + _ids(last) == _ids(seeded.list_customers())
    assert last.next_after is None
    searched = seeded.list_customers(search='b', limit=1)
    assert _ids(seeded.list_customers(search='b', after=searched.next_after)) == \
        _ids(seeded.list_customers(search='b'))[1:]


@pytest.mark.parametrize('after', [('x',), ('a', ''), (1, 'TA-1'), 'TA-1'])
def test_a_malformed_keyset_position_is_refused(seeded, after):
    with pytest.raises(ValueError):
        seeded.list_customers(after=after)


def test_a_keyset_position_and_an_offset_do_not_combine(seeded):
    with pytest.raises(ValueError):
        seeded.list_customers(after=('a', 'TA-1'), offset=1)


SEARCHES = ['BETA', 'beta  t', 'telecom', 'TELE', 'calls', 'Two', 'gmbh', '100%', '%', '_', 'lecom',
            'calls beta', 'b', 'ta-0005', 'BB22']


def _pages(store, search):
    """Every way the overview reads one search: plain, with a status, a reseller's, page by page."""
    first = store.list_customers(search=search, limit=1)
    return [
        (_ids(store.list_customers(search=search)), store.list_customers(search=search).total),
        _ids(store.list_customers(search=search, status='enabled')),
        _ids(store.list_customers(search=search, visible_to='PA-RES-2')),
        _ids(first), _ids(store.list_customers(search=search, after=first.next_after))
        if first.next_after else None,
    ]


def test_a_common_later_word_walked_in_name_order_finds_what_sorting_its_matches_finds(
    seeded, monkeypatch,
):
    sorted_matches = {search: _pages(seeded, search) for search in SEARCHES}

    # Every word counts as common: each later-word match is found walking the names in order.
    monkeypatch.setattr('connect_ext.store.words.COMMON_WORD_ROWS', 1)
    walked = {search: _pages(seeded, search) for search in SEARCHES}

    assert walked == sorted_matches
    assert walked['telecom'][0] == (['TA-0006-0006', 'TA-0001-0001'], 2)
    assert walked['%'][0] == ([], 0)  # "%" and "_" are text, not LIKE wildcards


def test_a_searched_or_a_resellers_page_counts_exactly_up_to_its_bound_then_says_at_least(
    seeded, monkeypatch,
):
    monkeypatch.setattr('connect_ext.store.overview.PROBED_COUNT_LIMIT', 2)

    searched = seeded.list_customers(search='beta', limit=2)
    resellers = seeded.list_customers(visible_to='PA-RES-2', limit=2)

    assert _ids(searched) == ['TA-0002-0002', 'TA-0007-0007']
    assert (searched.total, searched.total_is) == (3, 'at_least')  # no estimate, on both databases
    assert len(resellers.items) == 2
    assert (resellers.total, resellers.total_is) == (3, 'at_least')
    assert seeded.list_customers(visible_to='PA-RES-1', limit=1).total_is == 'exact'  # 2: within the bound
    assert seeded.list_customers(count_limit=20, limit=1).total_is == 'exact'  # no search: its own bound


def test_a_page_that_holds_the_last_match_is_its_own_exact_total(seeded, monkeypatch):
    # A bound no count could stay within: only a page that reaches the end of the list says exact.
    monkeypatch.setattr('connect_ext.store.overview.PROBED_COUNT_LIMIT', 0)

    assert _totals(seeded.list_customers(search='beta')) == (3, 'exact')
    assert _totals(seeded.list_customers(search='beta', limit=2, offset=2)) == (3, 'exact')
    assert _totals(seeded.list_customers(visible_to='PA-RES-2')) == (3, 'exact')
    assert _totals(seeded.list_customers(search='beta', limit=2)) == (3, 'at_least')
    first = seeded.list_customers(search='beta', limit=2)
    last = seeded.list_customers(search='beta', after=first.next_after)
    assert _ids(last) == ['TA-0003-0003']
    assert last.total_is == 'at_least'
    monkeypatch.undo()
    # Continued by cursor (it does not know what came before it), past the end, or with no rows
    # asked for, the page holds nothing to go by: the total is counted.
    assert _totals(seeded.list_customers(search='beta', after=first.next_after)) == (3, 'exact')
    assert _totals(seeded.list_customers(search='beta', limit=2, offset=10)) == (3, 'exact')
    assert _totals(seeded.list_customers(search='beta', limit=0)) == (3, 'exact')


# (search, how many of PA-RES-2's rows the range that walks them holds): its four rows (one of a
# customer not recorded) unsearched or by customer id; one "beta two" by its first or a later word.
@pytest.mark.parametrize(('search', 'rows'), [(None, 4), ('ta-', 4), ('beta', 1), ('two', 1)])
def test_a_resellers_count_looks_at_a_bounded_number_of_its_rows_then_says_at_least(
    seeded, monkeypatch, search, rows,
):
    monkeypatch.setattr('connect_ext.store.words.COMMON_WORD_ROWS', 1)  # "two" walks the names
    exact = seeded.list_customers(visible_to='PA-RES-2', search=search, limit=0)
    # A cut at the range's size may have missed a row; one more tells it reached the end.
    monkeypatch.setattr('connect_ext.store.overview.WALK_LIMIT', rows)
    cut = seeded.list_customers(visible_to='PA-RES-2', search=search, limit=0)
    monkeypatch.setattr('connect_ext.store.overview.WALK_LIMIT', rows + 1)
    whole = seeded.list_customers(visible_to='PA-RES-2', search=search, limit=0)

    assert exact.total_is == 'exact'
    assert _totals(whole) == _totals(exact)
    assert cut.total_is == 'at_least'
    assert cut.total <= exact.total
    # Never below what the page itself passed.
    monkeypatch.setattr('connect_ext.store.overview.WALK_LIMIT', 1)
    page = seeded.list_customers(visible_to='PA-RES-2', search=search, limit=1)
    assert page.total >= min(2, exact.total)
    assert page.total_is == ('at_least' if exact.total > 1 else 'exact')


def _totals(page):
    return page.total, page.total_is


# PA-RES-2's recorded customers (its fourth row's customer is not recorded).
RESELLER_2 = ['TA-0003-0003', 'TA-0004-0004', 'TA-0005-0005']


@pytest.mark.parametrize('status', [None, 'enabled', 'unknown', 'other_partner', 'disabled'])
@pytest.mark.parametrize('attention', [None, 'held_by_other_partner'])
def test_a_resellers_page_finds_what_the_distributors_finds_among_its_customers(
    seeded, monkeypatch, status, attention,
):
    """A reseller's page walks its own rows, the status read from them (store/overview.py): it
    lists, in order and with the same total, what the distributor's page lists of its customers;
    with the word search walked and sorted, and by customer ids within it."""
    for common in (2_000, 1):
        monkeypatch.setattr('connect_ext.store.words.COMMON_WORD_ROWS', common)
        for search in [None, *SEARCHES]:
            query = {'status': status, 'attention': attention, 'search': search}
            expected = seeded.list_customers(customer_ids=RESELLER_2, **query)
            page = seeded.list_customers(visible_to='PA-RES-2', **query)
            assert (_ids(page), _totals(page)) == (_ids(expected), _totals(expected)), query
            within = seeded.list_customers(visible_to='PA-RES-2', customer_ids=['TA-0005-0005'], **query)
            assert _ids(within) == [one for one in _ids(expected) if one == 'TA-0005-0005'], query
