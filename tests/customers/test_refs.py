"""A customer as the rules see it and as the store keeps it: one conversion, every field."""
from dataclasses import fields
from types import SimpleNamespace

from connect_ext.customers.refs import (
    CUSTOMER_FIELDS,
    filled_from_record,
    filled_in,
    is_complete,
    known_fields,
    ref_from_record,
)
from connect_ext.overage.facts import CustomerRef
from connect_ext.store import CustomerRecord


TENANT = 'c0570000-0000-4000-8000-000000000001'


def test_the_fields_are_exactly_what_a_ref_and_a_record_share():
    # ``visible_to`` is what Connect said for this call, never stored with the customer;
    # ``ovg_asset_ids`` is read from the record (the directory and the order events keep it).
    ref_fields = {field.name for field in fields(CustomerRef)} - {
        'customer_id', 'visible_to', 'ovg_asset_ids'}
    record_fields = {field.name for field in fields(CustomerRecord)}
    assert set(CUSTOMER_FIELDS) == ref_fields
    assert set(CUSTOMER_FIELDS) < record_fields


def test_a_record_becomes_a_ref_with_blanks_unknown():
    record = SimpleNamespace(customer_id='TA-1', tenant_id=TENANT, name='', country='DE',
                             tier1_id='TA-9', tier2_id=None, reseller_mpn=None)

    assert ref_from_record(record) == CustomerRef('TA-1', TENANT, name=None, country='DE', tier1_id='TA-9')


def test_only_known_fields_are_written():
    ref = CustomerRef('TA-1', TENANT, name='Contoso', tier2_id='TA-2')

    assert known_fields(ref) == {'tenant_id': TENANT, 'name': 'Contoso', 'tier2_id': 'TA-2'}
    assert known_fields(CustomerRef('TA-1', None, name='')) == {}


def test_gaps_are_filled_and_known_values_kept():
    ref = CustomerRef('TA-1', None, name='From the order', tier1_id='TA-9')
    known = CustomerRef('TA-1', TENANT, name='Stored', country='US', reseller_mpn='1234567')

    filled = filled_in(ref, known)

    assert filled == CustomerRef('TA-1', TENANT, name='From the order', country='US', tier1_id='TA-9',
                                 reseller_mpn='1234567')
    assert filled_in(ref, None) is ref
    assert filled_from_record(ref, None) is ref
    record = SimpleNamespace(customer_id='TA-1', tenant_id=TENANT, name='', country=None,
                             tier1_id=None, tier2_id=None, reseller_mpn=None)
    assert filled_from_record(ref, record).tenant_id == TENANT
    assert filled_from_record(ref, record).name == 'From the order'


def test_a_ref_is_complete_with_a_tenant():
    """Whether the partner id was looked up is the store's ``reseller_mpn_checked_at`` (see the
    directory's tests), not a property of the ref: a direct sale has none to find."""
    assert is_complete(CustomerRef('TA-1', TENANT))
    assert not is_complete(CustomerRef('TA-1', None))
    assert is_complete(CustomerRef('TA-1', TENANT, tier2_id='TA-2'))


def test_a_ref_knows_the_ovg_subscriptions_connect_holds():
    record = SimpleNamespace(customer_id='TA-1', tenant_id=TENANT, name='N', country='DE', tier1_id=None,
                             tier2_id=None, reseller_mpn=None, ovg_asset_ids=['AS-1', 'AS-2'])

    assert ref_from_record(record).ovg_asset_ids == ('AS-1', 'AS-2')
