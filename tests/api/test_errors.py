"""Every error status the API answers, in the one public shape, and never a bare 500."""
import logging

import pytest
from connect.client import R

from connect_ext.api import dependencies
from connect_ext.api.handlers import UnexpectedErrorMiddleware, public_error
from connect_ext.api.schemas import ErrorBody
from connect_ext.compat import parse
from connect_ext.errors.error import OverageError
from connect_ext.store import CustomerLockTimeout
from sandbox.partner_center import demo, faults
from testkit.callers import OWNER
from testkit.customers import HELD, READY, UNKNOWN
from testkit.web_api import error_body


GUID_MESSAGE = 'must be an Azure subscription GUID (8-4-4-4-12 hexadecimal digits) or null'


def put(api, customer_id, body, **kwargs):
    return api.put(f'/api/customers/{customer_id}/overage', json=body, **kwargs)


def validation_body(fields, problem, field):
    return error_body(
        'VALIDATION_FAILED',
        f'The request is not valid: {problem}.',
        f'A field is missing or malformed ({field}).',
        'Correct the request and send it again: azure_subscription_id is an Azure subscription '
        'GUID, or null to disable overage; or send create_azure_subscription true alone to have '
        'Microsoft create one.',
        {'fields': fields},
    )


# --- 422 -------------------------------------------------------------------------------------

@pytest.mark.parametrize('value', ['not-a-guid', '', 'e0710000-0000-4000-8000-00000000000Z',
                                   '{e0710000-0000-4000-8000-000000000001}',
                                   # pydantic 1 checks the pattern with re.match: '$' before a '\n'
                                   'e0710000-0000-4000-8000-000000000001\n'])
def test_an_azure_subscription_id_that_is_not_a_guid_is_422(api, sim, value):
    response = put(api, READY, {'azure_subscription_id': value})

    assert response.status_code == 422
    fields = response.json()['error']['details']['fields']
    assert [(item['field'], item['message']) for item in fields] == [
        ('body.azure_subscription_id', GUID_MESSAGE),
    ]
    assert response.json() == validation_body(fields, GUID_MESSAGE, 'body.azure_subscription_id')
    assert sim.calls.all() == []


def test_unknown_fields_are_refused_not_ignored(api, sim):
    response = put(api, READY, {'azure_subscription_id': None, 'azure_subscripton_id': 'x'})

    assert response.status_code == 422
    fields = response.json()['error']['details']['fields']
    assert [item['field'] for item in fields] == ['body.azure_subscripton_id']
    assert sim.calls.matching('PUT', '/overage') == []


@pytest.mark.parametrize('body', [{}, [], 'null', 12])
def test_a_body_without_the_field_is_422(api, body):
    response = put(api, READY, body)

    assert response.status_code == 422
    assert response.json()['error']['code'] == 'VALIDATION_FAILED'
    assert response.json()['error']['details']['fields']


def test_a_body_that_is_not_json_is_400(api):
    """Refused before any route runs (connect_ext/api/gate.py; more in tests/api/test_gate.py)."""
    response = api.put(f'/api/customers/{READY}/overage', content=b'{"azure_subscription_id": ',
                       headers={'Content-Type': 'application/json'})

    assert response.status_code == 400
    parse(ErrorBody, response.json())
    assert response.json()['error']['code'] == 'INVALID_JSON_BODY'


def test_a_malformed_idempotency_key_is_422(api):
    response = put(api, READY, {'azure_subscription_id': None},
                   headers={'Idempotency-Key': 'has blanks in it'})

    fields = [{'field': 'header.Idempotency-Key',
               'message': 'must be 1 to 255 visible ASCII characters', 'type': 'value_error'}]
    assert response.status_code == 422
    assert response.json() == validation_body(
        fields, 'the Idempotency-Key header must be 1 to 255 visible ASCII characters',
        'header.Idempotency-Key',
    )


# --- 409 -------------------------------------------------------------------------------------

