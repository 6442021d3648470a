"""The store's awaited changes: one per customer, claimed by one worker at a time, ended once."""
import threading
from datetime import timedelta

import pytest

from testkit.clock import START


AZURE_X = 'e0710000-0000-4000-8000-00000000000a'


def _begin(store, customer_id='TA-0001', *, audit_id=1, minutes=60, **changes):
    fields = {
        'action': 'enable', 'from_enabled': False, 'from_entitlement': None, 'to_enabled': True,
        'to_entitlement': AZURE_X, 'audit_id': audit_id, 'requested_at': START,
        'confirm_by': START + timedelta(minutes=minutes), 'actor_type': 'owner', 'actor_id': 'PA-1',
        'actor_name': 'Ann Agent',
    }
    fields.update(changes)
    return store.confirmations.begin(customer_id, **fields)


def _follow_up(outcome='confirmed'):
    return {'customer_id': 'TA-0001', 'actor_type': 'owner', 'action': 'enable', 'outcome': outcome,
            'details': {'confirms': 1}}


def test_an_awaited_change_is_kept_whole_and_read_back(store):
    assert _begin(store) is None

    pending = store.confirmations.get('TA-0001')

    assert (pending.action, pending.from_enabled, pending.to_enabled, pending.to_entitlement) == (
        'enable', False, True, AZURE_X)
    assert (pending.audit_id, pending.requested_at, pending.confirm_by) == (
        1, START, START + timedelta(minutes=60))
    assert (pending.actor_type, pending.actor_id, pending.actor_name) == ('owner', 'PA-1', 'Ann Agent')
    assert (pending.checked_at, pending.claimed_by, pending.claimed_until) == (None, None, None)
    assert store.confirmations.get('TA-0002') is None
    # The overview reads which of its rows await one with the page itself.
    store.upsert_customer('TA-0001', name='Alpha')
    store.upsert_customer('TA-0002', name='Beta')
    assert store.list_customers().pending == {'TA-0001'}
    assert store.list_customers(limit=1).pending == {'TA-0001'}  # "Alpha", before "Beta"
    assert store.list_customers(search='beta').pending == set()


def test_one_per_customer_a_newer_one_replaces_and_hands_back_the_older(store):
    _begin(store, audit_id=1)

    replaced = _begin(store, audit_id=2, action='disable', to_enabled=False, to_entitlement=None)

    assert replaced.audit_id == 1
    assert store.confirmations.get('TA-0001').audit_id == 2


@pytest.mark.parametrize(('changes', 'error'), [
    ({'action': 'sync'}, ValueError),
    ({'actor_type': 'robot'}, ValueError),
    ({'to_enabled': 'yes'}, TypeError),
    ({'audit_id': '7'}, TypeError),
    ({'confirm_by': START - timedelta(seconds=1)}, ValueError),
    ({'requested_at': START.replace(tzinfo=None)}, ValueError),
])
def test_bad_values_are_refused_and_nothing_is_written(store, changes, error):
    with pytest.raises(error):
        _begin(store, **changes)

    assert store.confirmations.get('TA-0001') is None


def test_finish_ends_it_and_writes_its_follow_up_once(store):
    _begin(store)

    entry = store.confirmations.finish('TA-0001', 1, _follow_up())
    again = store.confirmations.finish('TA-0001', 1, _follow_up('not_confirmed'))

    assert (entry.outcome, entry.details, entry.at) == ('confirmed', {'confirms': 1}, START)
    assert again is None
    assert store.confirmations.get('TA-0001') is None
    assert [e.outcome for e in store.list_audit(customer_id='TA-0001').items] == ['confirmed']


def test_finish_of_an_older_change_than_the_one_awaited_ends_nothing(store):
    _begin(store, audit_id=2)

    assert store.confirmations.finish('TA-0001', 1, _follow_up()) is None
    assert store.confirmations.get('TA-0001').audit_id == 2
    assert store.list_audit(customer_id='TA-0001').total == 0


