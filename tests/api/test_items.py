"""GET /api/items: the OVG items of the catalogue, from Connect, as the caller's account sees it."""
from dataclasses import replace

import pytest
from connect.client import R

from connect_ext.api import dependencies
from connect_ext.api.schemas import ItemsPage
from connect_ext.compat import parse
from connect_ext.config import Settings


PRODUCT = 'PRD-183-233-565'
OTHER_PRODUCT = 'PRD-450-658-035'
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


def listed(product_id, item):
    return {
        'product_id': product_id, 'id': item['id'], 'name': item['name'],
        'display_name': item['display_name'], 'mpn': item['mpn'], 'status': item['status'],
        'period': item['period'], 'type': item['type'],
    }


def test_the_ovg_items_of_one_product(api, connect):
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(
        return_value=[TEAMS_OVG, AUDIO_OVG, FALSE_FRIEND],
    )

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.status_code == 200
    assert response.json() == {
        'items': [listed(PRODUCT, TEAMS_OVG), listed(PRODUCT, AUDIO_OVG)], 'total': 2,
    }
    parse(ItemsPage, response.json())


@pytest.mark.parametrize(('search', 'expected'), [
    ('teams', [TEAMS_OVG]),
    ('CFQ7TTC0OVG2', [AUDIO_OVG]),
    ('565-0001', [TEAMS_OVG]),
    ('nothing', []),
])
def test_search_narrows_by_name_mpn_or_id(api, connect, search, expected):
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG, AUDIO_OVG])

    response = api.get('/api/items', params={'product_id': PRODUCT, 'search': search})

    assert response.json()['items'] == [listed(PRODUCT, item) for item in expected]


def test_without_a_product_every_visible_product_is_looked_at(api, connect):
    connect.products.all().mock(return_value=[{'id': PRODUCT}, {'id': OTHER_PRODUCT}])
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG])
    connect.products[OTHER_PRODUCT].items.filter(OVG_QUERY).mock(return_value=[AUDIO_OVG])

    response = api.get('/api/items')

    assert response.json() == {
        'items': [listed(PRODUCT, TEAMS_OVG), listed(OTHER_PRODUCT, AUDIO_OVG)], 'total': 2,
    }


def test_product_ids_narrow_the_products(api, connect):
    api.app.dependency_overrides[dependencies.get_product_ids] = lambda: (PRODUCT,)
    connect.products.filter(R().id.in_([PRODUCT])).mock(return_value=[{'id': PRODUCT}])
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(return_value=[TEAMS_OVG])

    response = api.get('/api/items')

    assert response.json()['items'] == [listed(PRODUCT, TEAMS_OVG)]


def test_a_product_outside_product_ids_is_not_found(api, connect):
    api.app.dependency_overrides[dependencies.get_product_ids] = lambda: (PRODUCT,)

    response = api.get('/api/items', params={'product_id': OTHER_PRODUCT})

    assert response.status_code == 404
    assert response.json() == {'error': {
        'code': 'PRODUCT_NOT_FOUND',
        'message': f'No product {OTHER_PRODUCT} is available to the Overage Manager.',
        'reason': 'The id is not a Connect product (PRD-...) that your account can see, or it is '
                  'not one of the products configured in PRODUCT_IDS.',
        'action': 'Check the product id, or leave it out to list the items of every configured '
                  'product.',
        'details': {'product_id': OTHER_PRODUCT},
    }}


def test_a_product_connect_does_not_show_is_not_found(api, connect):
    connect.products[PRODUCT].items.filter(OVG_QUERY).mock(
        status_code=404, return_value={'error_code': 'PRD_001', 'errors': ['not found']},
    )

    response = api.get('/api/items', params={'product_id': PRODUCT})

    assert response.status_code == 404
    assert response.json()['error']['code'] == 'PRODUCT_NOT_FOUND'


def test_the_marker_is_the_configured_one(api, connect, settings):
    custom = replace(settings, sku_marker='PAYG')
    api.app.dependency_overrides[dependencies.get_settings] = lambda: custom
    payg = {**TEAMS_OVG, 'name': 'Teams Phone PAYG', 'display_name': 'Teams Phone PAYG'}
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
