"""The activity feed's reads (``Store.history``) on SQLite and PostgreSQL: order, keyset pages,
scope, filters, names, refused arguments, and the index each filter walks."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from connect_ext.store import history


T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _entry(store, customer_id, minutes, outcome='succeeded', **fields):
    values = {'customer_id': customer_id, 'at': T0 + timedelta(minutes=minutes),
              'actor_type': 'owner', 'action': 'enable', 'outcome': outcome}
    values.update(fields)
    return store.record_audit(**values).id


@pytest.fixture(autouse=True, params=['per-customer', 'walk', 'keyed walk'])
def access_path(request, monkeypatch):
    """Every test reads each way: customer by customer (few customers), and the walk of the trail
    in time order (what a wide scope takes) — forced here by allowing no customer at all — where
    PostgreSQL hashes an account's customers once ('walk') or, for an account that sees very
    many, looks each entry's customer up ('keyed walk')."""
    if request.param != 'per-customer':
        monkeypatch.setattr(history, 'FEW_CUSTOMERS', 0)
    if request.param == 'keyed walk':
        monkeypatch.setattr(history, 'HASHED_CUSTOMERS', 0)
    return request.param


@pytest.fixture
def customers(store):
    names = {'TA-0001': 'Wingtip Toys', 'TA-0002': 'Contoso Ltd', 'TA-0003': 'Fabrikam Toys & Co',
             'TA-0004': 'Toyshop', 'TA-0005': 'Ünïcode Straße'}
    for customer_id, name in names.items():
        store.upsert_customer(customer_id, name=name)
    return names


def _ids(page):
    return [item.entry.id for item in page.items]


def test_entries_come_newest_first_with_the_customers_name(store, customers):
    older = _entry(store, 'TA-0001', 0)
    newer = _entry(store, 'TA-0002', 5)
    gone = _entry(store, 'TA-0404', 3)  # a customer no longer in the store

    page = store.history.page()

    assert _ids(page) == [newer, gone, older]
    assert [item.customer_name for item in page.items] == ['Contoso Ltd', None, 'Wingtip Toys']
    assert page.next_after is None


