"""The Partner Center calls: Microsoft's documented payloads in; typed models or one error out."""
import json
import logging
import re
import uuid

import pytest
import requests
import responses
from responses import matchers

from connect_ext.partner_center import client as client_module
from connect_ext.partner_center.client import (
    qualification_names,
    select_overage_item,
)
from connect_ext.partner_center.errors import PartnerCenterError
from tests.partner_center.helpers import (
    API_URL,
    CUSTOMER_TENANT,
    OVERAGE_URL,
    sent_json,
)
from tests.partner_center.payloads import (
    AZURE_ENTITLEMENTS,
    AZURE_PLAN_SUBSCRIPTION,
    AZURE_PLAN_SUBSCRIPTION_ID,
    CUSTOMER,
    DOCUMENTED_ERRORS,
    ENTITLEMENT_ID,
    HTML_PAGE,
    OVG_SUBSCRIPTION,
    SKU,
    THROTTLED_BODY,
    collection,
    error_body,
    overage_item,
)


CUSTOMER_URL = f'{API_URL}/v1/customers/{CUSTOMER_TENANT}'
SUBSCRIPTIONS_URL = f'{CUSTOMER_URL}/subscriptions'


def is_uuid4(value):
    return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value


# -- get_overage ------------------------------------------------------------------------------


def test_get_overage_reads_the_phone_services_item_of_the_documented_collection(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, json=collection([overage_item(partnerId='1234')]))

    overage = client.get_overage(CUSTOMER_TENANT)

    assert overage.overage_enabled is True
    assert overage.azure_entitlement_id == ENTITLEMENT_ID
    assert overage.partner_id == '1234'
    assert overage.type == 'PhoneServices'


def test_get_overage_picks_phone_services_among_other_types_without_case(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, json=collection([
        overage_item(type='SomethingElse', azureEntitlementId='other'),
        overage_item(type='phoneservices', overageEnabled=False),
    ]))

    overage = client.get_overage(CUSTOMER_TENANT)

    assert overage.azure_entitlement_id == ENTITLEMENT_ID
    assert overage.overage_enabled is False


def test_get_overage_is_none_when_overage_was_never_set(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    assert client.get_overage(CUSTOMER_TENANT) is None


def test_select_overage_item_rules():
    untyped = {'azureEntitlementId': ENTITLEMENT_ID, 'overageEnabled': True}
    assert select_overage_item([untyped]) is untyped
    assert select_overage_item([untyped, dict(untyped)]) is None
    assert select_overage_item([{'type': 'Other'}]) is None
    assert select_overage_item([]) is None


# -- update_overage ---------------------------------------------------------------------------


def test_update_overage_puts_the_documented_body_and_reads_the_single_object(client, mocked):
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())

    overage = client.update_overage(
        CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID, partner_id='5357563',
    )

    assert overage.overage_enabled is True
    assert overage.azure_entitlement_id == ENTITLEMENT_ID
    request = mocked.calls[0].request
    assert sent_json(mocked.calls[0]) == {
        'azureEntitlementId': ENTITLEMENT_ID, 'overageEnabled': True, 'partnerId': '5357563',
    }
    assert request.headers['Content-Type'] == 'application/json'


def test_update_overage_to_none_sends_no_partner_id_when_none_given(client, mocked):
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item(overageEnabled=False, partnerId=None))

    overage = client.update_overage(
        CUSTOMER_TENANT, enabled=False, azure_entitlement_id=ENTITLEMENT_ID,
    )

    assert overage.overage_enabled is False
    assert sent_json(mocked.calls[0]) == {
        'azureEntitlementId': ENTITLEMENT_ID, 'overageEnabled': False,
    }


def test_update_overage_disables_without_a_known_entitlement(client, mocked):
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item(overageEnabled=False))

    client.update_overage(CUSTOMER_TENANT, enabled=False, azure_entitlement_id=None)

    assert sent_json(mocked.calls[0]) == {'azureEntitlementId': None, 'overageEnabled': False}


# -- list_subscriptions and list_azure_entitlements -------------------------------------------


def test_list_subscriptions_reads_the_documented_collection(client, mocked):
    mocked.add(
        responses.GET, SUBSCRIPTIONS_URL,
        json=collection([OVG_SUBSCRIPTION, AZURE_PLAN_SUBSCRIPTION]),
    )

    ovg, plan = client.list_subscriptions(CUSTOMER_TENANT)

    assert ovg.is_overage_capable
    assert ovg.is_active
    assert not ovg.is_azure_plan
    assert ovg.offer_id == 'CFQ7TTC0LH18:0001:CFQ7TTC0K971'
    assert ovg.product_type.id == 'OnlineServicesNCE'
    assert plan.is_azure_plan
    assert plan.billing_type == 'usage'
    assert plan.id == AZURE_PLAN_SUBSCRIPTION_ID


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
    monkeypatch.setattr(client_module, 'MAX_PAGES', 3)
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


def test_list_azure_entitlements_reads_the_documented_example(client, mocked):
    mocked.add(
        responses.GET, f'{SUBSCRIPTIONS_URL}/{AZURE_PLAN_SUBSCRIPTION_ID}/azureEntitlements',
        json=AZURE_ENTITLEMENTS,
    )

    (entitlement,) = client.list_azure_entitlements(CUSTOMER_TENANT, AZURE_PLAN_SUBSCRIPTION_ID)

    assert entitlement.id == '899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8'
    assert entitlement.friendly_name == 'Microsoft Azure'
    assert entitlement.is_active
    assert entitlement.subscription_id == AZURE_PLAN_SUBSCRIPTION_ID


# -- get_customer, get_sku, check_connection ---------------------------------------------------


