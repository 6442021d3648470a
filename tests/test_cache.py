import threading

import pytest

from connect_ext.cache import BoundedCache


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_value_is_reused_within_its_age_and_built_again_after():
    clock, builds = Clock(), []
    cache = BoundedCache(10, max_age=60, clock=clock)

    def build():
        builds.append(1)
        return {'status': 'enabled', 'read': len(builds)}

    assert cache.get_or_build('TA-1', build)['read'] == 1
    clock.now += 59
    assert cache.get_or_build('TA-1', build)['read'] == 1
    clock.now += 2
    assert cache.get('TA-1') is None
    assert cache.get_or_build('TA-1', build)['read'] == 2
    assert cache.get_or_build('TA-2', build)['read'] == 3


def test_without_a_max_age_a_value_lives_until_it_is_the_oldest_beyond_the_bound():
    clock = Clock()
    cache = BoundedCache(2, clock=clock)
    cache.put('a', 1)
    clock.now += 10 ** 9
    assert cache.get('a') == 1


def test_a_failed_build_is_not_remembered():
    cache = BoundedCache(10, max_age=60, clock=Clock())

    def failing():
        raise RuntimeError('Partner Center unavailable')

    with pytest.raises(RuntimeError):
        cache.get_or_build('TA-1', failing)
    assert cache.get_or_build('TA-1', lambda: 'read again') == 'read again'


def test_concurrent_askers_for_one_key_share_one_build():
    cache, builds = BoundedCache(10, max_age=60), []
    started = threading.Event()

    def slow_build():
        builds.append(1)
        started.wait(0.2)
        return 'state'

    threads = [threading.Thread(target=cache.get_or_build, args=('TA-1', slow_build)) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()

    assert len(builds) == 1
    assert cache.get('TA-1') == 'state'


def test_the_least_recently_used_keys_are_forgotten_beyond_the_bound():
    cache = BoundedCache(2, max_age=60, clock=Clock())
    for key in ('a', 'b', 'c'):
        cache.get_or_build(key, lambda key=key: key)

    assert cache.get_or_build('a', lambda: 'fresh') == 'fresh'
    assert cache.get_or_build('c', lambda: 'fresh') == 'c'
    cache.get('c')
    cache.put('d', 'd')
    assert (cache.get('a'), cache.get('c'), cache.get('d')) == (None, 'c', 'd')
    assert len(cache) == 2


def test_put_get_and_clear():
    cache = BoundedCache(3)
    cache.put('k', 'v')
    assert cache.get('k') == 'v'
    assert cache.get('other', 'default') == 'default'
    cache.clear()
    assert cache.get('k') is None


def test_a_cache_holds_at_least_one_item():
    with pytest.raises(ValueError, match='at least 1'):
        BoundedCache(0)
