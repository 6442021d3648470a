"""The sync's claims: oldest read first, and never one customer to two workers at once."""
import threading
from datetime import datetime, timedelta

import pytest

from testkit.clock import START


def _seed(store, count, *, never_checked=()):
    """``count`` customers read at START minus (count - i) minutes; a few never read."""
    for index in range(count):
        customer_id = f'TA-{index:04d}'
        store.upsert_customer(customer_id, name=f'Customer {index}')
        if customer_id not in never_checked:
            store.record_overage_state(
                customer_id, status='disabled', azure_entitlement_id=None, partner_id=None,
                checked_at=START - timedelta(minutes=count - index),
            )


def _ids(records):
    return [record.customer_id for record in records]


def test_never_read_customers_come_first_then_the_least_recently_read(store):
    _seed(store, 5, never_checked={'TA-0003', 'TA-0001'})

    claimed = store.claim_customers_for_sync(worker_id='w1', batch_size=10, lease_seconds=60)

    assert _ids(claimed) == ['TA-0001', 'TA-0003', 'TA-0000', 'TA-0002', 'TA-0004']


def test_customers_read_at_the_same_moment_come_in_id_order(store):
    for customer_id in ('TA-C', 'TA-A', 'TA-B'):
        store.upsert_customer(customer_id, checked_at=START)

    claimed = store.claim_customers_for_sync(worker_id='w1', batch_size=3, lease_seconds=60)

    assert _ids(claimed) == ['TA-A', 'TA-B', 'TA-C']


def test_a_claim_is_recorded_and_hides_the_customer_until_its_lease_ends(store, clock):
    _seed(store, 3)
    before = store.get_customer('TA-0000')

    first = store.claim_customers_for_sync(worker_id='w1', batch_size=2, lease_seconds=60)
    second = store.claim_customers_for_sync(worker_id='w2', batch_size=2, lease_seconds=60)

    assert _ids(first) == ['TA-0000', 'TA-0001']
    assert _ids(second) == ['TA-0002']
    claimed = store.get_customer('TA-0000')
    assert (claimed.sync_claimed_by, claimed.sync_claimed_until) == (
        'w1', clock.now + timedelta(seconds=60),
    )
    assert (claimed.version, claimed.updated_at) == (before.version, before.updated_at)
    assert store.claim_customers_for_sync(worker_id='w3', batch_size=5, lease_seconds=60) == []

    after_lease = store.claim_customers_for_sync(
        worker_id='w3', batch_size=5, lease_seconds=60, now=clock.now + timedelta(seconds=60),
    )
    assert _ids(after_lease) == ['TA-0000', 'TA-0001', 'TA-0002']
    assert {record.sync_claimed_by for record in after_lease} == {'w3'}


def test_only_the_claiming_worker_releases_its_claim(store):
    _seed(store, 1)
    store.claim_customers_for_sync(worker_id='w1', batch_size=1, lease_seconds=60)

    assert store.release_sync_claim('TA-0000', 'w2') is False
    assert store.get_customer('TA-0000').sync_claimed_by == 'w1'
    assert store.release_sync_claim('TA-0000', 'w1') is True
    released = store.get_customer('TA-0000')
    assert (released.sync_claimed_by, released.sync_claimed_until) == (None, None)
    assert store.release_sync_claim('TA-0000', 'w1') is False
    assert _ids(store.claim_customers_for_sync(worker_id='w2', batch_size=1, lease_seconds=60)) == [
        'TA-0000',
    ]


def test_a_read_customer_goes_to_the_back_of_the_queue(store, clock):
    _seed(store, 3)
    store.claim_customers_for_sync(worker_id='w1', batch_size=1, lease_seconds=60)
    store.record_overage_state(
        'TA-0000', status='enabled', azure_entitlement_id='e', partner_id='p', checked_at=clock.now,
    )
    store.release_sync_claim('TA-0000', 'w1')

    claimed = store.claim_customers_for_sync(worker_id='w1', batch_size=3, lease_seconds=60)

    assert _ids(claimed) == ['TA-0001', 'TA-0002', 'TA-0000']


def test_two_workers_claiming_at_once_get_disjoint_batches_of_the_oldest(store):
    _seed(store, 30)
    barrier = threading.Barrier(2)
    batches = {}

    def claim(worker_id):
        barrier.wait()
        batches[worker_id] = store.claim_customers_for_sync(
            worker_id=worker_id, batch_size=5, lease_seconds=60,
        )

    threads = [threading.Thread(target=claim, args=(name,)) for name in ('w1', 'w2')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    first, second = set(_ids(batches['w1'])), set(_ids(batches['w2']))
    assert len(first) == len(second) == 5
    assert not first & second
    assert first | second == {f'TA-{index:04d}' for index in range(10)}
    for worker_id, batch in batches.items():
        assert all(store.get_customer(c.customer_id).sync_claimed_by == worker_id for c in batch)


def test_many_workers_claiming_until_nothing_is_left_never_share_a_customer(store):
    _seed(store, 40)
    barrier = threading.Barrier(4)
    claims = []
    errors = []

    def work(worker_id):
        barrier.wait()
        try:
            while True:
                batch = store.claim_customers_for_sync(
                    worker_id=worker_id, batch_size=3, lease_seconds=60,
                )
                if not batch:
                    return
                claims.extend(_ids(batch))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f'w{index}',)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(claims) == [f'TA-{index:04d}' for index in range(40)]


@pytest.mark.parametrize(('options', 'message'), [
    ({'worker_id': '', 'batch_size': 1, 'lease_seconds': 1}, 'worker_id'),
    ({'worker_id': 'w', 'batch_size': 0, 'lease_seconds': 1}, 'batch_size'),
    ({'worker_id': 'w', 'batch_size': True, 'lease_seconds': 1}, 'batch_size'),
    ({'worker_id': 'w', 'batch_size': 1, 'lease_seconds': 0}, 'lease_seconds'),
    ({'worker_id': 'w', 'batch_size': 1, 'lease_seconds': 1, 'now': datetime(2025, 1, 1)},
     'now'),
])
def test_invalid_claims_are_refused_and_claim_nothing(store, options, message):
    _seed(store, 1)

    with pytest.raises(ValueError, match=message):
        store.claim_customers_for_sync(**options)

    assert store.get_customer('TA-0000').sync_claimed_by is None
