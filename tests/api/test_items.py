"""GET /api/items: the OVG items of the catalogue, from Connect, as the caller's account sees it."""
from dataclasses import replace

import pytest
from connect.client import ConnectClient, R

from connect_ext.api import dependencies
from connect_ext.api.schemas import ItemsPage
from connect_ext.compat import parse
from connect_ext.config import Settings
from connect_ext.customers import holders
from connect_ext.customers.holders import holders_query
from testkit.callers import RESELLER_A, RESELLER_A_API_KEY, RESELLER_B_API_KEY
from testkit.customers import CUSTOMERS, RESELLER_A_TIER, RESELLER_B_TIER


PRODUCT = 'PRD-183-233-565'
OTHER_PRODUCT = 'PRD-450-658-035'
NAMES = {PRODUCT: 'Microsoft 365 NCE', OTHER_PRODUCT: 'Microsoft Teams NCE'}
OVG_QUERY = R().name.ilike('*OVG*') | R().display_name.ilike('*OVG*')

TEAMS_OVG = {
    'id': 'PRD-183-233-565-0001', 'name': 'Teams Phone with Calling Plan OVG',
    'display_name': 'Teams Phone with Calling Plan OVG (NCE COM BAS 1MO)',
    'mpn': 'CFQ7TTC0OVG1:0001_P1M:None', 'status': 'published', 'period': 'Monthly',
    'type': 'Reservation',
}
AUDIO_OVG = {
    'id': 'PRD-183-233-565-0002', 'name': 'Audio Conferencing OVG', 'display_name': None,
    'mpn': 'CFQ7TTC0OVG2:0001_P1Y:Annual', 'status': 'published', 'period': 'Yearly',
    'type': 'Reservation',
}
# "MOVGAS" contains the letters but not the word: Connect's ilike returns it, the rule drops it.
FALSE_FRIEND = {
    'id': 'PRD-183-233-565-0003', 'name': 'MOVGAS Analytics', 'display_name': 'MOVGAS Analytics',
    'mpn': 'X:1', 'status': 'published', 'period': 'Monthly', 'type': 'Reservation',
}


def listed(product_id, item, customers=None):
    return {
        'product_id': product_id, 'product_name': NAMES[product_id], 'id': item['id'],
        'name': item['name'], 'display_name': item['display_name'], 'mpn': item['mpn'],
        'status': item['status'], 'period': item['period'], 'type': item['type'],
        'customers': customers,
    }


def product(connect, product_id):
    """The product's own answer (GET /products/{id}): where the one product's name comes from."""
    connect.products[product_id].get(return_value={'id': product_id, 'name': NAMES[product_id]})


def holding(connect, item_id, count):
    """Connect's count of the active subscriptions holding the item: limit=0, Content-Range."""
    connect('subscriptions').assets.filter(holders_query(item_id)).count(return_value=count)


def test_the_ovg_items_of_one_product(api, connect):
    product(connect, PRODUCT)
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(
        return_value=[TEAMS_OVG, AUDIO_OVG, FALSE_FRIEND],
    )
    holding(connect, TEAMS_OVG['id'], 12)
    holding(connect, AUDIO_OVG['id'], 0)

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.status_code == 200
    assert response.json() == {
        'items': [listed(PRODUCT, TEAMS_OVG, 12), listed(PRODUCT, AUDIO_OVG, 0)], 'total': 2,
    }
    parse(ItemsPage, response.json())


def test_a_count_connect_fails_is_unknown_and_the_item_is_still_listed(api, connect):
    product(connect, PRODUCT)
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG, AUDIO_OVG])
    holding(connect, TEAMS_OVG['id'], 3)
    connect('subscriptions').assets.filter(holders_query(AUDIO_OVG['id'])).count(
        status_code=500, return_value=0,
    )

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.status_code == 200
    assert response.json()['items'] == [listed(PRODUCT, TEAMS_OVG, 3), listed(PRODUCT, AUDIO_OVG, None)]


def test_a_count_answered_without_a_content_range_is_unknown_not_zero(api, connect):
    product(connect, PRODUCT)
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG])
    connect.get(f'subscriptions/assets?{holders_query(TEAMS_OVG["id"])}&limit=0&offset=0',
                return_value=[], headers={})

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.json()['items'] == [listed(PRODUCT, TEAMS_OVG, None)]


def test_counts_are_bounded_per_page_and_the_rest_is_unknown(api, connect, monkeypatch):
    monkeypatch.setattr(holders, 'MAX_COUNTED_ITEMS', 1)
    asked = []
    real = holders.count_holders

    def spy(client, item_id):
        asked.append(item_id)
        return real(client, item_id)

    monkeypatch.setattr(holders, 'count_holders', spy)
    product(connect, PRODUCT)
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG, AUDIO_OVG])
    holding(connect, TEAMS_OVG['id'], 7)

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.json()['items'] == [listed(PRODUCT, TEAMS_OVG, 7), listed(PRODUCT, AUDIO_OVG, None)]
    assert asked == [TEAMS_OVG['id']]  # Connect was asked one count, not one per item listed