def test_a_bad_follow_up_is_refused_and_the_change_stays_awaited(store):
    _begin(store)

    with pytest.raises(ValueError):
        store.confirmations.finish('TA-0001', 1, {**_follow_up(), 'outcome': 'maybe'})

    assert store.confirmations.get('TA-0001') is not None


def test_racing_finishes_write_exactly_one_follow_up(store):
    _begin(store)
    results, barrier = [], threading.Barrier(4)

    def finish(outcome):
        barrier.wait()
        results.append(store.confirmations.finish('TA-0001', 1, _follow_up(outcome)))

    threads = [threading.Thread(target=finish, args=(outcome,))
               for outcome in ('confirmed', 'not_confirmed', 'confirmed', 'not_confirmed')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len([entry for entry in results if entry is not None]) == 1
    assert store.list_audit(customer_id='TA-0001').total == 1


def test_a_claim_hands_each_row_to_one_worker_until_released_or_lapsed(store, clock):
    for number in range(3):
        _begin(store, f'TA-000{number}', audit_id=number + 1,
               requested_at=START + timedelta(seconds=number))

    first = store.confirmations.claim(worker_id='w1', batch_size=2, lease_seconds=60)
    second = store.confirmations.claim(worker_id='w2', batch_size=5, lease_seconds=60)

    assert [p.customer_id for p in first] == ['TA-0000', 'TA-0001']
    assert [p.customer_id for p in second] == ['TA-0002']
    assert (first[0].claimed_by, first[0].claimed_until) == ('w1', START + timedelta(seconds=60))
    assert store.confirmations.claim(worker_id='w3', batch_size=5, lease_seconds=60) == []
    assert store.confirmations.release('TA-0000', 1, 'w2') is False  # not w2's
    assert store.confirmations.release('TA-0000', 1, 'w1', checked_at=START) is True
    assert [p.customer_id for p in store.confirmations.claim(
        worker_id='w3', batch_size=5, lease_seconds=60)] == ['TA-0000']
    clock.advance(59)
    assert store.confirmations.claim(worker_id='w4', batch_size=5, lease_seconds=60) == []
    clock.advance(1)  # every lease is over: a dead worker's rows go to the next
    assert {p.customer_id for p in store.confirmations.claim(
        worker_id='w4', batch_size=5, lease_seconds=60)} == {'TA-0000', 'TA-0001', 'TA-0002'}


def test_a_pass_claims_only_what_it_has_not_read_least_recently_read_first(store, clock):
    for number in range(3):
        _begin(store, f'TA-000{number}', audit_id=number + 1)
    store.confirmations.claim(worker_id='w1', batch_size=1, lease_seconds=60)
    store.confirmations.release('TA-0000', 1, 'w1', checked_at=START)
    clock.advance(1)
    pass_started = clock.now

    claimed = store.confirmations.claim(worker_id='w2', batch_size=5, lease_seconds=60,
                                        read_before=pass_started)

    assert [p.customer_id for p in claimed] == ['TA-0001', 'TA-0002', 'TA-0000']
    for pending in claimed:
        store.confirmations.release(pending.customer_id, pending.audit_id, 'w2', checked_at=clock.now)
    assert store.confirmations.claim(worker_id='w2', batch_size=5, lease_seconds=60,
                                     read_before=pass_started) == []


def test_concurrent_claims_never_share_a_row(store):
    for number in range(20):
        _begin(store, f'TA-{number:04d}', audit_id=number + 1)
    claimed, barrier = {}, threading.Barrier(4)

    def claim(worker):
        barrier.wait()
        claimed[worker] = [p.customer_id for p in store.confirmations.claim(
            worker_id=worker, batch_size=8, lease_seconds=60)]

    threads = [threading.Thread(target=claim, args=(f'w{n}',)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    every = [customer_id for ids in claimed.values() for customer_id in ids]
    assert len(every) == len(set(every)) == 20
