"""The exchange under every call: paging, headers and ids, errors of any shape, transport failures, logs."""
import json
import logging
import re
import uuid

import pytest
import requests
import responses
from responses import matchers

from connect_ext.partner_center import http as http_module
from connect_ext.partner_center.errors import PartnerCenterError
from testkit.microsoft_payloads import (
    AZURE_PLAN_SUBSCRIPTION,
    AZURE_PLAN_SUBSCRIPTION_ID,
    DOCUMENTED_ERRORS,
    ENTITLEMENT_ID,
    HTML_PAGE,
    OVG_SUBSCRIPTION,
    THROTTLED_BODY,
    collection,
    error_body,
    overage_item,
)
from testkit.partner_center_mock import API_URL, CUSTOMER_TENANT, OVERAGE_URL, SUBSCRIPTIONS_URL


def is_uuid4(value):
    return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value


# -- paging -----------------------------------------------------------------------------------


def test_list_subscriptions_follows_the_continuation_link(client, mocked):
    first = collection([OVG_SUBSCRIPTION], links={'next': {
        'uri': f'/customers/{CUSTOMER_TENANT}/subscriptions?seekOperation=Next',
        'method': 'GET',
        'headers': [
            {'key': 'MS-ContinuationToken', 'value': 'page-2-token'},
            {'key': 'Authorization', 'value': 'Bearer stolen'},
        ],
    }})
    mocked.add(
        responses.GET, SUBSCRIPTIONS_URL, json=first,
        match=[matchers.query_param_matcher({})],
    )
    mocked.add(
        responses.GET, SUBSCRIPTIONS_URL, json=collection([AZURE_PLAN_SUBSCRIPTION]),
        match=[
            matchers.query_param_matcher({'seekOperation': 'Next'}),
            matchers.header_matcher({'MS-ContinuationToken': 'page-2-token'}),
        ],
    )

    subscriptions = client.list_subscriptions(CUSTOMER_TENANT)

    assert [sub.id for sub in subscriptions] == [OVG_SUBSCRIPTION['id'], AZURE_PLAN_SUBSCRIPTION_ID]
    second = mocked.calls[1].request.headers
    assert second['Authorization'] == 'Bearer token-1'  # a link never replaces our headers
    first_ids = mocked.calls[0].request.headers
    assert second['MS-CorrelationId'] == first_ids['MS-CorrelationId']
    assert second['MS-RequestId'] != first_ids['MS-RequestId']


def test_an_absolute_next_link_on_the_same_host_is_followed(client, mocked):
    mocked.add(
        responses.GET, SUBSCRIPTIONS_URL, match=[matchers.query_param_matcher({})],
        json=collection([OVG_SUBSCRIPTION], links={'next': {'uri': f'{SUBSCRIPTIONS_URL}?page=2'}}),
    )
    mocked.add(
        responses.GET, SUBSCRIPTIONS_URL, match=[matchers.query_param_matcher({'page': '2'})],
        json=collection([AZURE_PLAN_SUBSCRIPTION]),
    )

    assert len(client.list_subscriptions(CUSTOMER_TENANT)) == 2


def test_paging_is_bounded(client, mocked, monkeypatch):
    monkeypatch.setattr(http_module, 'MAX_PAGES', 3)
    pages = iter(range(100))

    def endless(request):
        link = {'uri': f'subscriptions/page/{next(pages)}'}
        return 200, {}, json.dumps(collection([], links={'next': link}))

    mocked.add_callback(responses.GET, re.compile(f'{API_URL}/v1/.*'), callback=endless)

    with pytest.raises(PartnerCenterError, match='more than 3 pages'):
        client.list_subscriptions(CUSTOMER_TENANT)

    assert len(mocked.calls) == 3
    assert mocked.calls[1].request.url == f'{API_URL}/v1/subscriptions/page/0'


