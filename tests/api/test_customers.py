"""GET /api/customers: the overview from the store (never Microsoft), filtered, searched, paged."""
from datetime import UTC, datetime

import pytest

from connect_ext.api.responses import content_range
from connect_ext.api.schemas import CustomerPage
from connect_ext.compat import parse
from testkit.callers import OWNER, RESELLER_A
from testkit.customers import ENABLED, HELD, READY


def test_a_customer_row_shows_the_last_known_state(api, store, sim):
    checked_at = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    store.record_overage_state(
        READY, status='enabled', azure_entitlement_id='e0710000-0000-4000-8000-000000000001',
        partner_id='4810001', checked_at=checked_at,
    )
    store.upsert_customer(READY, ovg_asset_ids=['AS-1000-0000-0001'], flags=['last_ovg_gone'])

    response = api.get('/api/customers', params={'search': 'ready'})

    assert response.status_code == 200
    assert response.json() == {
        'items': [{
            'id': READY,
            'name': 'Ready Corp',
            'tenant_id': 'c0570000-0000-4000-8000-000000000001',
            'country': 'US',
            'tier1_id': 'TA-7000-0000-0001',
            'tier2_id': None,
            'status': 'enabled',
            'azure_subscription_id': 'e0710000-0000-4000-8000-000000000001',
            'partner_id': '4810001',
            'ovg_subscription_count': 1,
            'ovg_asset_ids': ['AS-1000-0000-0001'],
            'flags': ['last_ovg_gone'],
            'checked_at': '2026-11-01T08:30:00+00:00',
            'pending_confirmation': False,
            'attention': 'none',
            'attention_reason': None,
        }],
        'total': 1,
        'total_is': 'exact',
        'limit': 50,
        'offset': 0,
        'next_cursor': None,
    }
    assert response.headers['Content-Range'] == 'items 0-0/1'
    parse(CustomerPage, response.json())
    assert sim.calls.all() == []  # the overview never reads Microsoft


def test_status_filter_keeps_only_customers_in_that_state(api, store):
    now = datetime.now(UTC)
    store.record_overage_state(READY, status='enabled', azure_entitlement_id='e-1',
                               partner_id=None, checked_at=now)
    store.record_overage_state(HELD, status='other_partner', azure_entitlement_id='e-2',
                               partner_id=None, checked_at=now)

    enabled = api.get('/api/customers', params={'status': 'enabled'}).json()
    held = api.get('/api/customers', params={'status': 'other_partner'}).json()
    unknown = api.get('/api/customers', params={'status': 'unknown'}).json()

    assert [item['id'] for item in enabled['items']] == [READY]
    assert [item['id'] for item in held['items']] == [HELD]
    assert unknown['total'] == 4
    assert READY not in {item['id'] for item in unknown['items']}


@pytest.mark.parametrize(('search', 'expected'), [
    ('Enabled', [ENABLED]),
    ('TA-1000-0000-0003', [HELD]),
    ('c0570000-0000-4000-8000-000000000001', [READY]),
    ('nobody', []),
    ('\x00Ready', [READY]),  # control characters are dropped, not sent to the database
])
def test_search_matches_a_prefix_of_name_id_or_tenant(api, search, expected):
    response = api.get('/api/customers', params={'search': search})

    assert response.status_code == 200
    assert [item['id'] for item in response.json()['items']] == expected


def test_pages_follow_connects_content_range(api):
    first = api.get('/api/customers', params={'limit': 4, 'offset': 0})
    second = api.get('/api/customers', params={'limit': 4, 'offset': 4})
    past_end = api.get('/api/customers', params={'limit': 4, 'offset': 40})

    assert first.headers['Content-Range'] == 'items 0-3/6'
    assert second.headers['Content-Range'] == 'items 4-5/6'
    assert past_end.headers['Content-Range'] == 'items */6'
    assert past_end.json()['items'] == []
    names = [item['name'] for item in first.json()['items'] + second.json()['items']]
    assert names == sorted(names, key=str.casefold)  # ordered by name across pages
    assert {first.json()['total'], second.json()['total']} == {6}


