"""Customers: upsert and read back, versions, tenant lookup, the overage state Microsoft reported."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from connect_ext.store import CustomerNotFound
from testkit.clock import START


TENANT = '6A1E3B9C-0F4D-4C1A-9E2B-7D8F00112233'


def test_a_new_customer_gets_defaults_and_reads_back_the_same(store):
    created = store.upsert_customer(
        'TA-0001', name='Contoso Ltd', tenant_id=TENANT, country='DE', tier1_id='TA-RES-1',
        tier2_id=None, reseller_mpn='1234567', ovg_subscription_count=2,
        ovg_asset_ids=['AS-1', 'AS-2'], flags=['overage_without_ovg_subscription'],
    )

    assert created.customer_id == 'TA-0001'
    assert created.name == 'Contoso Ltd'
    assert created.tenant_id == TENANT.lower()
    assert created.ovg_asset_ids == ('AS-1', 'AS-2')
    assert created.flags == ('overage_without_ovg_subscription',)
    assert created.overage_status == 'unknown'
    assert created.azure_entitlement_id is None
    assert created.checked_at is None
    assert created.sync_claimed_by is None
    assert created.version == 1
    assert created.created_at == created.updated_at == START
    assert created.created_at.tzinfo is not None
    assert store.get_customer('TA-0001') == created


def test_a_customer_with_only_an_id_is_valid(store):
    created = store.upsert_customer('TA-0001')

    assert (created.name, created.tenant_id, created.ovg_subscription_count) == ('', None, 0)
    assert (created.ovg_asset_ids, created.flags) == ((), ())


def test_an_update_changes_only_the_given_fields_and_bumps_the_version(store, clock):
    store.upsert_customer('TA-0001', name='Contoso', country='DE', ovg_asset_ids=['AS-1'])
    later = clock.advance(60)

    updated = store.upsert_customer('TA-0001', ovg_asset_ids=['AS-1', 'AS-9'], country=None)

    assert updated.name == 'Contoso'
    assert updated.country is None
    assert updated.ovg_asset_ids == ('AS-1', 'AS-9')
    assert updated.version == 2
    assert updated.created_at == START
    assert updated.updated_at == later
    assert store.get_customer('TA-0001') == updated


def test_an_update_that_changes_nothing_keeps_version_and_updated_at(store, clock):
    first = store.upsert_customer('TA-0001', name='Contoso', flags=['a'])
    clock.advance(60)

    again = store.upsert_customer('TA-0001', name=' Contoso ', flags=['a'])

    assert again == first


def test_two_replicas_creating_the_same_customer_at_once_both_land(store):
    fields = [
        {'tier1_id': 'TA-RES-1'}, {'tier2_id': 'TA-RES-2'}, {'country': 'FR'},
        {'reseller_mpn': '42'},
    ]
    barrier = threading.Barrier(len(fields))
    errors = []

    def upsert(values):
        barrier.wait()
        try:
            store.upsert_customer('TA-0001', **values)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=upsert, args=(values,)) for values in fields]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    customer = store.get_customer('TA-0001')
    assert (customer.tier1_id, customer.tier2_id, customer.country, customer.reseller_mpn) == (
        'TA-RES-1', 'TA-RES-2', 'FR', '42',
    )
    assert customer.version == len(fields)  # created once, then changed by each other call


def test_unknown_customers_read_as_none(store):
    assert store.get_customer('TA-404') is None
    assert store.get_customer_by_tenant(TENANT) is None
    assert store.get_customer_by_tenant('  ') is None
    assert store.customers_by_tenant(TENANT) == []


def test_a_tenant_is_found_whatever_its_letter_case(store):
    store.upsert_customer('TA-0001', tenant_id=TENANT)

    assert store.get_customer_by_tenant(TENANT.lower()).customer_id == 'TA-0001'
    assert store.get_customer_by_tenant(f' {TENANT.upper()} ').customer_id == 'TA-0001'


def test_a_tenant_under_two_customers_gives_the_latest_updated_first(store, clock):
    store.upsert_customer('TA-0001', tenant_id=TENANT, name='Old')
    clock.advance(10)
    store.upsert_customer('TA-0002', tenant_id=TENANT, name='New')

    assert [c.customer_id for c in store.customers_by_tenant(TENANT)] == ['TA-0002', 'TA-0001']
    assert store.get_customer_by_tenant(TENANT).customer_id == 'TA-0002'


@pytest.mark.parametrize(('fields', 'error'), [
    ({'colour': 'red'}, TypeError),
    ({'version': 7}, TypeError),
    ({'search_name': 'x'}, TypeError),
    ({'overage_status': 'on'}, ValueError),
    ({'ovg_subscription_count': -1}, ValueError),
    ({'ovg_subscription_count': True}, ValueError),
    ({'ovg_asset_ids': 'AS-1'}, TypeError),
    ({'flags': [1]}, TypeError),
    ({'name': 7}, TypeError),
    ({'checked_at': datetime(2025, 1, 1)}, ValueError),  # naive: its zone would be a guess
    ({'checked_at': '2025-01-01'}, TypeError),
])
def test_invalid_fields_are_refused_and_nothing_is_written(store, fields, error):
    with pytest.raises(error):
        store.upsert_customer('TA-0001', **fields)

    assert store.get_customer('TA-0001') is None


@pytest.mark.parametrize('customer_id', ['', '   ', None])
def test_a_customer_needs_an_id(store, customer_id):
    with pytest.raises(ValueError, match='customer_id'):
        store.upsert_customer(customer_id, name='x')


def test_the_overage_state_is_recorded_with_when_it_was_read(store, clock):
    store.upsert_customer('TA-0001', name='Contoso')
    read_at = START + timedelta(minutes=5)
    clock.advance(400)

    recorded = store.record_overage_state(
        'TA-0001', status='enabled', azure_entitlement_id='ent-1', partner_id='5555',
        checked_at=read_at,
    )

    assert (recorded.overage_status, recorded.azure_entitlement_id, recorded.overage_partner_id) == (
        'enabled', 'ent-1', '5555',
    )
    assert recorded.checked_at == read_at
    assert recorded.version == 2
    assert recorded.updated_at == clock.now
    assert store.get_customer('TA-0001') == recorded


def test_reading_the_same_state_again_moves_checked_at_but_not_the_version(store, clock):
    store.upsert_customer('TA-0001')
    first = store.record_overage_state(
        'TA-0001', status='disabled', azure_entitlement_id=None, partner_id=None,
        checked_at=START,
    )
    clock.advance(3600)

    second = store.record_overage_state(
        'TA-0001', status='disabled', azure_entitlement_id=None, partner_id=None,
        checked_at=clock.now,
    )

    assert second.checked_at == clock.now
    assert (second.version, second.updated_at) == (first.version, first.updated_at)


def test_timestamps_come_back_in_utc_whatever_zone_they_were_given_in(store):
    store.upsert_customer('TA-0001')
    tokyo = timezone(timedelta(hours=9))
    read_at = datetime(2025, 3, 1, 21, 30, 15, 123456, tzinfo=tokyo)

    recorded = store.record_overage_state(
        'TA-0001', status='other_partner', azure_entitlement_id=None, partner_id='777',
        checked_at=read_at,
    )

    for value in (recorded.checked_at, store.get_customer('TA-0001').checked_at):
        assert value == read_at
        assert value.utcoffset() == timedelta(0)
        assert value.hour == 12


def test_recording_the_state_of_an_unknown_customer_fails(store):
    with pytest.raises(CustomerNotFound, match='TA-404'):
        store.record_overage_state(
            'TA-404', status='enabled', azure_entitlement_id='e', partner_id='p',
            checked_at=START,
        )


@pytest.mark.parametrize(('status', 'checked_at', 'error'), [
    ('on', START, ValueError),
    ('enabled', datetime(2025, 1, 1), ValueError),
    ('enabled', None, ValueError),
])
def test_an_invalid_overage_state_is_refused(store, status, checked_at, error):
    before = store.upsert_customer('TA-0001')

    with pytest.raises(error):
        store.record_overage_state(
            'TA-0001', status=status, azure_entitlement_id=None, partner_id=None,
            checked_at=checked_at,
        )

    assert store.get_customer('TA-0001') == before
