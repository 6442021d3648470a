"""Idempotency-Key on PUT: a retry answers the first answer and writes nothing."""
import re
import threading

import pytest
import responses

from connect_ext.api.idempotency import Answer, fingerprint, run_once
from connect_ext.errors.error import OverageError
from sandbox.partner_center import demo, faults
from testkit.callers import RESELLER_A
from testkit.customers import ENABLED, HELD, READY
from testkit.web_api import error_body


def put(api, customer_id, azure_subscription_id, key, headers_extra=None, **kwargs):
    return api.put(
        f'/api/customers/{customer_id}/overage',
        json={'azure_subscription_id': azure_subscription_id},
        headers={'Idempotency-Key': key, **(headers_extra or {})}, **kwargs,
    )


def test_a_retried_change_answers_the_first_answer_and_writes_nothing(
    api, sim, store, notifications,
):
    first = put(api, READY, demo.READY_ENTITLEMENT_ID, 'retry-1')
    calls_after_first = len(sim.calls.all())
    retry = put(api, READY, demo.READY_ENTITLEMENT_ID, 'retry-1')

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers['ETag'] == first.headers['ETag']
    assert retry.headers['Idempotent-Replayed'] == 'true'
    assert 'Idempotent-Replayed' not in first.headers
    assert len(sim.calls.all()) == calls_after_first  # Microsoft not even read
    assert store.list_audit(customer_id=READY).total == 1
    assert len(notifications) == 1


def test_the_same_key_with_another_body_is_refused(api, sim):
    put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-2')
    writes = len(sim.calls.matching('PUT', '/overage'))

    response = put(api, READY, demo.READY_SECOND_ENTITLEMENT_ID, 'key-2')

    assert response.status_code == 422
    assert response.json() == error_body(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request.',
        'One key stands for one change; the same key with another body would be ambiguous.',
        'Send a new Idempotency-Key for a new change, or repeat the original request unchanged.',
        {'idempotency_key': 'key-2'},
    )
    assert len(sim.calls.matching('PUT', '/overage')) == writes


def test_key_order_and_spacing_of_the_body_do_not_matter(api):
    first = put(api, READY, None, 'key-3')
    retry = api.put(f'/api/customers/{READY}/overage', content=b'{ "azure_subscription_id" :null }',
                    headers={'Idempotency-Key': 'key-3', 'Content-Type': 'application/json'})

    assert retry.status_code == first.status_code
    assert retry.headers['Idempotent-Replayed'] == 'true'


def test_a_refusal_microsoft_answered_is_replayed_too(api, sim, running_sim):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(running_sim.api_url)
        mock.add_passthru(running_sim.login_url)
        mock.add(responses.PUT, re.compile(r'.*/subscriptions/overage$'), status=400,
                 json={'code': 3000, 'description': 'Invalid request.'})
        first = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-4')
        retry = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-4')
        writes = [call for call in mock.calls if call.request.method == 'PUT']

    assert first.json()['error']['details']['microsoft']['code'] == '3000'
    assert retry.status_code == first.status_code
    assert retry.json() == first.json()
    assert retry.headers['Idempotent-Replayed'] == 'true'
    assert len(writes) == 1  # Microsoft was asked once


def test_a_refusal_of_the_extensions_own_is_judged_anew(api, sim):
    """Nothing happened (a blocking prerequisite): the key is not used up by it."""
    first = put(api, HELD, demo.HELD_ENTITLEMENT_ID, 'key-4b')
    retry = put(api, HELD, demo.HELD_ENTITLEMENT_ID, 'key-4b')

    assert first.status_code == retry.status_code == 409
    assert 'Idempotent-Replayed' not in retry.headers
    assert sim.calls.matching('PUT', '/overage') == []


def test_a_stale_if_match_is_not_kept_so_the_retry_with_a_fresh_one_runs(api, sim):
    etag = api.get(f'/api/customers/{READY}/overage').headers['ETag']
    stale = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-412', headers_extra={'If-Match': '"old"'})
    retry = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-412', headers_extra={'If-Match': etag})

    assert stale.status_code == 412
    assert retry.status_code == 200
    assert 'Idempotent-Replayed' not in retry.headers
    assert retry.json()['change']['outcome'] == 'succeeded'
    again = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-412', headers_extra={'If-Match': etag})
    assert again.headers['Idempotent-Replayed'] == 'true'  # what happened is kept


