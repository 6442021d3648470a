"""The web app served as Connect's runner serves it (``testkit.runner_app``, what the overview
benchmark measures): no dependency replaced, the configuration in ``X-Connect-Config``, a Connect
that lists a reseller's subscriptions. It answers what the tests' harness answers.
"""
import requests

from testkit.callers import RESELLER_A_ACCOUNT
from testkit.customers import ENABLED, HELD, READY
from testkit.runner_app import serving_as_the_runner


def test_the_owner_reads_the_overview_the_harness_answers(api, store):
    expected = api.get('/api/customers', params={'limit': 2})

    with serving_as_the_runner(store.url) as app:
        answer = requests.get(f'{app.api_url}/customers', params={'limit': 2},
                              headers=app.owner_headers(), timeout=30)

    assert answer.status_code == 200
    assert answer.json() == expected.json()
    assert answer.json()['next_cursor']
    assert answer.headers['Content-Range'] == expected.headers['Content-Range']


def test_a_reseller_sees_what_the_local_connect_lists_for_it(store):
    shown = [READY, HELD]

    with serving_as_the_runner(store.url, {RESELLER_A_ACCOUNT: shown}) as app:
        headers = app.reseller_headers(RESELLER_A_ACCOUNT)
        answer = requests.get(f'{app.api_url}/customers', headers=headers, timeout=30)
        cursor = requests.get(f'{app.api_url}/customers', params={'limit': 1}, headers=headers,
                              timeout=30).json()['next_cursor']
        second = requests.get(f'{app.api_url}/customers', params={'limit': 1, 'cursor': cursor},
                              headers=headers, timeout=30)

    assert answer.status_code == 200
    assert sorted(item['id'] for item in answer.json()['items']) == sorted(shown)
    assert answer.json()['total'] == 2
    assert [item['id'] for item in second.json()['items']] == \
        [item['id'] for item in answer.json()['items']][1:]
    # the overview's re-read recorded what Connect showed, and nothing else
    assert store.seen_at(RESELLER_A_ACCOUNT, READY) is not None
    assert store.seen_at(RESELLER_A_ACCOUNT, ENABLED) is None


def test_a_call_without_connects_caller_headers_is_refused(store):
    with serving_as_the_runner(store.url) as app:
        answer = requests.get(f'{app.api_url}/customers', timeout=30)

    assert answer.status_code == 403
    assert answer.json()['error']['code'] == 'FORBIDDEN'
