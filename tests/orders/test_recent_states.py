import threading

import pytest

from connect_ext.orders.recent_states import RecentStates


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_state_is_reused_within_its_age_and_read_again_after():
    clock, reads = Clock(), []
    states = RecentStates(60, clock=clock)

    def read():
        reads.append(1)
        return {'status': 'enabled', 'read': len(reads)}

    assert states.get('TA-1', read)['read'] == 1
    clock.now += 59
    assert states.get('TA-1', read)['read'] == 1
    clock.now += 2
    assert states.get('TA-1', read)['read'] == 2
    assert states.get('TA-2', read)['read'] == 3


def test_a_failed_read_is_not_remembered():
    states = RecentStates(60, clock=Clock())

    def failing():
        raise RuntimeError('Partner Center unavailable')

    with pytest.raises(RuntimeError):
        states.get('TA-1', failing)
    assert states.get('TA-1', lambda: 'read again') == 'read again'


def test_concurrent_askers_for_one_customer_share_one_read():
    states, reads = RecentStates(60), []
    started = threading.Event()

    def slow_read():
        reads.append(1)
        started.wait(0.2)
        return 'state'

    threads = [threading.Thread(target=states.get, args=('TA-1', slow_read)) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()

    assert len(reads) == 1


def test_the_oldest_customers_are_forgotten_beyond_the_bound():
    states = RecentStates(60, clock=Clock(), max_items=2)
    for key in ('a', 'b', 'c'):
        states.get(key, lambda key=key: key)

    assert states.get('a', lambda: 'fresh') == 'fresh'
    assert states.get('c', lambda: 'fresh') == 'c'