def test_a_throttled_answer_is_not_kept_so_the_retry_can_succeed(api, sim):
    rule = sim.faults.add(faults.throttle(retry_after=3, method='PUT'))
    throttled = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-5')
    sim.faults.clear()

    retry = put(api, READY, demo.READY_ENTITLEMENT_ID, 'key-5')

    assert rule.fired >= 1
    assert throttled.status_code == 429
    assert retry.status_code == 200
    assert 'Idempotent-Replayed' not in retry.headers
    assert retry.json()['change']['outcome'] == 'succeeded'


def test_keys_belong_to_the_caller(api, sim):
    owner = put(api, READY, demo.READY_ENTITLEMENT_ID, 'shared-key')
    reseller = put(api, READY, demo.READY_ENTITLEMENT_ID, 'shared-key', who=RESELLER_A)

    assert owner.status_code == reseller.status_code == 200
    assert 'Idempotent-Replayed' not in reseller.headers
    assert reseller.json()['change']['outcome'] == 'no_change'  # ran again, found it done


def test_keys_belong_to_the_customer(api):
    ready = put(api, READY, None, 'per-customer')
    enabled = put(api, ENABLED, None, 'per-customer')

    assert 'Idempotent-Replayed' not in enabled.headers
    assert ready.json()['customer']['id'] == READY
    assert enabled.json()['customer']['id'] == ENABLED
    assert enabled.json()['change']['action'] == 'disable'


def test_without_a_key_every_request_runs(api, sim):
    for _ in range(2):
        api.put(f'/api/customers/{READY}/overage',
                json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID})

    assert len(sim.calls.matching('PUT', '/overage')) == 1  # the second found it done
    assert len(sim.calls.matching('GET', '/overage')) >= 2


# --- run_once under concurrency ----------------------------------------------------------------

def test_concurrent_retries_run_the_change_once(store):
    runs = []
    started = threading.Event()

    def change():
        runs.append(1)
        started.set()
        threading.Event().wait(0.05)  # hold the lock while the others arrive
        return Answer(200, {'n': len(runs)}, {'ETag': '"e1"'})

    answers = []

    def call():
        answers.append(run_once(
            store, scope='s', key='k', request_fingerprint=fingerprint('PUT', '/p', {'a': 1}),
            lock_id=READY, run=change,
        ))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert len(runs) == 1
    assert [answer.body for answer, _ in answers] == [{'n': 1}] * 4
    assert sorted(replayed for _, replayed in answers) == [False, True, True, True]


def test_a_server_error_answer_is_not_saved(store):
    calls = []

    def change():
        calls.append(1)
        return Answer(503, {'error': {}}, {})

    for _ in range(2):
        run_once(store, scope='s', key='k', request_fingerprint='f', lock_id=READY, run=change)

    assert len(calls) == 2
    assert store.get_idempotent_response('s', 'k') is None


def test_a_reused_key_raises_the_public_error(store):
    run_once(store, scope='s', key='k', request_fingerprint='one', lock_id=READY,
             run=lambda: Answer(200, {}, {}))

    with pytest.raises(OverageError) as raised:
        run_once(store, scope='s', key='k', request_fingerprint='two', lock_id=READY,
                 run=lambda: Answer(200, {}, {}))

    assert (raised.value.code, raised.value.http_status) == ('IDEMPOTENCY_KEY_REUSED', 422)


def test_fingerprints_ignore_key_order_but_not_values():
    assert fingerprint('put', '/p', {'a': 1, 'b': None}) == fingerprint('PUT', '/p', {'b': None, 'a': 1})
    assert fingerprint('PUT', '/p', {'a': 1}) != fingerprint('PUT', '/p', {'a': 2})
    assert fingerprint('PUT', '/p', {'a': 1}) != fingerprint('PUT', '/q', {'a': 1})


class StoreThatCannotSave:
    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def save_idempotent_response(self, *args, **kwargs):
        raise OSError('disk full')


def test_a_change_that_happened_is_answered_even_if_its_answer_cannot_be_kept(store):
    answer, replayed = run_once(
        StoreThatCannotSave(store), scope='s', key='k', request_fingerprint='f', lock_id=READY,
        run=lambda: Answer(200, {'done': True}, {}),
    )

    assert (answer.status_code, answer.body, replayed) == (200, {'done': True}, False)