def test_overage_held_by_another_partner_is_409_with_the_next_step(api, sim):
    response = put(api, HELD, {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID})

    assert response.status_code == 409
    error = response.json()['error']
    assert error['code'] == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    assert error['message'] == ("The customer's overage is assigned to another partner's Azure "
                                f'subscription ({demo.HELD_OTHER_ENTITLEMENT_ID}).')
    assert error['reason'] == ("Microsoft lets one partner at a time collect a customer's overage, "
                               'and only that partner can release it (Partner Center error '
                               '800115).')
    assert error['action'].startswith('Ask the customer to have the partner that holds it set')
    assert error['details']['current_azure_subscription_id'] == demo.HELD_OTHER_ENTITLEMENT_ID


class LockedStore:
    """The store, except that the customer's lock is held by another change for too long."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def customer_lock(self, customer_id, **kwargs):
        raise CustomerLockTimeout(customer_id, 60)


def test_a_change_waiting_too_long_for_another_is_409(api, store):
    api.app.dependency_overrides[dependencies.get_store] = lambda: LockedStore(store)

    response = put(api, READY, {'azure_subscription_id': None}, headers={'Idempotency-Key': 'k1'})

    assert response.status_code == 409
    assert response.json() == error_body(
        'CHANGE_IN_PROGRESS',
        "Another change of this customer's overage is still running.",
        "Changes of one customer's overage run one at a time, and the previous one did not finish "
        'in time.',
        "Wait a minute, reload the customer's overage, and make the change again if it is still "
        'needed.',
        {'customer_id': READY},
    )


# --- 404 / 405 -------------------------------------------------------------------------------

@pytest.mark.parametrize('customer_id', ['TA-1\' or 1=1', 'not-a-customer', 'TA-', 'TA-' + '1' * 80,
                                         'TA-0000-0000-1001\n'])
def test_a_malformed_customer_id_is_not_found_without_any_lookup(api, sim, customer_id):
    from urllib.parse import quote

    response = api.get(f'/api/customers/{quote(customer_id)}/overage')

    assert response.status_code == 404
    assert response.json() == error_body(
        'CUSTOMER_NOT_FOUND',
        'No customer is known to the Overage Manager.',
        'The id is not a Connect customer account (TA-...) that your account can reach.',
        'Check the customer id, or open the customer from the Manage Overage list.',
        {},
    )
    assert sim.calls.all() == []


def test_an_unknown_route_is_404_in_the_public_shape(api):
    response = api.get('/api/nothing-here')

    assert response.status_code == 404
    assert response.json() == error_body(
        'ROUTE_NOT_FOUND',
        'There is no such route in the Overage Manager API: GET /public/v1/api/nothing-here.',
        'The path does not match any route of the API.',
        'Check the path against the API reference (docs/openapi.json).',
        {'method': 'GET', 'path': '/public/v1/api/nothing-here'},
    )


def test_a_wrong_method_is_405_in_the_public_shape(api):
    response = api.request('DELETE', f'/api/customers/{READY}/overage')

    assert response.status_code == 405
    assert response.json() == error_body(
        'METHOD_NOT_ALLOWED',
        'This route does not accept the method DELETE.',
        'The route exists, but not for this HTTP method.',
        'Check the method against the API reference (docs/openapi.json).',
        {'method': 'DELETE'},
    )


@pytest.mark.parametrize(('method', 'url', 'allow'), [
    ('DELETE', f'/api/customers/{READY}/overage', 'GET, PUT'),
    ('POST', '/api/customers', 'GET'),
    ('PATCH', '/api/settings/connection', 'GET'),
    ('PUT', '/api/assets/AS-1/overage', 'GET'),
])
def test_every_405_says_which_methods_the_route_takes(api, method, url, allow):
    """RFC 9110 §15.5.6: the ``Allow`` header of a 405 lists every method of the resource."""
    response = api.request(method, url)

    assert response.status_code == 405
    assert response.headers['Allow'] == allow


# --- Microsoft: 429, 502, 503 ----------------------------------------------------------------

def test_throttling_passes_retry_after_through(api, sim):
    sim.faults.add(faults.throttle(retry_after=7))

    response = api.get(f'/api/customers/{READY}/overage')

    assert response.status_code == 429
    assert response.headers['Retry-After'] == '7'
    error = response.json()['error']
    assert error['code'] == 'THROTTLED'
    assert error['message'] == 'Partner Center is limiting requests for this customer right now.'
    assert error['action'] == 'Wait 7 seconds before trying again.'
    assert error['details']['retry_after'] == 7
    assert error['details']['microsoft']['status'] == 429


@pytest.mark.parametrize(('status', 'code', 'answer'), [
    (503, 'MICROSOFT_UNAVAILABLE', 503),
    (500, 'MICROSOFT_ERROR', 502),
    (502, 'MICROSOFT_ERROR', 502),
])
def test_microsoft_failing_is_502_or_503(api, sim, status, code, answer):
    sim.faults.add(faults.server_error(status))

    response = api.get(f'/api/customers/{READY}/overage')

    assert response.status_code == answer
    parse(ErrorBody, response.json())
    assert response.json()['error']['code'] == code
    assert response.json()['error']['details']['microsoft']['status'] == status


def test_rejected_credentials_are_502_without_any_secret(api, sim, pc_settings):
    from dataclasses import replace

    from connect_ext.partner_center.client import PartnerCenterClient

    wrong = replace(pc_settings, client_secret='wrong-secret-value')
    api.app.dependency_overrides[dependencies.get_partner_center_client] = (
        lambda: PartnerCenterClient(wrong)
    )

    response = api.get('/api/settings/connection')

    assert response.status_code == 502
    assert response.json()['error']['code'] == 'PARTNER_CENTER_CREDENTIALS_REJECTED'
    assert 'wrong-secret-value' not in response.text


# --- Connect: 502, 503 -----------------------------------------------------------------------

@pytest.mark.parametrize(('status', 'code', 'answer'), [
    (500, 'CONNECT_UNAVAILABLE', 503),
    (403, 'CONNECT_ERROR', 502),
])
def test_connect_failing_is_503_or_502(api, connect, status, code, answer):
    connect('subscriptions').assets.filter(R().tiers.customer.id.eq(UNKNOWN)).mock(
        status_code=status, return_value={'error_code': 'X_001', 'errors': ['nope']},
    )

    response = api.get(f'/api/customers/{UNKNOWN}/overage', who=OWNER)

    assert response.status_code == answer
    error = response.json()['error']
    assert error['code'] == code
    assert error['details']['connect_status'] == status


# --- 500 -------------------------------------------------------------------------------------

class BrokenService:
    def state(self, customer, caller):
        raise RuntimeError('database password is hunter2')


def test_an_unexpected_error_is_500_with_a_logged_reference_and_no_trace(api, caplog):
    api.app.dependency_overrides[dependencies.get_overage_service] = BrokenService

    with caplog.at_level(logging.ERROR, logger='connect_ext.api.handlers'):
        response = api.get(f'/api/customers/{READY}/overage')

    assert response.status_code == 500
    reference = response.json()['error']['details']['reference']
    assert response.json() == error_body(
        'INTERNAL_ERROR',
        'Something went wrong inside the Overage Manager.',
        f'An unexpected error happened and was logged with reference {reference}.',
        f'Retry. If it happens again, contact support and quote reference {reference}.',
        {'reference': reference},
    )
    assert 'hunter2' not in response.text
    assert 'Traceback' not in response.text
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info[0] is RuntimeError


def test_a_failing_dependency_is_500_in_the_public_shape(api):
    def no_database():
        raise OSError('disk full')

    api.app.dependency_overrides[dependencies.get_store] = no_database

    response = api.get('/api/customers')

    assert response.status_code == 500
    assert response.json()['error']['code'] == 'INTERNAL_ERROR'


def test_public_error_falls_back_to_the_web_layers_own_codes():
    error = public_error('ASSET_NOT_FOUND', asset_id='AS-1')

    assert isinstance(error, OverageError)
    assert (error.code, error.http_status) == ('ASSET_NOT_FOUND', 404)
    assert error.message == 'No subscription AS-1 is known to the Overage Manager.'
    assert error.details == {'asset_id': 'AS-1'}


def test_the_middleware_answers_for_an_app_without_handlers():
    """The runner may apply middlewares without our handlers: the shape must hold either way."""
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def boom(request):
        raise ValueError('internal detail')

    app = Starlette(routes=[Route('/boom', boom)])
    app.add_middleware(UnexpectedErrorMiddleware)

    response = TestClient(app).get('/boom')

    assert response.status_code == 500
    assert response.json()['error']['code'] == 'INTERNAL_ERROR'
    assert 'internal detail' not in response.text
