"""The wire format, read with plain ``requests``: Microsoft's JSON shapes, headers and errors."""
import uuid

import pytest
import requests

from sandbox.partner_center import demo
from sandbox.partner_center import faults as f


@pytest.fixture
def api(sim):
    """``api(method, path, token=True, **kwargs) -> Response`` as the distributor's admin."""
    token, _ = sim.world.issue_user_token(
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_CLIENT_ID, demo.DISTRIBUTOR_CLIENT_SECRET,
        demo.DISTRIBUTOR_REFRESH_TOKEN, 'https://api.partnercenter.microsoft.com/x')[:2]
    session = requests.Session()

    def call(method, path, *, token_value=token, headers=None, **kwargs):
        sent = dict(headers or {})
        if token_value:
            sent['Authorization'] = f'Bearer {token_value}'
        return session.request(method, sim.api_url + path, headers=sent, verify=sim.ca_bundle,
                               timeout=5, **kwargs)

    yield call
    session.close()


def customer_path(tenant, suffix=''):
    return f'/v1/customers/{tenant}{suffix}'


OVERAGE = customer_path(demo.READY_CUSTOMER_ID, '/subscriptions/overage')


# conformance: PC-13
def test_ids_are_echoed_and_generated_when_absent(api):
    sent = {'MS-RequestId': str(uuid.uuid4()), 'MS-CorrelationId': str(uuid.uuid4())}

    echoed = api('GET', OVERAGE, headers=sent)
    generated = api('GET', OVERAGE)

    assert (echoed.headers['MS-RequestId'], echoed.headers['MS-CorrelationId']) == (
        sent['MS-RequestId'], sent['MS-CorrelationId'])
    assert uuid.UUID(generated.headers['MS-RequestId'])
    assert uuid.UUID(generated.headers['MS-CorrelationId'])


# conformance: PC-07, PC-12
def test_missing_token_is_401_800001_with_www_authenticate(api):
    correlation = str(uuid.uuid4())
    response = api('GET', OVERAGE, token_value=None, headers={'MS-CorrelationId': correlation})

    assert response.status_code == 401
    assert response.json() == {'code': 800001, 'description': 'Partner Token missing in request '
                               'context.', 'data': [], 'source': 'PartnerFD'}
    assert response.headers['WWW-Authenticate'] == f'OAuth realm=urn:cpsvc:cpid:{correlation}'
    assert response.headers['MS-CorrelationId'] == correlation


# conformance: PC-07
def test_unknown_token_is_401_code_400(api):
    response = api('GET', OVERAGE, token_value='forged')

    assert (response.status_code, response.json()['code']) == (401, 400)
    assert 'WWW-Authenticate' in response.headers


def test_error_codes_are_json_numbers(api):
    body = api('GET', customer_path(demo.UNKNOWN_CUSTOMER_ID)).json()

    assert body['code'] == 60003
    assert isinstance(body['code'], int)
    assert set(body) == {'code', 'description', 'data', 'source'}


def test_overage_never_set_is_an_empty_collection(api):
    assert api('GET', OVERAGE).json() == {
        'totalCount': 0, 'items': [], 'attributes': {'objectType': 'Collection'}}


def test_overage_collection_item_and_put_answer_shapes(api):
    body = {'azureEntitlementId': demo.READY_ENTITLEMENT_ID, 'overageEnabled': True}

    written = api('PUT', OVERAGE, json=body)
    read = api('GET', OVERAGE).json()

    expected = {
        'azureEntitlementId': demo.READY_ENTITLEMENT_ID, 'partnerId': demo.DISTRIBUTOR_MPN_ID,
        'type': 'PhoneServices', 'overageEnabled': True,
        'links': {'overage': {'uri': f'/customers/{demo.READY_CUSTOMER_ID}/subscriptions/overage',
                              'method': 'GET', 'headers': []}},
        'attributes': {'objectType': 'Overage'},
    }
    assert (written.status_code, written.json()) == (200, expected)
    assert read == {'totalCount': 1, 'items': [expected],
                    'attributes': {'objectType': 'Collection'}}


@pytest.mark.parametrize(('payload', 'code', 'data'), [
    (b'{not json', 800002, []),
    (b'', 800002, []),
    (b'{"azureEntitlementId": "e0710000-0000-4000-8000-000000000001"}', 800002,
     ['overageEnabled']),
    (b'{"azureEntitlementId": "nope", "overageEnabled": true}', 3000, ['azureEntitlementId']),
])
def test_malformed_put_bodies_are_400(api, payload, code, data):
    response = api('PUT', OVERAGE, data=payload, headers={'Content-Type': 'application/json'})

    assert response.status_code == 400
    assert (response.json()['code'], response.json()['data']) == (code, data)