def test_a_next_link_to_another_host_is_refused(client, mocked):
    mocked.add(responses.GET, SUBSCRIPTIONS_URL, json=collection([], links={
        'next': {'uri': 'https://elsewhere.example/v1/steal', 'method': 'GET', 'headers': []},
    }))

    with pytest.raises(PartnerCenterError, match='outside Partner Center') as caught:
        client.list_subscriptions(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'
    assert len(mocked.calls) == 1


def test_a_next_link_that_repeats_itself_stops(client, mocked):
    looping = collection([], links={
        'next': {'uri': f'/v1/customers/{CUSTOMER_TENANT}/subscriptions?page=2'},
    })
    mocked.add(responses.GET, SUBSCRIPTIONS_URL, json=looping)

    with pytest.raises(PartnerCenterError, match='repeats') as caught:
        client.list_subscriptions(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'
    assert [call.request.url for call in mocked.calls] == [
        SUBSCRIPTIONS_URL, f'{SUBSCRIPTIONS_URL}?page=2',
    ]


# -- headers ----------------------------------------------------------------------------------


def test_every_call_carries_the_partner_center_headers(make_client, mocked):
    client = make_client(locale='fr-FR')
    mocked.add(responses.GET, OVERAGE_URL, json=collection([overage_item()]))

    client.get_overage(CUSTOMER_TENANT)

    headers = mocked.calls[0].request.headers
    assert headers['Authorization'] == 'Bearer token-1'
    assert headers['Accept'] == 'application/json'
    assert headers['X-Locale'] == 'fr-FR'
    assert is_uuid4(headers['MS-RequestId'])
    assert is_uuid4(headers['MS-CorrelationId'])
    assert 'Content-Type' not in headers  # only a PUT has a body
    kwargs = mocked.calls[0].request.req_kwargs
    assert kwargs['timeout'] == (5.0, 30.0)


def test_each_logical_call_gets_new_ids_unless_the_caller_gives_them(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())
    request_id = str(uuid.uuid4())

    client.get_overage(CUSTOMER_TENANT)
    client.get_overage(CUSTOMER_TENANT, correlation_id='my-correlation')
    client.update_overage(
        CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID,
        request_id=request_id, correlation_id='my-correlation',
    )

    first, second, third = (call.request.headers for call in mocked.calls)
    assert first['MS-RequestId'] != second['MS-RequestId']
    assert first['MS-CorrelationId'] != second['MS-CorrelationId']
    assert second['MS-CorrelationId'] == 'my-correlation'
    assert third['MS-RequestId'] == request_id
    assert third['MS-CorrelationId'] == 'my-correlation'


def test_api_calls_carry_the_ca_bundle_even_when_the_environment_names_another(
    make_client, mocked, monkeypatch,
):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/somewhere/else.pem')
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    make_client(ca_bundle='/sandbox/ca.pem').get_overage(CUSTOMER_TENANT)

    assert mocked.calls[0].request.req_kwargs['verify'] == '/sandbox/ca.pem'


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize('as_text', [False, True], ids=['numeric-code', 'string-code'])
@pytest.mark.parametrize(('status', 'code', 'description'), DOCUMENTED_ERRORS)
def test_every_documented_error_reaches_the_caller_with_its_code_as_a_string(
    client, mocked, status, code, description, as_text,
):
    body = error_body(str(code) if as_text else code, description, data=['detail'])
    mocked.add(
        responses.PUT, OVERAGE_URL, status=status, json=body,
        headers={'MS-CorrelationId': 'echoed-correlation'},
    )
    request_id = str(uuid.uuid4())

    with pytest.raises(PartnerCenterError) as caught:
        client.update_overage(
            CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID,
            request_id=request_id,
        )

    error = caught.value
    assert error.kind == ('unavailable' if status >= 500 else 'rejected')
    assert error.status == status
    assert error.code == str(code)
    assert error.description == description
    assert error.data == ['detail']
    assert error.source == 'PartnerFD'
    assert error.correlation_id == 'echoed-correlation'
    assert error.request_id == request_id
    assert (error.method, error.path) == (
        'PUT', f'/v1/customers/{CUSTOMER_TENANT}/subscriptions/overage',
    )
    assert f'code {code}' in str(error)
    sends = {401: 2, 500: 4}.get(status, 1)  # 401: one token renewal; 5xx: the whole budget
    assert len(mocked.calls) == sends


def test_the_correlation_id_sent_is_kept_when_microsoft_echoes_none(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, status=404, json=error_body(60003, 'Tenant not found.'))

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT, correlation_id='sent-correlation')

    assert caught.value.correlation_id == 'sent-correlation'


def test_the_throttling_body_keeps_its_message(make_client, mocked):
    client = make_client(max_attempts=1)
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': '57'})

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    error = caught.value
    assert error.kind == 'throttled'
    assert error.status == 429
    assert error.code is None
    assert error.description == 'Rate limit is exceeded. Try again in 57 seconds.'
    assert error.retry_after == 57


@pytest.mark.parametrize('status', [400, 403, 404, 409])
def test_an_empty_error_body_keeps_the_status(client, mocked, status):
    mocked.add(responses.GET, OVERAGE_URL, status=status, body='')

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'rejected'
    assert caught.value.status == status
    assert caught.value.code is None
    assert caught.value.description == f'HTTP {status} with no error body'


@pytest.mark.parametrize(('status', 'kind'), [(404, 'rejected'), (502, 'unavailable')])
def test_an_html_error_page_is_described_not_copied(client, mocked, status, kind):
    mocked.add(responses.GET, OVERAGE_URL, status=status, body=HTML_PAGE, content_type='text/html')

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == kind
    assert caught.value.code is None
    assert caught.value.description == f'HTTP {status} with a non-JSON body (text/html)'
    assert '<html' not in str(caught.value)


@pytest.mark.parametrize(('body', 'code', 'description'), [
    ({'error': {'code': 'BadRequest', 'message': 'Bad thing.'}}, 'BadRequest', 'Bad thing.'),
    ({'error': 'invalid_token', 'error_description': 'Expired.'}, 'invalid_token', 'Expired.'),
    ({'something': 'else'}, None, 'HTTP 400 with an unrecognised JSON error body'),
    ({'code': 3000, 'description': ''}, '3000', 'HTTP 400 without a description'),
    ({'code': 3000, 'description': 'x' * 5000}, '3000', 'x' * 1023 + '…'),
])
def test_other_error_bodies(client, mocked, body, code, description):
    mocked.add(responses.GET, OVERAGE_URL, status=400, json=body)

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert (caught.value.code, caught.value.description) == (code, description)


@pytest.mark.parametrize(('body', 'message'), [
    ('{"items": [', 'not valid JSON'),
    ('', 'not valid JSON'),
    ('[1, 2]', 'not a JSON object'),
    ('{"totalCount": 0}', 'no list of items'),
    ('{"items": [{"type": "PhoneServices", "overageEnabled": "maybe"}]}', 'not a valid Overage'),
])
def test_a_200_with_an_unusable_body_is_unavailable(client, mocked, body, message):
    mocked.add(responses.GET, OVERAGE_URL, status=200, body=body, content_type='application/json')

    with pytest.raises(PartnerCenterError, match=message) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'


def test_a_tls_failure_is_unavailable_at_once(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, body=requests.exceptions.SSLError('bad certificate'))

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'
    assert 'SSLError' in caught.value.description
    assert len(mocked.calls) == 1


def test_a_redirect_is_not_followed(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, status=302, headers={'Location': 'https://else.example/'})

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert (caught.value.kind, caught.value.status) == ('unavailable', 302)
    assert len(mocked.calls) == 1


# -- logging ----------------------------------------------------------------------------------


def test_each_attempt_is_logged_with_its_ids_and_never_with_the_token(client, mocked, caplog):
    caplog.set_level(logging.DEBUG, logger='connect_ext')
    mocked.add(responses.PUT, OVERAGE_URL, status=503, body='')
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())

    client.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID)

    request_id = mocked.calls[0].request.headers['MS-RequestId']
    correlation_id = mocked.calls[0].request.headers['MS-CorrelationId']
    exchanges = [r for r in caplog.records if r.getMessage().startswith('Partner Center PUT')]
    lines = [record.getMessage() for record in exchanges if '->' in record.getMessage()]
    path = f'/v1/customers/{CUSTOMER_TENANT}/subscriptions/overage'
    assert lines == [
        f'Partner Center PUT {path} -> 503 (MS-RequestId={request_id}, '
        f'MS-CorrelationId={correlation_id}, attempt 1, 0 ms)',
        f'Partner Center PUT {path} -> 200 (MS-RequestId={request_id}, '
        f'MS-CorrelationId={correlation_id}, attempt 2, 0 ms)',
    ]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert 'HTTP 503; retrying in' in warnings[0].getMessage()
    assert 'token-1' not in caplog.text
    assert ENTITLEMENT_ID not in caplog.text  # request bodies are not logged
