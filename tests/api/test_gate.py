"""What every request passes first: no trailing-slash redirect, a bounded body, JSON with each key
once (issue 20, item 9; the reasons are in docs/api.md)."""
import pytest

from connect_ext.api.gate import MAX_BODY_BYTES, InvalidJson, check_json
from sandbox.partner_center import demo
from testkit.customers import READY


def put_raw(api, body, content_type='application/json', **kwargs):
    headers = {'Content-Type': content_type} if content_type else {}
    return api.put(f'/api/customers/{READY}/overage', content=body, headers=headers, **kwargs)


@pytest.mark.parametrize('body', [
    f'{{"azure_subscription_id": "{demo.READY_ENTITLEMENT_ID}", "azure_subscription_id": null}}',
    f'{{"azure_subscription_id": null, "azure_subscription_id": "{demo.READY_ENTITLEMENT_ID}"}}',
    '{"azure_subscription_id": null, "x": {"a": 1, "a": 2}}',
])
def test_a_body_with_a_repeated_key_is_refused_and_changes_nothing(api, sim, store, body):
    response = put_raw(api, body.encode())

    assert response.status_code == 400
    error = response.json()['error']
    assert error['code'] == 'INVALID_JSON_BODY'
    assert 'more than once' in error['message']
    assert sim.calls.matching('PUT', '/overage') == []
    assert store.list_audit(customer_id=READY).total == 0


@pytest.mark.parametrize(('body', 'problem'), [
    (b'{"azure_subscription_id": "\xff"}', 'not UTF-8'),
    (b'{"azure_subscription_id": ', 'not JSON at line 1 column 27'),
    (b'{"azure_subscription_id": NaN}', 'NaN is not a JSON value'),
])
def test_a_body_that_is_not_utf8_json_is_a_400_in_the_public_shape(api, sim, body, problem):
    response = put_raw(api, body)

    assert response.status_code == 400
    error = response.json()['error']
    assert error['code'] == 'INVALID_JSON_BODY'
    assert problem in error['message']
    assert set(error) == {'code', 'message', 'reason', 'action', 'details'}
    assert sim.calls.matching('PUT', '/overage') == []


def test_a_body_without_a_content_type_is_read_as_json_too(api):
    response = put_raw(api, b'{"a": 1, "a": 2}', content_type=None)

    assert response.json()['error']['code'] == 'INVALID_JSON_BODY'


def test_a_body_over_the_limit_is_a_413_before_anything_runs(api, sim, store):
    body = b'{"azure_subscription_id": null, "pad": "' + b'x' * MAX_BODY_BYTES + b'"}'

    response = put_raw(api, body)

    assert response.status_code == 413
    assert response.json()['error']['code'] == 'REQUEST_BODY_TOO_LARGE'
    assert response.json()['error']['details'] == {'limit_bytes': MAX_BODY_BYTES}
    assert sim.calls.all() == []
    assert store.list_audit(customer_id=READY).total == 0


def test_a_streamed_body_over_the_limit_is_refused_too(api, sim):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b' ' * 1024

    response = put_raw(api, chunks())

    assert response.status_code == 413
    assert sim.calls.all() == []


def test_a_body_within_the_limit_reaches_the_route_unchanged(api):
    response = put_raw(api, f'{{"azure_subscription_id": "{demo.READY_ENTITLEMENT_ID}"}}'.encode())

    assert response.status_code == 200
    assert response.json()['azure_subscription_id'] == demo.READY_ENTITLEMENT_ID


@pytest.mark.parametrize('path', ['/api/customers/', f'/api/customers/{READY}/overage/', '/api/settings/'])
def test_a_trailing_slash_is_not_redirected_to_a_host_the_caller_chose(api, path):
    response = api.get(path, headers={'Host': 'attacker.example'}, follow_redirects=False)

    assert response.status_code == 404
    assert 'location' not in response.headers
    error = response.json()['error']
    assert error['code'] == 'ROUTE_NOT_FOUND'
    assert error['details']['path'].endswith(path)


def test_check_json_names_the_repeated_key():
    with pytest.raises(InvalidJson, match='"a" is given more than once'):
        check_json(b'[{"b": 1}, {"a": 1, "a": 1}]')
    assert check_json(b'{"a": [1, {"b": null}]}') == {'a': [1, {'b': None}]}