def test_customer_id_that_is_not_a_guid_is_400_900118(api):
    assert api('GET', customer_path('contoso.onmicrosoft.com')).json()['code'] == 900118


def test_subscription_shapes(api):
    items = api('GET', customer_path(demo.RESELLER_CUSTOMER_ID, '/subscriptions')).json()
    by_offer = {item['offerId']: item for item in items['items']}

    ovg, plan = by_offer[demo.OVG_OFFER_ID], by_offer['DZH318Z0BPS6:0001:DZH318Z0BML6']
    assert items['totalCount'] == 3
    assert items['attributes'] == {'objectType': 'Collection'}
    assert {'id', 'offerId', 'offerName', 'friendlyName', 'quantity', 'status', 'billingType',
            'partnerId', 'termDuration', 'productType', 'links', 'attributes'} <= set(ovg)
    assert (ovg['consumptionType'], ovg['partnerId'], ovg['billingType']) == (
        'overage', demo.RESELLER_MPN_ID, 'license')
    assert 'consumptionType' not in plan
    assert (plan['billingType'], plan['productType']) == ('usage', {'id': 'Azure',
                                                                    'displayName': 'Azure'})
    assert ovg['attributes']['objectType'] == 'Subscription'


def test_one_subscription_and_its_entitlements_lowercase_path_too(api):
    plan = api('GET', customer_path(demo.READY_CUSTOMER_ID,
                                    f'/subscriptions/{demo.READY_PLAN_ID}')).json()
    lower = api('GET', customer_path(demo.READY_CUSTOMER_ID,
                                     f'/subscriptions/{demo.READY_PLAN_ID}/azureentitlements'))

    assert plan['id'] == demo.READY_PLAN_ID
    entitlement = lower.json()['items'][0]
    assert set(entitlement) == {'id', 'friendlyName', 'status', 'subscriptionId', 'links',
                                'attributes'}
    assert entitlement['attributes'] == {'objectType': 'AzureEntitlement'}


def test_customer_and_qualifications_shapes(api):
    customer = api('GET', customer_path(demo.EDUCATION_CUSTOMER_ID)).json()
    qualifications = api('GET', customer_path(demo.EDUCATION_CUSTOMER_ID, '/qualifications'))
    commercial = api('GET', customer_path(demo.READY_CUSTOMER_ID, '/qualifications'))

    assert customer['companyProfile']['tenantId'] == demo.EDUCATION_CUSTOMER_ID
    assert customer['billingProfile']['defaultAddress']['country'] == 'US'
    assert customer['relationshipToPartner'] == 'reseller'
    assert qualifications.json() == [{'qualification': 'Education', 'vettingStatus': 'Approved'}]
    assert commercial.json() == []


# conformance: PC-22
def test_sku_needs_a_country(api):
    path = f'/v1/products/{demo.OVG_PRODUCT_ID}/skus/{demo.OVG_SKU_ID}'

    sku = api('GET', path, params={'country': 'us'}).json()
    missing = api('GET', path)

    assert (sku['id'], sku['productId'], sku['consumptionType']) == (
        demo.OVG_SKU_ID, demo.OVG_PRODUCT_ID, 'overage')
    assert (missing.status_code, missing.json()['code']) == (400, 800002)


def app_only_token(sim):
    return sim.world.issue_app_token(
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_CLIENT_ID, demo.DISTRIBUTOR_CLIENT_SECRET,
        'https://api.partnercenter.microsoft.com/.default')[0]


def test_organization_profile(api):
    """conformance: PC-09"""
    profile = api('GET', '/v1/profiles/organization').json()

    assert (profile['id'], profile['companyName']) == (demo.DISTRIBUTOR_TENANT_ID,
                                                       demo.DISTRIBUTOR_NAME)


def test_organization_profile_is_403_for_app_only_tokens(sim, api):
    """conformance: PC-09, PC-12"""
    response = api('GET', '/v1/profiles/organization', token_value=app_only_token(sim))

    assert response.status_code == 403
    assert response.json() == {'code': 900150, 'description': "This resource can't be accessed "
                               'by application credentials.', 'data': [], 'source': 'PartnerFD'}


