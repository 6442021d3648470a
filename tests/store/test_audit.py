"""The audit trail: every field kept, newest first, scoped, and only valid entries."""
from datetime import datetime, timedelta, timezone

import pytest

from testkit.clock import START


def _entry(**overrides):
    fields = {
        'customer_id': 'TA-0001', 'actor_type': 'owner', 'action': 'enable',
        'outcome': 'succeeded',
    }
    fields.update(overrides)
    return fields


def test_an_entry_keeps_every_field(store):
    details = {'microsoft': {'status': 403, 'code': '800115'}, 'confirmed': [True, None, 1.5]}

    recorded = store.record_audit(
        customer_id='TA-0001', tenant_id='AAAA-BBBB', actor_type='reseller', actor_id='UR-1',
        actor_name='Reseller Admin', action='move', from_entitlement='ent-1', from_enabled=True,
        to_entitlement='ent-2', to_enabled=True, outcome='failed', error_code='800115',
        error_message='held by another partner', ms_request_id='req-1',
        ms_correlation_id='corr-1', details=details,
    )

    assert recorded.id > 0
    assert recorded.at == START
    assert recorded.at.tzinfo is not None
    assert recorded.tenant_id == 'aaaa-bbbb'
    assert (recorded.from_entitlement, recorded.from_enabled) == ('ent-1', True)
    assert (recorded.to_entitlement, recorded.to_enabled) == ('ent-2', True)
    assert (recorded.outcome, recorded.error_code) == ('failed', '800115')
    assert (recorded.ms_request_id, recorded.ms_correlation_id) == ('req-1', 'corr-1')
    assert recorded.details == details
    assert store.list_audit(customer_id='TA-0001').items == [recorded]


def test_optional_fields_may_be_left_out(store):
    recorded = store.record_audit(**_entry(action='sync', outcome='no_change', actor_type='system'))

    assert (recorded.actor_id, recorded.from_enabled, recorded.details) == (None, None, None)


def test_an_explicit_time_is_kept_in_utc(store):
    at = datetime(2025, 2, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5)))

    recorded = store.record_audit(**_entry(at=at))

    assert recorded.at == at
    assert recorded.at.utcoffset() == timedelta(0)


def test_the_trail_is_newest_first_and_same_moment_entries_latest_recorded_first(store, clock):
    first = store.record_audit(**_entry(action='enable'))
    second = store.record_audit(**_entry(action='move'))
    clock.advance(5)
    third = store.record_audit(**_entry(action='disable'))
    older = store.record_audit(**_entry(action='sync', at=START - timedelta(days=1)))

    page = store.list_audit(customer_id='TA-0001')

    assert [entry.id for entry in page.items] == [third.id, second.id, first.id, older.id]
    assert page.total == 4


def test_the_trail_is_filtered_scoped_and_paged(store, clock):
    for customer_id in ('TA-0001', 'TA-0002', 'TA-0001', 'TA-0003', 'TA-0001'):
        store.record_audit(**_entry(customer_id=customer_id))
        clock.advance(1)

    assert store.list_audit().total == 5
    assert store.list_audit(customer_id='TA-0001').total == 3
    scoped = store.list_audit(customer_ids={'TA-0002', 'TA-0003'})
    assert [entry.customer_id for entry in scoped.items] == ['TA-0003', 'TA-0002']
    assert store.list_audit(customer_ids=[]).total == 0
    assert store.list_audit(customer_id='TA-0001', customer_ids=['TA-0002']).total == 0
    page = store.list_audit(customer_id='TA-0001', limit=2, offset=2)
    assert (len(page.items), page.total) == (1, 3)
    assert page.items[0].at == START


@pytest.mark.parametrize(('fields', 'error'), [
    ({'customer_id': None}, ValueError),
    ({'customer_id': ' '}, ValueError),
    ({'outcome': None}, ValueError),
    ({'actor_type': 'robot'}, ValueError),
    ({'action': 'delete'}, ValueError),
    ({'outcome': 'maybe'}, ValueError),
    ({'from_enabled': 'yes'}, TypeError),
    ({'details': {'when': datetime(2025, 1, 1)}}, TypeError),
    ({'at': datetime(2025, 1, 1)}, ValueError),
    ({'error_code': 800115}, TypeError),
    ({'severity': 'high'}, TypeError),
])
def test_invalid_entries_are_refused_and_not_written(store, fields, error):
    with pytest.raises(error):
        store.record_audit(**_entry(**fields))

    assert store.list_audit().total == 0


def test_invalid_paging_of_the_trail_is_refused(store):
    with pytest.raises(ValueError):
        store.list_audit(limit=-1)
    with pytest.raises(ValueError):
        store.list_audit(offset=-5)
