"""The store's handover requests, on every backend: one open per customer, each step taken once
(with its audit entry) however many workers try, claimed by one worker at a time."""
import threading
from datetime import timedelta

import pytest

from testkit.clock import START


AZURE_X = 'e0710000-0000-4000-8000-00000000000a'
HOLDER = 'e0710000-0000-4000-8000-00000000000b'


def _audit(outcome, customer_id='TA-0001'):
    return {'customer_id': customer_id, 'actor_type': 'owner', 'action': 'handover', 'outcome': outcome}


def _begin(store, customer_id='TA-0001', **changes):
    fields = {
        'tenant_id': 'C0570000-0000-4000-8000-000000000001', 'azure_subscription_id': AZURE_X,
        'create_azure_subscription': False, 'enable_when_released': True, 'holder_partner_id': '5350003',
        'holder_entitlement_id': HOLDER, 'requested_at': START, 'expires_at': START + timedelta(days=30),
        'requested_by_type': 'reseller', 'requested_by_id': 'PA-7', 'requested_by_name': 'Rita',
        'audit': _audit('requested', customer_id),
    }
    fields.update(changes)
    return store.handovers.begin(customer_id, **fields)


def test_a_request_is_kept_whole_with_its_audit_entry(store):
    record, entry = _begin(store)

    assert store.handovers.get('TA-0001') == record
    assert (record.state, record.azure_subscription_id, record.enable_when_released) == (
        'waiting', AZURE_X, True)
    assert record.tenant_id == 'c0570000-0000-4000-8000-000000000001'
    assert (record.current_holder_partner_id, record.current_holder_entitlement_id) == ('5350003', HOLDER)
    assert (record.requested_by_type, record.requested_by_id, record.requested_by_name) == (
        'reseller', 'PA-7', 'Rita')
    assert record.expires_at == START + timedelta(days=30)
    assert (entry.action, entry.outcome, entry.details) == (
        'handover', 'requested', {'request_id': record.request_id})
    assert store.handovers.get('TA-0002') is None


def test_one_open_request_per_customer_and_an_ended_one_is_replaced(store):
    first, _ = _begin(store)

    assert _begin(store, create_azure_subscription=True, azure_subscription_id=None) is None
    assert store.list_audit(customer_id='TA-0001').total == 1
    store.handovers.advance('TA-0001', first.request_id, from_states=('waiting',), to_state='cancelled')
    second, _ = _begin(store, create_azure_subscription=True, azure_subscription_id=None)

    assert second.request_id != first.request_id
    assert store.handovers.get('TA-0001') == second
    assert store.handovers.advance('TA-0001', first.request_id, from_states=('waiting',),
                                   to_state='expired') is None  # the old request is gone


@pytest.mark.parametrize('changes', [
    {'azure_subscription_id': None},
    {'create_azure_subscription': True},
    {'expires_at': START},
    {'requested_by_type': 'vendor'},
    {'enable_when_released': 'yes'},
], ids=['no target', 'both targets', 'expires at once', 'unknown actor', 'not a bool'])
def test_bad_values_are_refused_and_nothing_is_written(store, changes):
    with pytest.raises((TypeError, ValueError)):
        _begin(store, **changes)

    assert store.handovers.get('TA-0001') is None
    assert store.list_audit(customer_id='TA-0001').total == 0


def test_a_step_is_taken_once_however_many_try(store):
    record, _ = _begin(store)
    results, barrier = [], threading.Barrier(4)

    def step(to_state):
        barrier.wait()
        results.append(store.handovers.advance(
            'TA-0001', record.request_id, from_states=('waiting',), to_state=to_state,
            values={'ended_at': START}, audit=_audit(to_state)))

    threads = [threading.Thread(target=step, args=(state,))
               for state in ('released', 'cancelled', 'expired', 'released')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    won = [result for result in results if result is not None]
    assert len(won) == 1
    ended, entry = won[0]
    assert ended.state == entry.outcome
    assert store.list_audit(customer_id='TA-0001').total == 2  # requested, and the one step


def test_a_claim_hands_each_open_request_to_one_worker_and_a_step_may_keep_it(store, clock):
    for number in range(3):
        _begin(store, f'TA-000{number}', requested_at=START + timedelta(seconds=number))
    done, _ = _begin(store, 'TA-0009')
    store.handovers.advance('TA-0009', done.request_id, from_states=('waiting',), to_state='cancelled')

    first = store.handovers.claim(worker_id='w1', batch_size=2, lease_seconds=60)
    second = store.handovers.claim(worker_id='w2', batch_size=5, lease_seconds=60)

    assert [r.customer_id for r in first] == ['TA-0000', 'TA-0001']
    assert [r.customer_id for r in second] == ['TA-0002']  # never an ended one
    kept = store.handovers.advance('TA-0000', first[0].request_id, from_states=('waiting',),
                                   to_state='enabling', keep_claim=True)[0]
    assert kept.claimed_by == 'w1'
    assert store.handovers.claim(worker_id='w3', batch_size=5, lease_seconds=60) == []
    assert store.handovers.release('TA-0000', first[0].request_id, 'w2') is False  # not w2's
    assert store.handovers.release('TA-0000', first[0].request_id, 'w1', checked_at=START) is True
    again = store.handovers.claim(worker_id='w3', batch_size=5, lease_seconds=60)
    assert [r.customer_id for r in again] == ['TA-0000']  # an enabling one its worker let go
    clock.advance(60)
    assert len(store.handovers.claim(worker_id='w4', batch_size=5, lease_seconds=60)) == 3


def test_concurrent_claims_never_share_a_request(store):
    for number in range(12):
        _begin(store, f'TA-{number:04d}')
    claimed, barrier = {}, threading.Barrier(3)

    def claim(worker):
        barrier.wait()
        records = store.handovers.claim(worker_id=worker, batch_size=6, lease_seconds=60)
        claimed[worker] = [r.customer_id for r in records]

    threads = [threading.Thread(target=claim, args=(f'w{n}',)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    every = [customer_id for ids in claimed.values() for customer_id in ids]
    assert len(every) == len(set(every)) == 12


def test_noting_a_new_holder_only_touches_an_open_request(store):
    record, _ = _begin(store)

    assert store.handovers.note('TA-0001', record.request_id, {
        'current_holder_partner_id': '5350999', 'holder_changed_at': START}) is True
    store.handovers.advance('TA-0001', record.request_id, from_states=('waiting',), to_state='cancelled')
    assert store.handovers.note('TA-0001', record.request_id, {'current_holder_partner_id': 'x'}) is False

    kept = store.handovers.get('TA-0001')
    assert (kept.current_holder_partner_id, kept.holder_changed_at) == ('5350999', START)
    with pytest.raises(ValueError):
        store.handovers.note('TA-0001', record.request_id, {'state': 'waiting'})