def test_customers_list_pages_with_a_continuation_token_in_both_modes(sim, api):
    """conformance: PC-10, PC-14"""
    first = api('GET', '/v1/customers', params={'size': 5}, token_value=app_only_token(sim))
    body = first.json()
    link = body['links']['next']
    headers = {h['key']: h['value'] for h in link['headers']}
    pages = [body]
    while 'next' in pages[-1]['links']:
        page_link = pages[-1]['links']['next']
        sent = {h['key']: h['value'] for h in page_link['headers']}
        pages.append(api('GET', '/v1' + page_link['uri'], headers=sent).json())
    everyone = api('GET', '/v1/customers').json()

    assert first.status_code == 200
    assert (body['totalCount'], body['attributes'], link['method']) == (
        5, {'objectType': 'Collection'}, 'GET')
    assert 'seekOperation=Next' in link['uri']
    assert 'MS-ContinuationToken' in headers
    assert body['continuationToken'] == headers['MS-ContinuationToken']
    ours = [c['id'] for page in pages for c in page['items']]
    assert len(pages) > 1
    assert len(ours) == len(set(ours))
    assert set(ours) == {c['id'] for c in everyone['items']}
    assert 'next' not in everyone['links']
    assert demo.NOT_OUR_CUSTOMER_ID not in ours  # only the caller's customers
    assert body['items'][0]['attributes'] == {'objectType': 'Customer'}


# conformance: PC-10
@pytest.mark.parametrize('size', ['0', '501', 'many'])
def test_customers_page_size_is_bounded(api, size):
    response = api('GET', '/v1/customers', params={'size': size})

    assert (response.status_code, response.json()['code']) == (400, 800002)


# conformance: PC-10
def test_a_continuation_token_the_simulator_did_not_give_is_400(api):
    response = api('GET', '/v1/customers', headers={'MS-ContinuationToken': 'bogus!'})

    assert (response.status_code, response.json()['code']) == (400, 800002)


def test_an_app_plus_user_token_without_mfa_is_401_900421(sim, api):
    """conformance: PC-08, PC-07"""
    token = sim.world.issue_user_token(
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_CLIENT_ID, demo.DISTRIBUTOR_CLIENT_SECRET,
        demo.DISTRIBUTOR_NO_MFA_REFRESH_TOKEN, 'https://api.partnercenter.microsoft.com/x')[0]
    correlation = str(uuid.uuid4())

    response = api('GET', OVERAGE, token_value=token, headers={'MS-CorrelationId': correlation})

    assert response.status_code == 401
    assert response.json()['code'] == 900421
    assert response.json()['source'] == 'PartnerFD'
    assert response.headers['WWW-Authenticate'] == f'OAuth realm=urn:cpsvc:cpid:{correlation}'
    assert sim.calls.all()[-1].partner == demo.DISTRIBUTOR_TENANT_ID  # counted as the partner's


def test_a_408_is_microsofts_error_json(sim, api):
    """conformance: PC-40"""
    sim.faults.add(f.request_timeout(times=1))

    response = api('GET', OVERAGE)

    assert response.status_code == 408
    assert response.json() == {'code': 408, 'description': 'The request timed out.', 'data': [],
                               'source': 'PartnerFD'}


# conformance: PC-15
def test_unknown_route_is_404_in_microsofts_shape(api):
    response = api('GET', '/v1/nothing/here')

    assert response.status_code == 404
    assert response.json()['code'] == 1000
    assert response.json()['source'] == 'PartnerFD'


# conformance: PC-34
@pytest.mark.parametrize(('retry_after', 'header'), [
    (2, '2'), (0.25, '0.25'), (1.5, '1.5'), (0.0001, '0.001'), (0, '0'), (2.0004, '2.001'),
])
def test_throttled_answer_is_microsofts_429(sim, api, retry_after, header):
    sim.faults.add(f.throttle(retry_after, times=1))

    response = api('GET', OVERAGE)

    assert (response.status_code, response.headers['Retry-After']) == (429, header)
    assert response.json() == {'statusCode': 429, 'message': 'Rate limit is exceeded. '
                               f'Try again in {header} seconds.'}


# conformance: PC-39
def test_html_gateway_error_page(sim, api):
    sim.faults.add(f.server_error(502, html=True, times=1))

    response = api('GET', OVERAGE)

    assert response.status_code == 502
    assert response.headers['Content-Type'].startswith('text/html')
    assert '502 Bad Gateway' in response.text


def test_faults_leave_the_token_endpoint_and_controls_alone_by_default(sim, api):
    sim.faults.add(f.server_error(500))
    token = requests.post(
        f'{sim.login_url}/{demo.DISTRIBUTOR_TENANT_ID}/oauth2/v2.0/token',
        data={'grant_type': 'client_credentials', 'client_id': demo.DISTRIBUTOR_CLIENT_ID,
              'client_secret': demo.DISTRIBUTOR_CLIENT_SECRET,
              'scope': 'https://api.partnercenter.microsoft.com/.default'},
        verify=sim.ca_bundle, timeout=5)

    assert token.status_code == 200
    assert api('GET', '/_simulator/faults', token_value=None).status_code == 200
    assert api('GET', OVERAGE).status_code == 500