@pytest.mark.parametrize('who', [OWNER, RESELLER_A], ids=['owner', 'reseller'])
@pytest.mark.parametrize('params', [{}, {'search': 'e'}, {'status': 'unknown'}],
                         ids=['all', 'searched', 'status'])
def test_the_cursor_walks_every_customer_once_in_order(api, who, params):
    """Keyset paging: following next_cursor lists what one big page lists, in the same order."""
    whole = api.get('/api/customers', params={**params, 'limit': 200}, who=who).json()
    walked, cursor, pages = [], None, 0
    while True:
        query = {**params, 'limit': 2, **({'cursor': cursor} if cursor else {})}
        page = api.get('/api/customers', params=query, who=who).json()
        walked += [item['id'] for item in page['items']]
        pages += 1
        cursor = page['next_cursor']
        if cursor is None:
            break
        assert len(page['items']) == 2

    assert walked == [item['id'] for item in whole['items']]
    assert pages == max(1, -(-len(walked) // 2))
    assert whole['next_cursor'] is None


@pytest.mark.parametrize('params', [
    {'cursor': 'not-a-cursor'}, {'cursor': 'W10'}, {'cursor': 'WyJhIiwiZXZpbCJd'},
    {'cursor': 'x' * 2000}, {'offset': 10_001},
], ids=['garbage', 'empty-pair', 'not-an-id', 'too-long', 'offset-too-deep'])
def test_a_bad_cursor_or_a_deep_offset_is_a_clear_422(api, params):
    response = api.get('/api/customers', params=params)

    assert response.status_code == 422
    assert response.json()['error']['code'] == 'VALIDATION_FAILED'
    assert response.json()['error']['details']['fields'][0]['field'] in ('query.cursor', 'query.offset')


def test_a_cursor_does_not_combine_with_an_offset(api):
    cursor = api.get('/api/customers', params={'limit': 1}).json()['next_cursor']

    response = api.get('/api/customers', params={'cursor': cursor, 'offset': 1})

    assert response.status_code == 422
    assert response.json()['error']['details']['fields'][0]['field'] == 'query.offset'


def test_a_reseller_page_counts_only_its_customers(api):
    response = api.get('/api/customers', params={'limit': 1}, who=RESELLER_A)

    assert response.json()['total'] == 4
    assert response.headers['Content-Range'] == 'items 0-0/4'


def test_an_empty_list_says_so_like_connect(api):
    response = api.get('/api/customers', params={'search': 'nobody'})

    assert response.json() == {'items': [], 'total': 0, 'total_is': 'exact', 'limit': 50,
                               'offset': 0, 'next_cursor': None}
    assert response.headers['Content-Range'] == 'items 0-0/0'


@pytest.mark.parametrize(('params', 'field'), [
    ({'limit': 0}, 'query.limit'),
    ({'limit': 201}, 'query.limit'),
    ({'limit': 'ten'}, 'query.limit'),
    ({'offset': -1}, 'query.offset'),
    ({'status': 'on'}, 'query.status'),
    ({'search': 'x' * 101}, 'query.search'),
])
def test_bad_list_parameters_are_validation_errors(api, params, field):
    response = api.get('/api/customers', params=params, who=OWNER)

    assert response.status_code == 422
    error = response.json()['error']
    assert error['code'] == 'VALIDATION_FAILED'
    assert [item['field'] for item in error['details']['fields']] == [field]


@pytest.mark.parametrize(('offset', 'count', 'total', 'expected'), [
    (0, 0, 0, 'items 0-0/0'),
    (0, 1, 1, 'items 0-0/1'),
    (50, 50, 120, 'items 50-99/120'),
    (100, 20, 120, 'items 100-119/120'),
    (200, 0, 120, 'items */120'),
])
def test_content_range(offset, count, total, expected):
    assert content_range(offset, count, total) == expected
