"""GET /api/history: the activity feed across customers — scope by persona, each filter, the cursor,
bad inputs (all named, nothing read), subscription names and Microsoft's ids."""
from datetime import UTC, datetime, timedelta

import pytest

from connect_ext.api.history_schemas import FeedPage
from connect_ext.compat import parse
from sandbox.partner_center import demo
from testkit.callers import OWNER, RESELLER_A, RESELLER_A_ACCOUNT, RESELLER_B, customer
from testkit.customers import ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, NO_TENANT, READY


T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# Reseller A's customers in the tests' Connect world; B's are HELD and NO_AZURE_PLAN.
RESELLER_A_CUSTOMERS = {READY, ENABLED, INDIRECT, NO_TENANT}


def _entry(store, customer_id, minutes, outcome='succeeded', **fields):
    values = {'customer_id': customer_id, 'at': T0 + timedelta(minutes=minutes),
              'actor_type': 'owner', 'actor_id': 'PA-000-000', 'action': 'enable',
              'to_enabled': True, 'outcome': outcome}
    values.update(fields)
    return store.record_audit(**values).id


@pytest.fixture
def trail(store):
    """One entry a minute, of every customer, with every outcome: newest is the last written."""
    written = []
    outcomes = ('succeeded', 'failed', 'no_change', 'unconfirmed', 'confirmed', 'not_confirmed')
    ids = (READY, ENABLED, HELD, NO_AZURE_PLAN, INDIRECT, NO_TENANT)
    for minute in range(18):
        customer_id = ids[minute % len(ids)]
        outcome = outcomes[(minute // 2) % len(outcomes)]
        written.append((_entry(store, customer_id, minute, outcome), customer_id, outcome,
                        T0 + timedelta(minutes=minute)))
    return list(reversed(written))


def _get(api, who=OWNER, **params):
    response = api.get('/api/history', params=params, who=who)
    assert response.status_code == 200, response.json()
    parse(FeedPage, response.json())
    return response.json()


def _ids(body):
    return [item['id'] for item in body['items']]


def test_the_owner_sees_every_customers_entries_newest_first_with_their_names(api, trail):
    body = _get(api, limit=200)

    assert _ids(body) == [entry_id for entry_id, *_ in trail]
    assert body['next_cursor'] is None
    first = body['items'][0]
    assert first['customer'] == {'id': NO_TENANT, 'name': 'Tenantless Inc'}
    assert trail[0][1] == NO_TENANT
    assert first['at'] == trail[0][3].isoformat()


@pytest.mark.parametrize(('who', 'visible'), [
    (RESELLER_A, RESELLER_A_CUSTOMERS),
    (RESELLER_B, {HELD, NO_AZURE_PLAN}),
    (customer(READY), {READY}),
], ids=['reseller-a', 'reseller-b', 'customer'])
def test_each_persona_sees_only_the_customers_it_may_see(api, trail, who, visible):
    body = _get(api, who=who, limit=200)

    assert _ids(body) == [entry_id for entry_id, customer_id, *_ in trail if customer_id in visible]
    assert {item['customer']['id'] for item in body['items']} == visible


@pytest.mark.parametrize('asked', [HELD, 'held', NO_AZURE_PLAN.lower()])
def test_a_reseller_asking_for_anothers_customer_gets_nothing(api, trail, asked):
    body = _get(api, who=RESELLER_A, customer=asked)

    assert body['items'] == []


def test_a_customer_cannot_widen_its_feed_with_a_filter(api, trail):
    body = _get(api, who=customer(READY), customer=ENABLED)

    assert body['items'] == []


@pytest.mark.parametrize('asked', [READY, READY.lower(), f'  {READY.lower()} ', 'Ta-1000-0000-0001'])
def test_the_customer_filter_takes_an_id_in_any_case(api, trail, asked):
    body = _get(api, customer=asked)

    assert _ids(body) == [entry_id for entry_id, customer_id, *_ in trail if customer_id == READY]


@pytest.mark.parametrize(('asked', 'expected'), [
    ('Ready', {READY}),
    ('ready', {READY}),
    ('CORP', {READY}),         # the start of a later word
    ('gmb', {HELD}),
    ('in', {INDIRECT, NO_TENANT}),  # "Indirect BV" and "Tenantless Inc"
    ('orp', set()),            # not the start of a word
    ('nobody', set()),
], ids=['name', 'lower', 'later-word', 'prefix', 'two-words', 'middle', 'nobody'])
def test_the_customer_filter_matches_the_start_of_any_word_of_a_name(api, trail, asked, expected):
    body = _get(api, customer=asked, limit=200)

    assert {item['customer']['id'] for item in body['items']} == expected
    assert _ids(body) == [entry_id for entry_id, customer_id, *_ in trail if customer_id in expected]


def test_a_name_with_like_wildcards_matches_them_literally(api, store, trail):
    store.upsert_customer('TA-1000-0000-0077', name='100% Telecom_Co')
    wanted = _entry(store, 'TA-1000-0000-0077', 30)

    assert _ids(_get(api, customer='100%')) == [wanted]
    assert _ids(_get(api, customer='telecom_')) == [wanted]
    assert _get(api, customer='telecom')['items'][0]['customer']['name'] == '100% Telecom_Co'


@pytest.mark.parametrize('outcome', ['failed', 'confirmed', 'not_confirmed', 'no_change'])
def test_the_outcome_filter_keeps_that_outcome(api, trail, outcome):
    body = _get(api, outcome=outcome)

    assert _ids(body) == [entry_id for entry_id, _c, entry_outcome, _at in trail
                          if entry_outcome == outcome]
    assert body['items']


@pytest.mark.parametrize('since', ['2026-11-20T09:10:00Z', '2026-11-20T10:10:00+01:00',
                                   '2026-11-20T09:10:00.000+00:00'])
def test_since_keeps_entries_at_or_after_that_time(api, trail, since):
    body = _get(api, since=since)

    assert _ids(body) == [entry_id for entry_id, _c, _o, at in trail
                          if at >= T0 + timedelta(minutes=10)]


def test_since_a_date_starts_at_its_utc_midnight(api, store, trail):
    late = _entry(store, READY, 24 * 60)  # 2026-11-21T09:00Z

    assert _ids(_get(api, since='2026-11-21')) == [late]
    assert len(_get(api, since='2026-11-20', limit=200)['items']) == len(trail) + 1


def test_the_filters_combine_with_a_resellers_scope(api, trail):
    body = _get(api, who=RESELLER_B, outcome='failed', since='2026-11-20T09:03:00Z')

    expected = [entry_id for entry_id, customer_id, outcome, at in trail
                if customer_id in {HELD, NO_AZURE_PLAN} and outcome == 'failed'
                and at >= T0 + timedelta(minutes=3)]
    assert len(expected) == 3
    assert _ids(body) == expected
    assert expected


@pytest.mark.parametrize('who', [OWNER, RESELLER_A], ids=['owner', 'reseller'])
@pytest.mark.parametrize('params', [{}, {'outcome': 'failed'}, {'customer': 'e'}],
                         ids=['all', 'outcome', 'name'])
def test_the_cursor_walks_every_entry_once_in_order(api, trail, who, params):
    whole = _get(api, who=who, limit=200, **params)
    walked, cursor = [], None
    while True:
        page = _get(api, who=who, limit=2, **params, **({'cursor': cursor} if cursor else {}))
        walked += _ids(page)
        cursor = page['next_cursor']
        if cursor is None:
            break
        assert len(page['items']) == 2

    assert walked == _ids(whole)


def test_entries_written_after_a_page_do_not_shift_the_next_one(api, store, trail):
    first = _get(api, limit=3)
    _entry(store, READY, 100)  # newer than everything

    second = _get(api, limit=3, cursor=first['next_cursor'])

    assert _ids(second) == [entry_id for entry_id, *_ in trail[3:6]]


def test_entries_of_one_time_are_ordered_and_paged_by_id(api, store):
    same = [_entry(store, READY, 0) for _ in range(5)]

    walked, cursor = [], None
    for _ in range(3):
        page = _get(api, limit=2, **({'cursor': cursor} if cursor else {}))
        walked += _ids(page)
        cursor = page['next_cursor']
    assert walked == list(reversed(same))
    assert cursor is None


@pytest.mark.parametrize(('params', 'fields'), [
    ({'outcome': 'exploded'}, ['query.outcome']),
    ({'since': 'yesterday'}, ['query.since']),
    ({'since': '2026-11-20T09:00:00'}, ['query.since']),  # no zone: which 9 o'clock?
    ({'since': '2026-13-01'}, ['query.since']),
    ({'cursor': 'not-a-cursor'}, ['query.cursor']),
    ({'cursor': 'WyJhIiwiVEEtMSJd'}, ['query.cursor']),  # an overview cursor
    ({'customer': '%%%'}, ['query.customer']),
    ({'customer': 'x' * 101}, ['query.customer']),
    ({'limit': 0}, ['query.limit']),
    ({'limit': 201}, ['query.limit']),
    ({'customer': '---', 'since': 'soon', 'cursor': 'zz'},
     ['query.customer', 'query.since', 'query.cursor']),
], ids=['outcome', 'since-words', 'since-naive', 'since-no-date', 'cursor', 'overview-cursor',
        'customer-no-letters', 'customer-too-long', 'limit-0', 'limit-201', 'all-at-once'])
def test_a_bad_input_is_a_clear_422_naming_each_field_before_anything_is_read(
    api, store, trail, params, fields,
):
    response = api.get('/api/history', params=params, who=RESELLER_A)

    assert response.status_code == 422
    error = response.json()['error']
    assert error['code'] == 'VALIDATION_FAILED'
    assert [field['field'] for field in error['details']['fields']] == fields
    assert all(field['message'] for field in error['details']['fields'])
    # Connect was not asked what the reseller sees (that read records what it showed).
    assert store.seen_at(RESELLER_A_ACCOUNT, READY) is None
    _get(api, who=RESELLER_A)
    assert store.seen_at(RESELLER_A_ACCOUNT, READY) is not None


def test_a_change_through_the_api_names_its_azure_subscription_and_microsofts_ids(api, sim):
    response = api.put(f'/api/customers/{READY}/overage',
                       json={'azure_subscription_id': demo.READY_SECOND_ENTITLEMENT_ID})
    assert response.status_code == 200, response.json()

    [entry] = _get(api, customer='ready')['items']

    assert entry['action'] == 'enable'
    assert entry['outcome'] == 'succeeded'
    assert entry['requested'] == {'enabled': True,
                                  'azure_subscription_id': demo.READY_SECOND_ENTITLEMENT_ID,
                                  'azure_subscription_name': 'Production'}
    assert entry['before'] == {'enabled': False, 'azure_subscription_id': None,
                               'azure_subscription_name': None}
    # The ids Microsoft's answers carry back: the change's MS-RequestId and MS-CorrelationId.
    [write] = sim.calls.matching('PUT', '/overage')
    assert (entry['ms_request_id'], entry['ms_correlation_id']) == (
        write.request_id, write.correlation_id)
    assert entry['ms_request_id']
    assert entry['ms_correlation_id']


def test_a_confirmation_names_the_azure_subscription_its_change_named(api, store):
    change = _entry(store, READY, 0, 'unconfirmed', to_entitlement='e-1',
                    details={'names': {'e-1': 'Overage collector'}})
    _entry(store, ENABLED, 1)
    _entry(store, READY, 2, 'confirmed', to_entitlement='e-1', details={'confirms': change})

    # The change is not on the page (another outcome): its names are read by id.
    [confirmation] = _get(api, outcome='confirmed')['items']

    assert confirmation['requested'] == {'enabled': True, 'azure_subscription_id': 'e-1',
                                         'azure_subscription_name': 'Overage collector'}


def test_a_webhook_entry_shows_a_reseller_no_receiver(api, store):
    _entry(store, READY, 0, 'failed', action='webhook', actor_type='system',
           error_code='WEBHOOK_DELIVERY_FAILED', error_message='POST https://hooks.example.com/x: 500',
           details={'event_id': 'ev-1', 'host': 'hooks.example.com', 'attempts': 3})

    [owner_view] = _get(api)['items']
    [reseller_view] = _get(api, who=RESELLER_A)['items']

    assert owner_view['details']['host'] == 'hooks.example.com'
    assert 'host' not in reseller_view['details']
    assert 'hooks.example.com' not in str(reseller_view)


def test_an_empty_feed_says_so(api):
    assert _get(api) == {'items': [], 'limit': 50, 'next_cursor': None}
