"""Idempotency keys: a saved answer is replayed until it expires, and saved once only."""
import threading
from datetime import timedelta

import pytest

from testkit.clock import START


BODY = {'customer_id': 'TA-0001', 'overage': {'enabled': True, 'entitlement': 'ent-1'}}
HEADERS = {'ETag': '"v3"', 'Content-Type': 'application/json'}


def _save(store, key='key-1', *, scope='TA-0001', fingerprint='sha-a', ttl_seconds=60, **overrides):
    values = {'status_code': 200, 'body': BODY, 'headers': HEADERS}
    values.update(overrides)
    return store.save_idempotent_response(
        scope, key, fingerprint, values['status_code'], values['body'], values['headers'],
        ttl_seconds=ttl_seconds,
    )


def test_a_saved_answer_reads_back_whole(store):
    assert _save(store) is True

    saved = store.get_idempotent_response('TA-0001', 'key-1')

    assert (saved.scope, saved.key, saved.request_fingerprint) == ('TA-0001', 'key-1', 'sha-a')
    assert (saved.status_code, saved.body, saved.headers) == (200, BODY, HEADERS)
    assert (saved.created_at, saved.expires_at) == (START, START + timedelta(seconds=60))
    assert saved.expires_at.tzinfo is not None


def test_an_unknown_key_or_another_scope_has_no_answer(store):
    _save(store)

    assert store.get_idempotent_response('TA-0001', 'key-2') is None
    assert store.get_idempotent_response('TA-0002', 'key-1') is None


def test_a_live_answer_is_not_overwritten(store):
    _save(store)

    assert _save(store, fingerprint='sha-b', status_code=409, body={'other': 1}) is False
    assert store.get_idempotent_response('TA-0001', 'key-1').request_fingerprint == 'sha-a'


def test_the_same_key_in_two_scopes_is_two_answers(store):
    assert _save(store, scope='TA-0001', body={'n': 1}) is True
    assert _save(store, scope='TA-0002', body={'n': 2}) is True

    assert store.get_idempotent_response('TA-0002', 'key-1').body == {'n': 2}


def test_an_answer_expires_and_its_key_can_then_be_saved_again(store, clock):
    _save(store, ttl_seconds=60)
    clock.advance(59)
    assert store.get_idempotent_response('TA-0001', 'key-1') is not None

    clock.advance(1)
    assert store.get_idempotent_response('TA-0001', 'key-1') is None

    assert _save(store, fingerprint='sha-new', status_code=204, body=None, headers=None) is True
    renewed = store.get_idempotent_response('TA-0001', 'key-1')
    assert (renewed.request_fingerprint, renewed.status_code) == ('sha-new', 204)
    assert (renewed.body, renewed.headers) == (None, None)
    assert renewed.created_at == clock.now


def test_concurrent_saves_of_one_key_let_exactly_one_win(store):
    workers = 6
    barrier = threading.Barrier(workers)
    outcomes = []
    errors = []

    def save(index):
        barrier.wait()
        try:
            outcomes.append(_save(store, fingerprint=f'sha-{index}'))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=save, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(outcomes) == [False] * (workers - 1) + [True]


@pytest.mark.parametrize(('scope', 'key', 'ttl_seconds'), [
    ('', 'k', 60), ('TA-0001', ' ', 60), ('TA-0001', 'k', 0), ('TA-0001', 'k', -5),
])
def test_invalid_saves_are_refused(store, scope, key, ttl_seconds):
    with pytest.raises(ValueError):
        _save(store, key, scope=scope, ttl_seconds=ttl_seconds)
