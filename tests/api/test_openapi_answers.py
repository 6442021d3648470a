"""The published document (docs/openapi.json) says what the API answers: real answers of every
route — successes, refusals, Microsoft and Connect failing — are validated against it with
openapi-core, on both stacks (issue 20, item 8)."""
import json
from pathlib import Path

import pytest
from connect.client import R
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from connect_ext.api.gate import MAX_BODY_BYTES
from connect_ext.customers.holders import holders_query
from sandbox.partner_center import demo, faults
from testkit.callers import OWNER, RESELLER_A, RESELLER_B, customer
from testkit.customers import ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, READY, UNKNOWN


DOCUMENT = Path(__file__).resolve().parents[2] / 'docs' / 'openapi.json'
SPEC = json.loads(DOCUMENT.read_text(encoding='utf-8'))
OPENAPI = OpenAPI.from_dict(SPEC)
OPERATIONS = {(method.upper(), path) for path, methods in SPEC['paths'].items() for method in methods}
AGREEMENT = '/api/customers/{customer_id}/agreements/microsoft-customer-agreement'


class _Request:
    """What openapi-core reads of the request that was sent."""

    def __init__(self, method, path, query, headers, body, content_type):
        self.host_url = 'https://example.org'
        self.path = path
        self.method = method.lower()
        self.body = body
        self.content_type = content_type
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list((query or {}).items())), header=Headers(headers or {}),
            cookie=ImmutableMultiDict(), path={},
        )


class _Response:
    def __init__(self, response):
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get('content-type', '')
        self.headers = Headers(list(response.headers.items()))


class Answers:
    """Sends requests through the API and validates each answer against the document."""

    def __init__(self, api):
        self.api = api
        self.seen = set()
        self.unexpected = []

    def __call__(self, method, path, route, *, who=OWNER, query=None, headers=None, json_body=None,
                 content=None, expect):
        kwargs = {'params': query, 'headers': headers}
        if json_body is not None:
            kwargs['json'] = json_body
            content_type = 'application/json'
        elif content is not None:
            kwargs['content'] = content
            content_type = (headers or {}).get('Content-Type', 'application/json')
        else:
            content_type = ''
        response = self.api.request(method, path, who=who, **kwargs)
        if response.status_code != expect:
            self.unexpected.append((method, path, expect, response.status_code, response.text[:300]))
        OPENAPI.validate_response(
            _Request(method, path, query, headers, response.request.content, content_type),
            _Response(response),
        )
        self.seen.add((method, route, response.status_code))
        return response


@pytest.fixture
def answers(api):
    return Answers(api)


def customer_route(suffix=''):
    return '/api/customers/{customer_id}/overage' + suffix