def test_keyset_pages_walk_everything_once_also_within_one_moment(store, customers):
    written = [_entry(store, 'TA-0001', minute // 3) for minute in range(10)]

    walked, after = [], None
    while True:
        page = store.history.page(limit=3, after=after)
        walked += _ids(page)
        after = page.next_after
        if after is None:
            break

    assert walked == sorted(written, key=lambda entry_id: (written.index(entry_id) // 3, entry_id),
                            reverse=True)
    assert len(set(walked)) == 10


def test_scope_by_ids_and_by_what_connect_showed_an_account(store, customers):
    mine = _entry(store, 'TA-0001', 0)
    theirs = _entry(store, 'TA-0002', 1)
    store.record_seen('PA-1', ['TA-0001'])
    store.record_seen('PA-2', ['TA-0002'])

    assert _ids(store.history.page(visible_to='PA-1')) == [mine]
    assert _ids(store.history.page(visible_to='PA-2')) == [theirs]
    assert _ids(store.history.page(visible_to='PA-3')) == []
    assert _ids(store.history.page(customer_ids=['TA-0002'])) == [theirs]
    assert _ids(store.history.page(customer_ids=[])) == []


def test_a_narrow_filter_keeps_a_wide_scope(store, customers, monkeypatch):
    """One customer asked for (read customer by customer) within a scope of more customers than
    that path takes (kept as a condition): another account's customer stays out."""
    monkeypatch.setattr(history, 'FEW_CUSTOMERS', 1)
    mine = _entry(store, 'TA-0001', 0)
    theirs = _entry(store, 'TA-0003', 1)
    store.record_seen('PA-1', ['TA-0001', 'TA-0002'])

    assert _ids(store.history.page(visible_to='PA-1', customer=('TA-0001', None))) == [mine]
    assert _ids(store.history.page(visible_to='PA-1', customer=('TA-0003', None))) == []
    assert _ids(store.history.page(visible_to='PA-1', customer=(None, 'fabrikam'))) == []
    assert _ids(store.history.page(customer_ids=['TA-0001', 'TA-0003'],
                                   customer=('TA-0003', None))) == [theirs]


@pytest.mark.parametrize(('name', 'expected'), [
    ('toys', {'TA-0001', 'TA-0003', 'TA-0004'}),  # "Toyshop" starts with it too
    ('TOYS &', {'TA-0003'}),
    ('wingtip t', {'TA-0001'}),
    ('co', {'TA-0002', 'TA-0003'}),  # "Contoso Ltd", "Fabrikam Toys & Co"
    ('strasse', {'TA-0005'}),   # case-folded like the overview (ß -> ss)
    ('ünï', {'TA-0005'}),
    ('oys', set()),
    ('%', set()),
], ids=['word', 'prefix-any-case', 'two-words', 'after-a-symbol', 'casefold', 'accents', 'middle',
        'wildcard'])
def test_a_name_matches_the_start_of_any_word(store, customers, name, expected):
    entries = {customer_id: _entry(store, customer_id, n) for n, customer_id in enumerate(customers)}

    page = store.history.page(customer=(None, name))

    assert {item.entry.customer_id for item in page.items} == expected
    assert set(_ids(page)) == {entries[customer_id] for customer_id in expected}


def test_an_id_and_a_name_match_either(store, customers):
    by_id = _entry(store, 'TA-0002', 0)
    by_name = _entry(store, 'TA-0004', 1)

    assert _ids(store.history.page(customer=('TA-0002', 'toyshop'))) == [by_name, by_id]
    assert _ids(store.history.page(customer=('TA-0002', None))) == [by_id]


def test_outcome_and_since_filter(store, customers):
    failed = _entry(store, 'TA-0001', 0, 'failed')
    _entry(store, 'TA-0001', 1, 'succeeded')
    late_failed = _entry(store, 'TA-0002', 10, 'failed')

    assert _ids(store.history.page(outcome='failed')) == [late_failed, failed]
    assert _ids(store.history.page(outcome='failed', since=T0 + timedelta(minutes=10))) == [
        late_failed]
    assert _ids(store.history.page(since=T0 + timedelta(minutes=10, seconds=1))) == []


def test_names_come_from_the_entry_and_from_the_change_a_confirmation_confirms(store, customers):
    change = _entry(store, 'TA-0001', 0, 'unconfirmed', to_entitlement='e-2',
                    details={'names': {'e-2': 'Collector'}})
    created = _entry(store, 'TA-0002', 1, 'succeeded', to_entitlement='e-3',
                     details={'created': {'azure_subscription_id': 'e-3', 'name': 'Subscription 1'}})
    confirmation = _entry(store, 'TA-0001', 2, 'confirmed', details={'confirms': change})

    by_id = {item.entry.id: item.names for item in store.history.page().items}
    alone = store.history.page(outcome='confirmed').items[0].names

    assert by_id[change] == {'e-2': 'Collector'}
    assert by_id[created] == {'e-3': 'Subscription 1'}
    assert by_id[confirmation] == {'e-2': 'Collector'}
    assert alone == {'e-2': 'Collector'}  # its change is not on that page: read by id


@pytest.mark.parametrize('arguments', [
    {'limit': 0}, {'limit': 1001}, {'limit': True},
    {'outcome': 'exploded'},
    {'since': datetime(2026, 1, 1)},  # naive
    {'after': (datetime(2026, 1, 1), 1)},
    {'after': (T0, '1')},
    {'customer': (None, None)},
    {'customer': (None, '   ')},
    {'customer': (None, 'x' * 101)},
    {'visible_to': ''},
    {'customer_ids': 'TA-0001'},
])
def test_bad_arguments_are_refused_before_any_read(store, arguments):
    with pytest.raises((ValueError, TypeError)):
        store.history.page(**arguments)


def test_the_outcome_filter_walks_its_index(store, customers):
    for minute in range(30):
        _entry(store, 'TA-0001', minute, 'failed' if minute % 10 == 0 else 'succeeded')
    with store.engine.connect() as connection:
        if store.is_postgresql:
            connection.execute(text('ANALYZE audit_entries'))
            # Tiny tables make any plan cheap: allow only the plans an index can give in order.
            for setting in ('enable_seqscan', 'enable_bitmapscan', 'enable_sort'):
                connection.execute(text(f'SET {setting} = off'))
            plan = '\n'.join(row[0] for row in connection.execute(text(
                "EXPLAIN SELECT id FROM audit_entries WHERE outcome = 'failed' "
                'ORDER BY at DESC, id DESC LIMIT 51')))
        else:
            plan = '\n'.join(str(row[-1]) for row in connection.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM audit_entries WHERE outcome = 'failed' "
                'ORDER BY at DESC, id DESC LIMIT 51')))

    assert 'ix_audit_entries_outcome_at' in plan
    assert 'Sort' not in plan
    assert 'TEMP B-TREE' not in plan


def test_a_reseller_sees_its_customers_entries_interleaved_in_time_across_pages(store, customers):
    """Its customers' entries between other accounts' ones, some at one moment: every page holds
    only its own, newest first, each once, whichever way the page is read."""
    store.record_seen('PA-1', ['TA-0001', 'TA-0003', 'TA-0005'])
    store.record_seen('PA-2', ['TA-0002', 'TA-0004'])
    order = ['TA-0001', 'TA-0002', 'TA-0003', 'TA-0004', 'TA-0005', 'TA-0404']
    written = [(_entry(store, order[number % 6], number // 4), order[number % 6])
               for number in range(36)]
    mine = [entry_id for entry_id, customer_id in sorted(
        written, key=lambda pair: (written.index(pair) // 4, pair[0]), reverse=True)
        if customer_id in {'TA-0001', 'TA-0003', 'TA-0005'}]

    walked, after = [], None
    while True:
        page = store.history.page(limit=4, after=after, visible_to='PA-1')
        assert {item.entry.customer_id for item in page.items} <= {'TA-0001', 'TA-0003', 'TA-0005'}
        walked += _ids(page)
        after = page.next_after
        if after is None:
            break

    assert walked == mine
    assert len(mine) == 18


def test_postgresql_hashes_a_resellers_customers_once_for_the_walk(store, customers, access_path):
    """The walk keeps a reseller's entries by probing its customers hashed once (a hashed SubPlan),
    not by a key lookup in customer_accounts per entry; an account that sees more customers than
    HASHED_CUSTOMERS keeps the lookups (its entries are dense)."""
    if not store.is_postgresql or access_path == 'per-customer':
        pytest.skip('PostgreSQL walks alone')
    store.record_seen('PA-1', ['TA-0001', 'TA-0003'])
    for minute in range(20):
        _entry(store, f'TA-000{minute % 5 + 1}', minute)
    with store.engine.connect() as connection:
        connection.execute(text('ANALYZE'))
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if 'ORDER BY audit_entries.at DESC' in statement:
            statements.append((statement, parameters))

    event.listen(store.engine, 'before_cursor_execute', keep)
    try:
        page = store.history.page(limit=5, visible_to='PA-1')
    finally:
        event.remove(store.engine, 'before_cursor_execute', keep)
    (statement, parameters), = statements
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute('EXPLAIN ' + statement, parameters)
        plan = '\n'.join(row[0] for row in cursor.fetchall())
    finally:
        raw.close()

    assert {item.entry.customer_id for item in page.items} == {'TA-0001', 'TA-0003'}
    if access_path == 'walk':
        assert 'hashed SubPlan' in plan
        assert 'customer_accounts' not in plan.split('SubPlan')[0]
    else:
        assert 'hashed SubPlan' not in plan
