"""GET /api/customers as a work queue (issue 19 items 2 and 8): attention, its filter, word search,
and figures that agree with the customer's panel — on SQLite and PostgreSQL."""
import pytest

from connect_ext.store import Store
from testkit import customers
from testkit.callers import OWNER, RESELLER_A
from testkit.customers import ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, NO_TENANT, READY
from testkit.databases import BACKENDS, migrated_database


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """The API's store on each backend, holding the directory's customers."""
    with migrated_database(request.param, tmp_path, request) as url:
        store = Store(url)
        customers.seed(store)
        try:
            yield store
        finally:
            store.close()


def _open_every_customer(api):
    """Each customer's panel, read from Microsoft (the simulator): that read judges it."""
    for customer_id in customers.CUSTOMERS:
        assert api.get(f'/api/customers/{customer_id}/overage', who=OWNER).status_code in (200, 422)


def _rows(api, **params):
    response = api.get('/api/customers', params={'limit': 200, **params}, who=params.pop('who', OWNER))
    assert response.status_code == 200, response.text
    return {item['id']: item for item in response.json()['items']}


def test_before_any_read_nothing_is_claimed_but_a_missing_tenant_id(api):
    rows = _rows(api)
    tenantless = rows.pop(NO_TENANT)

    assert {row['attention'] for row in rows.values()} == {None}
    assert {row['attention_reason'] for row in rows.values()} == {None}
    assert tenantless['attention'] == 'action_needed'
    assert tenantless['attention_reason']['code'] == 'TENANT_ID_UNKNOWN'


def test_a_read_of_microsoft_puts_each_customer_in_the_queue_with_the_first_thing_to_do(api):
    _open_every_customer(api)
    rows = _rows(api)

    assert rows[READY]['attention'] == 'ready_to_enable'
    assert rows[READY]['attention_reason']['code'] == 'OVERAGE_READY_TO_ENABLE'
    assert 'enable overage' in rows[READY]['attention_reason']['action']
    assert rows[ENABLED]['attention'] == 'none'
    assert rows[ENABLED]['attention_reason'] is None
    assert rows[HELD]['attention'] == 'held_by_other_partner'
    assert rows[HELD]['attention_reason']['code'] == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    assert rows[NO_TENANT]['attention'] == 'action_needed'
    assert rows[NO_TENANT]['attention_reason']['code'] == 'TENANT_ID_UNKNOWN'
    # status keeps its meaning beside it.
    assert (rows[READY]['status'], rows[HELD]['status']) == ('disabled', 'other_partner')


def test_the_attention_filter_keeps_its_customers_in_name_order(api):
    _open_every_customer(api)
    every = _rows(api)

    for attention in {row['attention'] for row in every.values()}:
        filtered = api.get('/api/customers', params={'attention': attention}, who=OWNER).json()
        expected = [customer_id for customer_id, row in every.items() if row['attention'] == attention]
        assert [item['id'] for item in filtered['items']] == expected
        assert filtered['total'] == len(expected)
    held = api.get('/api/customers', params={'attention': 'held_by_other_partner', 'status': 'disabled'})
    assert held.json()['items'] == []


def test_the_filter_pages_with_the_cursor_and_keeps_a_resellers_scope(api):
    _open_every_customer(api)
    ready = [customer_id for customer_id, row in _rows(api).items() if row['attention'] == 'ready_to_enable']
    walked, cursor = [], None
    while True:
        params = {'attention': 'ready_to_enable', 'limit': 1, **({'cursor': cursor} if cursor else {})}
        page = api.get('/api/customers', params=params, who=OWNER).json()
        walked += [item['id'] for item in page['items']]
        cursor = page['next_cursor']
        if cursor is None:
            break
    assert walked == ready

    mine = _rows(api, who=RESELLER_A)
    queue = api.get('/api/customers', params={'attention': 'ready_to_enable'}, who=RESELLER_A).json()
    assert HELD not in mine  # reseller B's customer
    assert {item['id'] for item in queue['items']} == {
        customer_id for customer_id, row in mine.items() if row['attention'] == 'ready_to_enable'}


def test_an_unknown_attention_is_the_clear_validation_error(api):
    response = api.get('/api/customers', params={'attention': 'urgent'}, who=OWNER)

    assert response.status_code == 422
    error = response.json()['error']
    assert error['code'] == 'VALIDATION_FAILED'
    assert [item['field'] for item in error['details']['fields']] == ['query.attention']


@pytest.mark.parametrize(('search', 'expected'), [
    ('corp', {READY}),         # "Ready Corp": the second word
    ('CORP', {READY}),
    ('gmbh', {HELD}),
    ('ready c', {READY}),
    ('ready', {READY}),
    ('orp', set()),             # inside a word: no
], ids=['second-word', 'any-case', 'gmbh', 'two-words', 'first-word', 'inside'])
def test_search_finds_the_start_of_any_word(api, search, expected):
    assert set(_rows(api, search=search)) == expected


def test_a_disabled_customer_shows_no_azure_subscription_and_another_partners_is_never_printed(api, store):
    store.record_overage_state(READY, status='disabled',
                               azure_entitlement_id='e0710000-0000-4000-8000-0000000000aa',
                               partner_id=None, checked_at=store.now())
    store.record_overage_state(HELD, status='other_partner',
                               azure_entitlement_id='e0710000-0000-4000-8000-0000000000bb',
                               partner_id='9999999', checked_at=store.now())
    store.record_overage_state(ENABLED, status='enabled',
                               azure_entitlement_id='e0710000-0000-4000-8000-0000000000cc',
                               partner_id=None, checked_at=store.now())

    response = api.get('/api/customers', who=OWNER)
    rows = {item['id']: item for item in response.json()['items']}

    assert rows[READY]['azure_subscription_id'] is None
    assert rows[HELD]['azure_subscription_id'] is None
    assert '0000000000bb' not in response.text
    assert rows[ENABLED]['azure_subscription_id'] == 'e0710000-0000-4000-8000-0000000000cc'


def test_the_flag_shows_as_overage_without_ovg(api, store):
    store.record_overage_state(INDIRECT, status='enabled', azure_entitlement_id='e-1', partner_id=None,
                               checked_at=store.now())
    store.upsert_customer(INDIRECT, flags=['overage_without_ovg_subscription'])

    row = _rows(api)[INDIRECT]

    assert row['attention'] == 'overage_without_ovg'
    assert row['attention_reason']['code'] == 'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION'
    assert row['flags'] == ['overage_without_ovg_subscription']


def test_a_planless_customer_is_judged_by_whether_microsoft_can_create_the_plan(api):
    """No Azure plan: ready when Microsoft may create one with the change, else the agreement first."""
    _open_every_customer(api)
    row = _rows(api)[NO_AZURE_PLAN]

    assert (row['attention'], (row['attention_reason'] or {}).get('code')) in (
        ('ready_to_enable', 'OVERAGE_READY_TO_ENABLE'),
        ('action_needed', 'MCA_NOT_ACCEPTED'),
        ('action_needed', 'MCA_ACCEPTANCE_UNKNOWN'),
    )