def test_every_route_answers_what_the_document_says(answers, api, sim, connect, store):
    put = customer_route()
    connect('subscriptions').assets.filter(R().tiers.customer.id.eq(UNKNOWN)).mock(return_value=[])
    # The overview.
    answers('GET', '/api/customers', '/api/customers', expect=200)
    answers('GET', '/api/customers', '/api/customers', who=RESELLER_A, query={'status': 'enabled'},
            expect=200)
    answers('GET', '/api/customers', '/api/customers', query={'limit': '0'}, expect=422)
    # One customer's state: every demo customer (nulls where they are), refusals, failures.
    for customer_id in (READY, ENABLED, HELD, NO_AZURE_PLAN, INDIRECT):
        answers('GET', f'/api/customers/{customer_id}/overage', put, expect=200)
    answers('GET', f'/api/customers/{READY}/overage', put, who=customer(READY), expect=200)
    answers('GET', f'/api/customers/{UNKNOWN}/overage', put, expect=404)
    answers('GET', f'/api/customers/{READY}/overage', put, who=RESELLER_B, expect=404)
    answers('GET', '/api/customers/TA-1%0A/overage', put, expect=404)
    sim.faults.add(faults.throttle(retry_after=2, method='GET'))
    answers('GET', f'/api/customers/{READY}/overage', put, expect=429)
    sim.faults.clear()
    sim.faults.add(faults.server_error(503, method='GET'))
    answers('GET', f'/api/customers/{READY}/overage', put, expect=503)
    sim.faults.clear()
    sim.faults.add(faults.server_error(500, method='GET'))
    answers('GET', f'/api/customers/{READY}/overage/options', customer_route('/options'), expect=502)
    sim.faults.clear()
    # Options.
    answers('GET', f'/api/customers/{READY}/overage/options', customer_route('/options'), expect=200)
    answers('GET', f'/api/customers/{NO_AZURE_PLAN}/overage/options', customer_route('/options'),
            expect=200)
    answers('GET', f'/api/customers/{UNKNOWN}/overage/options', customer_route('/options'), expect=404)
    # Changes: done, nothing to do, refused in every way.
    etag = api.get(f'/api/customers/{READY}/overage').headers['ETag']
    answers('PUT', f'/api/customers/{READY}/overage', put, headers={'If-Match': '"stale"'},
            json_body={'azure_subscription_id': demo.READY_ENTITLEMENT_ID}, expect=412)
    answers('PUT', f'/api/customers/{READY}/overage', put, headers={'If-Match': etag},
            json_body={'azure_subscription_id': demo.READY_ENTITLEMENT_ID}, expect=200)
    answers('PUT', f'/api/customers/{READY}/overage', put,
            json_body={'azure_subscription_id': demo.READY_ENTITLEMENT_ID}, expect=200)
    answers('PUT', f'/api/customers/{ENABLED}/overage', put, json_body={'azure_subscription_id': None},
            headers={'Idempotency-Key': 'openapi-1'}, expect=200)
    answers('PUT', f'/api/customers/{ENABLED}/overage', put, json_body={'azure_subscription_id': None},
            headers={'Idempotency-Key': 'openapi-1'}, expect=200)
    answers('PUT', f'/api/customers/{HELD}/overage', put,
            json_body={'azure_subscription_id': demo.HELD_ENTITLEMENT_ID}, expect=409)
    answers('PUT', f'/api/customers/{NO_AZURE_PLAN}/overage', put,
            json_body={'azure_subscription_id': demo.READY_ENTITLEMENT_ID}, expect=422)
    answers('PUT', f'/api/customers/{READY}/overage', put, json_body={'azure_subscription_id': 'x'},
            expect=422)
    answers('PUT', f'/api/customers/{READY}/overage', put, json_body={'azure_subscription_id': None},
            headers={'Idempotency-Key': 'a b'}, expect=422)
    answers('PUT', f'/api/customers/{READY}/overage', put, who=customer(READY),
            json_body={'azure_subscription_id': None}, expect=403)
    answers('PUT', f'/api/customers/{UNKNOWN}/overage', put, json_body={'azure_subscription_id': None},
            expect=404)
    answers('PUT', f'/api/customers/{READY}/overage', put, content=b'{"a": 1, "a": 2}', expect=400)
    answers('PUT', f'/api/customers/{READY}/overage', put, content=b'\xff\xfe', expect=400)
    answers('PUT', f'/api/customers/{READY}/overage', put, content=b' ' * (MAX_BODY_BYTES + 1),
            expect=413)
    sim.faults.add(faults.server_error(503, method='PUT'))
    answers('PUT', f'/api/customers/{READY}/overage', put, json_body={'azure_subscription_id': None},
            expect=503)
    sim.faults.clear()
    # A handover: none yet, asked, asked again, read (by the customer too), refused, cancelled.
    handover, held_handover = customer_route('/handover'), f'/api/customers/{HELD}/overage/handover'
    ask = {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID, 'enable_when_released': True}
    answers('GET', held_handover, handover, expect=404)
    answers('PUT', held_handover, handover, json_body=ask, expect=201)
    answers('PUT', held_handover, handover, json_body=ask, expect=409)
    answers('GET', held_handover, handover, expect=200)
    answers('GET', held_handover, handover, who=customer(HELD), expect=200)
    answers('PUT', f'/api/customers/{READY}/overage/handover', handover,
            json_body={'create_azure_subscription': True, 'enable_when_released': False}, expect=409)
    answers('PUT', held_handover, handover, json_body={'enable_when_released': True}, expect=422)
    answers('DELETE', held_handover, handover, expect=200)
    answers('DELETE', held_handover, handover, expect=404)
    # The history: with successes, failures and nulls; refusals; Connect failing.
    for customer_id in (READY, HELD, ENABLED):
        answers('GET', f'/api/customers/{customer_id}/overage/history', customer_route('/history'),
                expect=200)
    answers('GET', f'/api/customers/{READY}/overage/history', customer_route('/history'),
            who=RESELLER_A, expect=200)
    answers('GET', f'/api/customers/{READY}/overage/history', customer_route('/history'),
            query={'limit': '0'}, expect=422)
    answers('GET', f'/api/customers/{UNKNOWN}/overage/history', customer_route('/history'),
            expect=404)
    connect('subscriptions').assets.filter(R().tiers.customer.id.eq('TA-4000-0000-0001')).mock(
        status_code=500, return_value={'error_code': 'X', 'errors': ['down']},
    )
    answers('GET', '/api/customers/TA-4000-0000-0001/overage/history', customer_route('/history'),
            expect=503)
    # The activity feed across customers: every persona, each filter, a refusal.
    for who in (OWNER, RESELLER_A, customer(READY)):
        answers('GET', '/api/history', '/api/history', who=who, expect=200)
    answers('GET', '/api/history', '/api/history',
            query={'customer': 'ready', 'outcome': 'succeeded', 'since': '2020-01-01', 'limit': '1'},
            expect=200)
    answers('GET', '/api/history', '/api/history', query={'since': 'soon'}, expect=422)
    # A subscription's customer.
    asset = '/api/assets/{asset_id}/overage'
    connect('subscriptions').assets['AS-5000-0000-0001'].get(return_value={
        'id': 'AS-5000-0000-0001', 'status': 'active', 'product': {'id': 'PRD-100-200-300'},
        'params': [{'id': 'ms_customer_id', 'value': demo.ENABLED_CUSTOMER_ID}],
        'tiers': {'customer': {'id': ENABLED, 'name': 'Enabled Ltd'}},
        'items': [{'id': 'PRD-100-200-300-0001', 'display_name': 'Teams Phone OVG', 'quantity': 1}],
    })
    answers('GET', '/api/assets/AS-5000-0000-0001/overage', asset, expect=200)
    connect('subscriptions').assets['AS-0000-0000-0404'].get(status_code=404, return_value={
        'error_code': 'ASSET_001', 'errors': ['Not found']})
    answers('GET', '/api/assets/AS-0000-0000-0404/overage', asset, expect=404)
    answers('GET', '/api/assets/AS-1%0A/overage', asset, expect=404)
    # The catalogue: the product, its OVG items and Connect's count of who holds each.
    connect.products['PRD-100-200-300'].get(return_value={'id': 'PRD-100-200-300', 'name': 'M365'})
    connect.products['PRD-100-200-300'].items.filter(
        R().name.ilike('*OVG*') | R().display_name.ilike('*OVG*'),
    ).mock(return_value=[{'id': 'PRD-100-200-300-0001', 'name': 'Teams Phone OVG',
                          'display_name': None, 'mpn': None, 'status': 'published',
                          'period': 'Monthly', 'type': 'Reservation'}])
    connect('subscriptions').assets.filter(holders_query('PRD-100-200-300-0001')).count(return_value=3)
    answers('GET', '/api/items', '/api/items', query={'product_id': 'PRD-100-200-300'}, expect=200)
    answers('GET', '/api/items', '/api/items', query={'product_id': 'nope'}, expect=422)
    # Who calls, the settings, the connection test.
    answers('GET', '/api/caller', '/api/caller', expect=200)
    answers('GET', '/api/caller', '/api/caller', who=customer(READY), expect=200)
    answers('GET', '/api/settings', '/api/settings', expect=200)
    answers('GET', '/api/settings', '/api/settings', who=RESELLER_A, expect=403)
    answers('GET', '/api/settings/applicable', '/api/settings/applicable', who=RESELLER_A, expect=200)
    answers('GET', '/api/settings/connection', '/api/settings/connection', expect=200)
    # The customer agreement: refusals that need no Microsoft.
    if ('POST', AGREEMENT) in OPERATIONS:
        agreement = f'/api/customers/{READY}/agreements/microsoft-customer-agreement'
        answers('POST', agreement, AGREEMENT, content=b'{"a": 1, "a": 2}', expect=400)
        answers('POST', agreement, AGREEMENT, json_body={'unexpected': True}, expect=422)
        answers('POST', f'/api/customers/{UNKNOWN}/agreements/microsoft-customer-agreement',
                AGREEMENT, json_body={}, expect=422)

    assert answers.unexpected == [], '\n'.join(str(item[:4]) for item in answers.unexpected)
    exercised = {(method, route) for method, route, _status in answers.seen}
    assert exercised == OPERATIONS  # every documented route answered, and was checked