def test_get_customer_reads_the_customer_and_its_qualifications(client, mocked):
    mocked.add(responses.GET, CUSTOMER_URL, json=CUSTOMER)
    mocked.add(responses.GET, f'{CUSTOMER_URL}/qualifications', json=[
        {'qualification': 'Education', 'vettingStatus': 'Approved'},
        {'qualification': 'StateOwnedEntity', 'vettingStatus': 'Denied'},
    ])

    customer = client.get_customer(CUSTOMER_TENANT)

    assert customer.id == CUSTOMER_TENANT
    assert customer.company_name == 'Contoso'
    assert customer.country == 'US'
    assert customer.relationship_to_partner == 'reseller'
    assert customer.qualifications == ['Education']
    first, second = (call.request.headers for call in mocked.calls)
    assert first['MS-CorrelationId'] == second['MS-CorrelationId']


def test_get_customer_without_qualifications(client, mocked):
    mocked.add(responses.GET, CUSTOMER_URL, json=CUSTOMER)
    mocked.add(responses.GET, f'{CUSTOMER_URL}/qualifications', json=[])

    assert client.get_customer(CUSTOMER_TENANT).qualifications == []


def test_a_404_on_qualifications_means_none(client, mocked):
    mocked.add(responses.GET, CUSTOMER_URL, json=CUSTOMER)
    mocked.add(responses.GET, f'{CUSTOMER_URL}/qualifications', status=404, body='')

    assert client.get_customer(CUSTOMER_TENANT).qualifications == []


def test_other_qualification_failures_are_not_hidden(client, mocked):
    mocked.add(responses.GET, CUSTOMER_URL, json=CUSTOMER)
    mocked.add(
        responses.GET, f'{CUSTOMER_URL}/qualifications', status=403,
        json=error_body(2032, 'Access denied.'),
    )

    with pytest.raises(PartnerCenterError) as caught:
        client.get_customer(CUSTOMER_TENANT)

    assert (caught.value.status, caught.value.code) == (403, '2032')


def test_qualification_names_accepts_every_documented_shape():
    assert qualification_names({'qualification': 'Education'}) == ['Education']
    assert qualification_names({'items': [{'qualification': 'GovernmentCommunityCloud'}]}) == [
        'GovernmentCommunityCloud',
    ]
    assert qualification_names(['Education', '', None]) == ['Education']
    assert qualification_names(None) == []


def test_get_sku_asks_for_the_country_and_reads_the_consumption_type(client, mocked):
    mocked.add(
        responses.GET, f'{API_URL}/v1/products/CFQ7TTC0LH18/skus/0001', json=SKU,
        match=[matchers.query_param_matcher({'country': 'US'})],
    )

    sku = client.get_sku('CFQ7TTC0LH18', '0001', country='us')

    assert sku.id == '0001'
    assert sku.product_id == 'CFQ7TTC0LH18'
    assert sku.is_overage_capable


@pytest.mark.parametrize(('refresh_token', 'mode'), [('', 'app-only'), ('rt', 'app+user')])
def test_check_connection_reads_the_organization_profile(make_client, mocked, refresh_token, mode):
    mocked.add(responses.GET, f'{API_URL}/v1/profiles/organization', json={
        'id': 'a1b2c3d4-0000-4000-8000-00000000d157', 'companyName': 'Distributor',
        'attributes': {'objectType': 'OrganizationProfile'},
    })

    assert make_client(refresh_token=refresh_token).check_connection() == {'ok': True, 'mode': mode}


def test_check_connection_fails_loudly(client, mocked):
    mocked.add(
        responses.GET, f'{API_URL}/v1/profiles/organization', status=403,
        json=error_body(900150, 'The supplied role does not have the rights.'),
    )

    with pytest.raises(PartnerCenterError) as caught:
        client.check_connection()

    assert caught.value.code == '900150'


# -- input checks: nothing malformed reaches Microsoft ----------------------------------------


@pytest.mark.parametrize('bad', [
    'not-a-guid', '../customers', f'{CUSTOMER_TENANT}/subscriptions', f'{CUSTOMER_TENANT}\n',
    '', None, 42, f' {CUSTOMER_TENANT}',
])
def test_a_bad_tenant_id_never_reaches_microsoft(client, mocked, bad):
    calls = [
        lambda: client.get_overage(bad),
        lambda: client.update_overage(bad, enabled=True, azure_entitlement_id=ENTITLEMENT_ID),
        lambda: client.list_subscriptions(bad),
        lambda: client.list_azure_entitlements(bad, AZURE_PLAN_SUBSCRIPTION_ID),
        lambda: client.get_customer(bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match='tenant_id'):
            call()
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(('call', 'message'), [
    (lambda c: c.list_azure_entitlements(CUSTOMER_TENANT, 'plan-1'), 'azure_plan_subscription_id'),
    (lambda c: c.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=None),
     'azure_entitlement_id is required'),
    (lambda c: c.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id='sub 1'),
     'azure_entitlement_id'),
    (lambda c: c.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID,
                                partner_id='12;drop'), 'partner_id'),
    (lambda c: c.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID,
                                request_id='again'), 'request_id'),
    (lambda c: c.get_sku('CFQ7TTC0LH18/../x', '0001', country='US'), 'product_id'),
    (lambda c: c.get_sku('CFQ7TTC0LH18', '0001?x=1', country='US'), 'sku_id'),
    (lambda c: c.get_sku('CFQ7TTC0LH18', '0001', country='USA'), 'country'),
])
def test_other_bad_inputs_never_reach_microsoft(client, mocked, call, message):
    with pytest.raises(ValueError, match=message):
        call(client)
    assert len(mocked.calls) == 0


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

