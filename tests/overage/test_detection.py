import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect_ext.compat import parse
from connect_ext.overage.detection import (
    NOT_READ,
    added_ovg_items,
    detect_overage,
    detect_resource,
    has_marker,
    name_tokens,
    ovg_items,
    parse_quantity,
)
from connect_ext.partner_center.models import Sku, Subscription


@pytest.mark.parametrize(('name', 'expected'), [
    ('Teams Phone OVG (NCE COM MTH)', True),
    ('Microsoft Teams Phone Standard (NCE OVG COM)', True),
    ('ovg', True),
    ('Teams_Phone_OVG', True),
    ('OVG-Teams Phone', True),
    ('Teams Phone/ovg/annual', True),
    ('MOVGAS', False),
    ('OVGS Teams', False),
    ('Teams Phone Standard (NCE COM MTH)', False),
    ('O V G', False),
    ('', False),
    (None, False),
])
def test_marker_is_a_whole_word_in_any_case(name, expected):
    assert has_marker(name) is expected


def test_configured_marker_and_multi_word_marker():
    assert has_marker('Teams Phone PAYG', 'payg') is True
    assert has_marker('Teams Phone OVG', 'PAYG') is False
    assert has_marker('Calling PAY-G plan', 'PAY G') is True
    assert has_marker('Calling PAY plan G', 'PAY G') is False


@pytest.mark.parametrize('marker', ['', '  ', '--'])
def test_a_marker_without_letters_or_digits_matches_nothing(marker):
    assert has_marker('Teams Phone OVG', marker) is False


def test_tokens_split_on_anything_not_a_letter_or_digit():
    assert name_tokens('Teams Phone OVG (NCE_COM-MTH)') == [
        'teams', 'phone', 'ovg', 'nce', 'com', 'mth',
    ]


# --- property-based tokenisation ---------------------------------------------------------------

WORD = st.text(alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
               min_size=1, max_size=8)
OTHER_WORD = WORD.filter(lambda word: word.lower() != 'ovg')
SEPARATOR = st.text(alphabet=' -_()[]/.,:;+&|', min_size=1, max_size=3)
MARKER_ANY_CASE = st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in 'OVG']).map(''.join)


def _join(words, separators):
    text = words[0]
    for word, separator in zip(words[1:], separators, strict=False):
        text += separator + word
    return text


@given(
    words=st.lists(OTHER_WORD, max_size=6),
    position=st.integers(min_value=0, max_value=6),
    marker=MARKER_ANY_CASE,
    separators=st.lists(SEPARATOR, min_size=7, max_size=7),
    edges=st.tuples(st.text(alphabet=' ()-', max_size=2), st.text(alphabet=' ()-', max_size=2)),
)
def test_marker_as_its_own_word_is_found_anywhere(words, position, marker, separators, edges):
    words = list(words)
    words.insert(min(position, len(words)), marker)
    name = edges[0] + _join(words, separators) + edges[1]
    assert has_marker(name, 'OVG') is True
    assert detect_overage(name).is_overage is True


@given(words=st.lists(OTHER_WORD, min_size=1, max_size=6),
       separators=st.lists(SEPARATOR, min_size=6, max_size=6))
def test_names_without_the_marker_word_are_not_overage(words, separators):
    assert has_marker(_join(words, separators), 'OVG') is False


GLUE = st.text(alphabet='ABCXYZ019', max_size=3)


@given(prefix=GLUE, suffix=GLUE, marker=MARKER_ANY_CASE)
def test_marker_glued_to_other_letters_is_not_a_match(prefix, suffix, marker):
    name = f'Teams {prefix}{marker}{suffix} Phone'
    assert has_marker(name, 'OVG') is (prefix == '' and suffix == '')


# --- Microsoft's view and disagreements ----------------------------------------------------------

def test_partner_center_not_read_leaves_microsoft_unknown():
    result = detect_overage('Teams Phone OVG (NCE COM MTH)')
    assert (result.is_overage, result.by_name, result.by_microsoft) == (True, True, None)
    assert result.disagreement is None


@pytest.mark.parametrize('consumption_type', ['overage', 'Overage', 'OVERAGE', ' overage '])
def test_consumption_type_overage_in_any_case(consumption_type):
    result = detect_overage('Microsoft Teams Phone Standard', consumption_type)
    assert result.is_overage is True
    assert result.by_microsoft is True
    assert result.by_name is False


def test_agreement_has_no_disagreement():
    assert detect_overage('Teams Phone OVG', 'overage').disagreement is None
    result = detect_overage('Teams Phone Standard', None)
    assert (result.is_overage, result.by_microsoft, result.disagreement) == (False, False, None)


def test_name_says_ovg_but_microsoft_does_not():
    result = detect_overage('Teams Phone OVG (NCE COM MTH)', None)
    assert result.is_overage is True
    assert result.by_microsoft is False
    assert result.disagreement is not None
    assert '"Teams Phone OVG (NCE COM MTH)"' in result.disagreement
    assert 'Partner Center does not report consumptionType "overage"' in result.disagreement