def test_a_reseller_counts_what_its_own_installation_is_shown(api, reseller_connect):
    """conformance: CX-13, CX-02 (the caller's installation client asks; Connect's answer counts)."""
    _world, endpoint = reseller_connect
    item_id = 'PRD-100-200-300-0001'
    shown = {
        key: sum(1 for value in CUSTOMERS.values() if tier in (value[3], value[4]))
        for key, tier in ((RESELLER_A_API_KEY, RESELLER_A_TIER), (RESELLER_B_API_KEY, RESELLER_B_TIER))
    }
    assert shown[RESELLER_A_API_KEY] != shown[RESELLER_B_API_KEY]
    for key, expected in shown.items():
        api.app.dependency_overrides[dependencies.get_catalogue_client] = (
            lambda key=key: ConnectClient(key, endpoint=endpoint, use_specs=False, max_retries=0)
        )

        response = api.get('/api/items', params={'product_id': 'PRD-100-200-300'}, who=RESELLER_A)

        assert response.status_code == 200
        assert [(item['id'], item['product_name'], item['customers'])
                for item in response.json()['items']] == [(item_id, 'NCE Microsoft 365', expected)]


@pytest.mark.parametrize(('search', 'expected'), [
    ('teams', [TEAMS_OVG]),
    ('CFQ7TTC0OVG2', [AUDIO_OVG]),
    ('565-0001', [TEAMS_OVG]),
    ('nothing', []),
])
def test_search_narrows_by_name_mpn_or_id(api, connect, search, expected):
    product(connect, PRODUCT)
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG, AUDIO_OVG])
    for item in expected:  # only the items listed are counted
        holding(connect, item['id'], 2)

    response = api.get('/api/items', params={'product_id': PRODUCT, 'search': search})

    assert response.json()['items'] == [listed(PRODUCT, item, 2) for item in expected]


def test_without_a_product_every_visible_product_is_looked_at(api, connect):
    """The names come with the products' list: no call per product or item for them."""
    connect.products.all().mock(return_value=[{'id': pid, 'name': NAMES[pid]} for pid in NAMES])
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG])
    connect.products[OTHER_PRODUCT].items.filter(OVG_QUERY).mock(return_value=[AUDIO_OVG])
    holding(connect, TEAMS_OVG['id'], 4)
    holding(connect, AUDIO_OVG['id'], 1)

    response = api.get('/api/items')

    assert response.json() == {
        'items': [listed(PRODUCT, TEAMS_OVG, 4), listed(OTHER_PRODUCT, AUDIO_OVG, 1)], 'total': 2,
    }


def test_product_ids_narrow_the_products(api, connect):
    api.app.dependency_overrides[dependencies.get_product_ids] = lambda: (PRODUCT,)
    connect.products.filter(R().id.in_([PRODUCT])).mock(
        return_value=[{'id': PRODUCT, 'name': NAMES[PRODUCT]}],
    )
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG])
    holding(connect, TEAMS_OVG['id'], 5)

    response = api.get('/api/items')

    assert response.json()['items'] == [listed(PRODUCT, TEAMS_OVG, 5)]


def test_a_product_outside_product_ids_is_not_found(api, connect):
    api.app.dependency_overrides[dependencies.get_product_ids] = lambda: (PRODUCT,)

    response = api.get('/api/items', params={'product_id': OTHER_PRODUCT})

    assert response.status_code == 404
    assert response.json() == {'error': {
        'code': 'PRODUCT_NOT_FOUND',
        'message': f'No product {OTHER_PRODUCT} is available to the Overage Manager.',
        # The variable is in the details, for the administrator, not in the words (issue 19).
        'reason': 'The id is not a Connect product (PRD-...) that your account can see, or it is '
                  "not one of the products the extension's settings name.",
        'action': 'Check the product id, or leave it out to list the items of every configured '
                  'product.',
        'details': {'product_id': OTHER_PRODUCT, 'settings': ['PRODUCT_IDS']},
    }}


def test_a_product_connect_does_not_show_is_not_found(api, connect):
    connect.products[PRODUCT].get(
        status_code=404, return_value={'error_code': 'PRD_001', 'errors': ['not found']},
    )

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.status_code == 404
    assert response.json()['error']['code'] == 'PRODUCT_NOT_FOUND'


def test_the_marker_is_the_configured_one(api, connect, settings):
    custom = replace(settings, sku_marker='PAYG')
    api.app.dependency_overrides[dependencies.get_settings] = lambda: custom
    payg = {**TEAMS_OVG, 'name': 'Teams Phone PAYG', 'display_name': 'Teams Phone PAYG'}
    product(connect, PRODUCT)
    holding(connect, payg['id'], 1)
    connect.products[PRODUCT].items.filter(
        R().name.ilike('*PAYG*') | R().display_name.ilike('*PAYG*'),
    ).mock(return_value=[payg])

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert [item['name'] for item in response.json()['items']] == ['Teams Phone PAYG']


@pytest.mark.parametrize('product_id', ['PRD-1)', 'prd', 'PRD-1,eq(id,x)', 'PRD-561-716-033\n'])
def test_a_malformed_product_id_is_422(api, product_id):
    response = api.get('/api/items', params={'product_id': product_id})

    assert response.status_code == 422
    assert [f['field'] for f in response.json()['error']['details']['fields']] == [
        'query.product_id',
    ]


@pytest.mark.parametrize(('config', 'expected'), [
    ({}, None),
    ({'PRODUCT_IDS': ''}, None),
    ({'PRODUCT_IDS': ' PRD-1, ,PRD-2 '}, ('PRD-1', 'PRD-2')),
])
def test_product_ids_come_from_the_variables(config, expected):
    assert dependencies.get_product_ids(Settings.from_config(config)) == expected
