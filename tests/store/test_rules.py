"""The store's pure rules: time zones, search keys, prefix bounds, lock keys, field checks."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from connect_ext.store.fields import clean_audit_fields, clean_customer_fields
from connect_ext.store.locks import advisory_lock_key
from connect_ext.store.models import (
    SEARCH_KEY_MAX_LENGTH,
    ensure_utc,
    normalise_tenant_id,
    search_key,
)
from connect_ext.store.queries import prefix_upper_bound


def test_ensure_utc_converts_aware_times_and_refuses_naive_ones():
    aware = datetime(2025, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))

    assert ensure_utc(aware) == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert ensure_utc(aware).tzinfo == UTC
    with pytest.raises(ValueError, match='checked_at'):
        ensure_utc(datetime(2025, 3, 1), 'checked_at')
    with pytest.raises(TypeError):
        ensure_utc('2025-03-01T12:00:00Z')


@pytest.mark.parametrize(('text', 'key'), [
    ('Contoso  Ltd ', 'contoso ltd'),
    ('\tMüller\nGmbH', 'müller gmbh'),
    ('Straße', 'strasse'),
    ('\uff21\uff22\uff23', 'abc'),  # full-width letters
    ('', ''),
    (None, ''),
])
def test_search_key_folds_case_width_and_spaces(text, key):
    assert search_key(text) == key


def test_search_key_is_bounded():
    assert len(search_key('x' * 1000)) == SEARCH_KEY_MAX_LENGTH


@pytest.mark.parametrize(('tenant', 'normalised'), [
    (' 6A1E3B9C-0F4D ', '6a1e3b9c-0f4d'), ('', None), ('   ', None), (None, None),
])
def test_tenant_ids_are_kept_lower_case(tenant, normalised):
    assert normalise_tenant_id(tenant) == normalised


@pytest.mark.parametrize(('prefix', 'bound'), [
    ('abc', 'abd'),
    ('TA-', 'TA.'),
    ('a\U0010ffff', 'b'),
    ('\ud7ff', '\ue000'),
    ('\U0010ffff', None),
    ('', None),
])
def test_prefix_upper_bound_is_just_past_every_string_with_the_prefix(prefix, bound):
    assert prefix_upper_bound(prefix) == bound


def test_prefix_upper_bound_orders_around_strings_with_the_prefix():
    bound = prefix_upper_bound('beta')

    for inside in ('beta', 'beta two', 'beta\U0010ffff'):
        assert 'beta' <= inside < bound
    for outside in ('bet', 'betb', 'betA'):
        assert not ('beta' <= outside < bound)


def test_advisory_lock_keys_are_stable_signed_64_bit_numbers():
    # Pinned: replicas of two releases must compute the same key for the same customer.
    assert advisory_lock_key('TA-0001') != advisory_lock_key('TA-0002')
    keys = [advisory_lock_key(f'TA-{index}') for index in range(200)]
    assert all(-(2 ** 63) <= key < 2 ** 63 for key in keys)
    assert any(key < 0 for key in keys)
    assert advisory_lock_key('TA-0001') == 40607955751396096


def test_customer_fields_are_cleaned():
    cleaned = clean_customer_fields({
        'name': '  Contoso ', 'country': ' ', 'tenant_id': 'ABC', 'ovg_asset_ids': ('AS-1',),
        'checked_at': datetime(2025, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))),
    })

    assert cleaned == {
        'name': 'Contoso', 'country': None, 'tenant_id': 'abc', 'ovg_asset_ids': ['AS-1'],
        'checked_at': datetime(2025, 1, 1, tzinfo=UTC),
    }


def test_audit_fields_are_checked():
    assert clean_audit_fields({
        'customer_id': ' TA-1 ', 'actor_type': 'api', 'action': 'webhook', 'outcome': 'unconfirmed',
    }) == {'customer_id': 'TA-1', 'actor_type': 'api', 'action': 'webhook', 'outcome': 'unconfirmed'}
    with pytest.raises(ValueError, match="'action'"):
        clean_audit_fields({'customer_id': 'TA-1', 'actor_type': 'api', 'outcome': 'failed'})
