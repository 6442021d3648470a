"""The Partner Center operations: Microsoft's documented payloads in; typed models or one error out;
nothing malformed sent."""
import pytest
import responses
from responses import matchers

from connect_ext.partner_center.errors import PartnerCenterError
from testkit.microsoft_payloads import (
    AZURE_ENTITLEMENTS,
    AZURE_PLAN_SUBSCRIPTION,
    AZURE_PLAN_SUBSCRIPTION_ID,
    CUSTOMER,
    ENTITLEMENT_ID,
    OVG_SUBSCRIPTION,
    SKU,
    collection,
    error_body,
    overage_item,
)
from testkit.partner_center_mock import (
    API_URL,
    CUSTOMER_TENANT,
    CUSTOMER_URL,
    OVERAGE_URL,
    SUBSCRIPTIONS_URL,
    sent_json,
)


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


def test_get_sku_asks_for_the_country_and_reads_the_consumption_type(client, mocked):
    mocked.add(
        responses.GET, f'{API_URL}/v1/products/CFQ7TTC0LH18/skus/0001', json=SKU,
        match=[matchers.query_param_matcher({'country': 'US'})],
    )

    sku = client.get_sku('CFQ7TTC0LH18', '0001', country='us')

    assert sku.id == '0001'
    assert sku.product_id == 'CFQ7TTC0LH18'
    assert sku.is_overage_capable


def test_check_connection_in_app_plus_user_mode_reads_the_organization_profile(make_client, mocked):
    """conformance: PC-09"""
    mocked.add(responses.GET, f'{API_URL}/v1/profiles/organization', json={
        'id': 'a1b2c3d4-0000-4000-8000-00000000d157', 'companyName': 'Distributor',
        'attributes': {'objectType': 'OrganizationProfile'},
    })

    assert make_client(refresh_token='rt').check_connection() == {'ok': True,
                                                                  'mode': 'app+user'}


def test_check_connection_in_app_only_mode_reads_one_customer_not_the_profile(make_client, mocked):
    """The organization profile is App+User only; the customers list serves both modes.

    conformance: PC-09, PC-10
    """
    mocked.add(
        responses.GET, f'{API_URL}/v1/customers', json=collection([CUSTOMER]),
        match=[matchers.query_param_matcher({'size': '1'})],
    )

    assert make_client(refresh_token='').check_connection() == {'ok': True, 'mode': 'app-only'}


def test_check_connection_fails_loudly(make_client, mocked):
    mocked.add(
        responses.GET, f'{API_URL}/v1/profiles/organization', status=403,
        json=error_body(900150, 'The supplied role does not have the rights.'),
    )

    with pytest.raises(PartnerCenterError) as caught:
        make_client(refresh_token='rt').check_connection()

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
