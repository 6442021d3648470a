"""customer_lock: one change of a customer at a time, across threads and (PostgreSQL) replicas."""
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from connect_ext.store import CustomerLockTimeout
from connect_ext.store.locks import advisory_lock_key


def _in_thread(target):
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_a_second_thread_cannot_take_a_held_lock(store):
    inside = threading.Event()
    leave = threading.Event()

    def holder():
        with store.customer_lock('TA-0001'):
            inside.set()
            leave.wait(10)

    thread = _in_thread(holder)
    try:
        assert inside.wait(10)
        with pytest.raises(CustomerLockTimeout, match='TA-0001'), store.customer_lock(
            'TA-0001', timeout_seconds=0.1,
        ):
            pass  # pragma: no cover - must not be reached
        with store.customer_lock('TA-0002', timeout_seconds=1):
            pass  # another customer is free
    finally:
        leave.set()
        thread.join(10)
    with store.customer_lock('TA-0001', timeout_seconds=1):
        pass  # free again once released


def test_two_threads_changing_one_customer_run_one_after_the_other(store):
    events = []
    barrier = threading.Barrier(2)

    def change(name):
        barrier.wait()
        for _ in range(5):
            with store.customer_lock('TA-0001', timeout_seconds=10):
                events.append(('enter', name))
                time.sleep(0.002)  # give the other thread every chance to barge in
                events.append(('exit', name))

    threads = [_in_thread(lambda name=name: change(name)) for name in ('a', 'b')]
    for thread in threads:
        thread.join(30)

    assert len(events) == 20
    for enter, leave in zip(events[::2], events[1::2], strict=True):
        assert (enter[0], leave[0], enter[1]) == ('enter', 'exit', leave[1])


def test_the_lock_is_reentrant_in_one_thread_and_released_after_an_error(store):
    def fail_inside_nested_locks():
        # The second one re-enters the lock this thread holds: it does not wait.
        with store.customer_lock('TA-0001'), store.customer_lock('TA-0001', timeout_seconds=0.1):
            raise RuntimeError('the change failed')

    with pytest.raises(RuntimeError):
        fail_inside_nested_locks()

    acquired = []
    thread = _in_thread(lambda: _take(store, acquired))
    thread.join(10)
    assert acquired == [True]


def _take(store, acquired):
    with store.customer_lock('TA-0001', timeout_seconds=1):
        acquired.append(True)


def test_a_lock_needs_a_customer_id(store):
    with pytest.raises(ValueError), store.customer_lock(''):
        pass  # pragma: no cover


@pytest.fixture
def other_replica(postgres_store):
    """A separate database session, as another replica would have."""
    engine = create_engine(postgres_store.url, isolation_level='AUTOCOMMIT')
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.mark.postgres
def test_the_advisory_lock_is_held_on_the_server_for_the_duration(postgres_store, other_replica):
    key = advisory_lock_key('TA-0001')
    try_lock = text('SELECT pg_try_advisory_lock(:key)')

    with postgres_store.customer_lock('TA-0001'):
        assert other_replica.execute(try_lock, {'key': key}).scalar() is False

    assert other_replica.execute(try_lock, {'key': key}).scalar() is True
    other_replica.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': key})


@pytest.mark.postgres
def test_a_lock_held_by_another_replica_times_out(postgres_store, other_replica):
    key = advisory_lock_key('TA-0001')
    other_replica.execute(text('SELECT pg_advisory_lock(:key)'), {'key': key})
    try:
        started = time.monotonic()
        with pytest.raises(CustomerLockTimeout), postgres_store.customer_lock(
            'TA-0001', timeout_seconds=0.2,
        ):
            pass  # pragma: no cover
        assert time.monotonic() - started < 5
    finally:
        other_replica.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': key})

    with postgres_store.customer_lock('TA-0001', timeout_seconds=1):
        pass  # obtainable once the other replica lets go