def test_microsoft_says_overage_but_name_lacks_marker():
    result = detect_overage('Microsoft Teams Phone Standard', 'Overage', marker='OVG')
    assert result.is_overage is True
    assert 'does not carry the OVG marker' in result.disagreement
    assert 'Microsoft Teams Phone Standard' in result.disagreement


def test_nameless_item_disagreement_still_reads():
    result = detect_overage(None, 'overage')
    assert result.disagreement.startswith(
        'Partner Center reports consumptionType "overage" for an unnamed item, but')


def test_not_read_sentinel_is_distinct_from_none():
    assert detect_overage('Teams', NOT_READ).by_microsoft is None
    assert detect_overage('Teams', None).by_microsoft is False


def test_detect_on_partner_center_resources():
    sku = parse(Sku, {'id': '0001', 'productId': 'CFQ7TTC0LH18',
                      'title': 'Microsoft Teams Phone Standard OVG', 'consumptionType': 'Overage'})
    result = detect_resource(sku)
    assert (result.is_overage, result.by_name, result.by_microsoft) == (True, True, True)

    subscription = parse(Subscription, {
        'id': 'c3a0f7de-7a50-4a8e-9d43-7c5b1d9e2f11', 'offerId': 'CFQ7TTC0LH18:0001:CFQ7TTC0K971',
        'offerName': 'Microsoft Teams Phone Standard', 'status': 'active',
    })
    result = detect_resource(subscription)
    assert (result.is_overage, result.by_microsoft) == (False, False)

    assert detect_resource(None, 'Teams Phone OVG').by_microsoft is None
    assert detect_resource(sku, 'Renamed Teams Phone').disagreement is not None


# --- Connect asset items -------------------------------------------------------------------------

ITEMS = [
    {'id': 'PRD-276-377-545-0001', 'display_name': 'Teams Phone Standard OVG (NCE COM MTH)',
     'mpn': 'CFQ7TTC0LH18:0001', 'quantity': '10', 'old_quantity': '0'},
    {'id': 'PRD-276-377-545-0002', 'display_name': 'Microsoft 365 E3 (NCE COM MTH)',
     'mpn': 'CFQ7TTC0LFLZ:0001', 'quantity': '25', 'old_quantity': '0'},
    {'id': 'PRD-276-377-545-0003', 'name': 'Teams Phone with Calling Plan ovg',
     'mpn': 'CFQ7TTC0JN4R', 'quantity': 3},
    {'id': 'PRD-276-377-545-0004', 'display_name': 'Teams Phone OVG (NCE COM ANN)',
     'quantity': 5, 'old_quantity': 2},
    {'id': 'PRD-276-377-545-0005', 'display_name': 'Audio Conferencing OVG', 'quantity': '0',
     'old_quantity': '0'},
    {'id': 'PRD-276-377-545-0006', 'display_name': 'MOVGAS Calling'},
    {'id': 'PRD-276-377-545-0007'},
    'not an item',
    None,
]


def test_ovg_items_tolerates_missing_keys_and_junk():
    ids = [item['id'] for item in ovg_items(ITEMS)]
    assert ids == [
        'PRD-276-377-545-0001', 'PRD-276-377-545-0003', 'PRD-276-377-545-0004',
        'PRD-276-377-545-0005',
    ]
    assert ovg_items(None) == []
    assert ovg_items([]) == []


def test_ovg_items_looks_at_display_name_and_name():
    item = {'id': 'X', 'display_name': 'Teams Phone', 'name': 'Teams Phone OVG'}
    assert ovg_items([item]) == [item]


def test_ovg_items_with_configured_marker():
    items = [{'display_name': 'Teams Phone PAYG'}, {'display_name': 'Teams Phone OVG'}]
    assert ovg_items(items, 'PAYG') == [items[0]]


def test_added_ovg_items_are_those_going_up_from_zero():
    ids = [item['id'] for item in added_ovg_items(ITEMS)]
    # 0001: "0" -> "10"; 0003: old quantity missing -> 3. Not 0004 (2 -> 5), 0005 (0 -> 0).
    assert ids == ['PRD-276-377-545-0001', 'PRD-276-377-545-0003']


def test_added_ovg_items_ignores_unreadable_quantities():
    items = [
        {'display_name': 'Teams Phone OVG', 'quantity': 'lots', 'old_quantity': '0'},
        {'display_name': 'Teams Phone OVG', 'quantity': 'unlimited', 'old_quantity': None},
        {'display_name': 'Teams Phone OVG', 'quantity': 1.0, 'old_quantity': 'garbage'},
    ]
    assert added_ovg_items(items) == items[1:]


@pytest.mark.parametrize(('value', 'expected'), [
    (None, 0), ('', 0), ('0', 0), (' 7 ', 7), ('2.5', 2.5), (4, 4), (1.5, 1.5), ('abc', 0),
    (True, 0), ('nan', 0), (float('nan'), 0), ('-1', -1), ('Unlimited', math.inf),
])
def test_parse_quantity(value, expected):
    assert parse_quantity(value) == expected
