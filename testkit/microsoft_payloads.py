"""Partner Center payloads shaped as Microsoft documents them (field names exact), for the
customer tenant of :mod:`testkit.partner_center_mock`."""
from testkit.partner_center_mock import CUSTOMER_TENANT


ENTITLEMENT_ID = 'ea1c26b7-8c99-42bb-ba7d-c535831fae8e'
AZURE_PLAN_SUBSCRIPTION_ID = '3f15978e-005c-b763-bb78-2a8fab289c58'


def overage_item(**changes):
    item = {
        'azureEntitlementId': ENTITLEMENT_ID,
        'partnerId': '5357563',
        'type': 'PhoneServices',
        'overageEnabled': True,
        'links': {
            'overage': {
                'uri': f'/customers/{CUSTOMER_TENANT}/subscriptions/overage',
                'method': 'GET',
                'headers': [],
            },
        },
        'attributes': {'objectType': 'Overage'},
    }
    item.update(changes)
    return item


def collection(items, **extra):
    return {
        'totalCount': len(items),
        'items': items,
        'attributes': {'objectType': 'Collection'},
        **extra,
    }


def subscription(sub_id, offer_id, **changes):
    item = {
        'id': sub_id,
        'entitlementId': 'c7e9b0a4-1d2b-4f3e-8a5b-6c7d8e9f0a1b',
        'offerId': offer_id,
        'offerName': 'Microsoft Teams Phone with Calling Plan (country zone 1 - US) OVG',
        'friendlyName': 'Teams Phone OVG',
        'quantity': 10,
        'unitType': 'Licenses',
        'hasPurchasableAddons': False,
        'creationDate': '2024-01-12T00:00:00Z',
        'effectiveStartDate': '2024-01-12T00:00:00Z',
        'commitmentEndDate': '2025-01-11T00:00:00Z',
        'autoRenewEnabled': True,
        'status': 'active',
        'isTrial': False,
        'billingType': 'license',
        'billingCycle': 'monthly',
        'termDuration': 'P1Y',
        'productType': {'id': 'OnlineServicesNCE', 'displayName': 'OnlineServicesNCE'},
        'consumptionType': 'overage',
        'links': {
            'offer': {'uri': f'/offers/{offer_id}?country=US', 'method': 'GET', 'headers': []},
            'self': {
                'uri': f'/customers/{CUSTOMER_TENANT}/subscriptions/{sub_id}',
                'method': 'GET',
                'headers': [],
            },
        },
        'orderId': 'b8a4c1f2e3d4',
        'attributes': {'etag': 'eyJpZCI6IjEifQ==', 'objectType': 'Subscription'},
    }
    item.update(changes)
    return item


OVG_SUBSCRIPTION = subscription(
    '9b1e3f5a-2c4d-4e6f-8a0b-1c2d3e4f5a6b', 'CFQ7TTC0LH18:0001:CFQ7TTC0K971',
)
AZURE_PLAN_SUBSCRIPTION = subscription(
    AZURE_PLAN_SUBSCRIPTION_ID, 'DZH318Z0BPS6:0001:DZH318Z0BML6',
    offerName='Azure plan', friendlyName='Azure plan', quantity=1, billingType='usage',
    consumptionType=None, productType={'id': 'Azure', 'displayName': 'Azure'},
)

AZURE_ENTITLEMENTS = {
    'totalCount': 1,
    'items': [{
        'id': '899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8',
        'friendlyName': 'Microsoft Azure',
        'status': 'active',
        'subscriptionId': AZURE_PLAN_SUBSCRIPTION_ID,
    }],
    'attributes': {'objectType': 'Collection'},
}

CUSTOMER = {
    'id': CUSTOMER_TENANT,
    'commerceId': '0a0b0c0d-1e2f-4a5b-9c6d-7e8f9a0b1c2d',
    'companyProfile': {
        'tenantId': CUSTOMER_TENANT,
        'domain': 'contoso.onmicrosoft.com',
        'companyName': 'Contoso',
        'links': {
            'self': {'uri': f'/customers/{CUSTOMER_TENANT}/profiles/company', 'method': 'GET'},
        },
        'attributes': {'objectType': 'CustomerCompanyProfile'},
    },
    'billingProfile': {
        'id': '0b0c0d0e-1f2a-4b5c-8d6e-7f8a9b0c1d2e',
        'firstName': 'Ada',
        'lastName': 'Lovelace',
        'email': 'ada@contoso.example',
        'culture': 'en-US',
        'language': 'en',
        'companyName': 'Contoso Ltd',
        'defaultAddress': {
            'country': 'us',
            'city': 'Redmond',
            'state': 'WA',
            'addressLine1': 'One Microsoft Way',
            'postalCode': '98052',
        },
        'attributes': {'objectType': 'CustomerBillingProfile'},
    },
    'relationshipToPartner': 'reseller',
    'allowDelegatedAccess': True,
    'customDomains': [],
    'links': {'self': {'uri': f'/customers/{CUSTOMER_TENANT}', 'method': 'GET', 'headers': []}},
    'attributes': {'objectType': 'Customer'},
}

SKU = {
    'id': '0001',
    'productId': 'CFQ7TTC0LH18',
    'title': 'Microsoft Teams Phone with Calling Plan (country zone 1 - US) OVG',
    'description': 'Teams Phone with a domestic calling plan and overage',
    'minimumQuantity': 1,
    'maximumQuantity': 300,
    'isTrial': False,
    'supportedBillingCycles': ['monthly', 'annual'],
    'purchasePrerequisites': [],
    'inventoryVariables': [],
    'provisioningVariables': [],
    'actions': [],
    'consumptionType': 'Overage',
    'dynamicAttributes': {'isAddon': False},
    'links': {
        'availabilities': {
            'uri': '/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US',
            'method': 'GET',
            'headers': [],
        },
    },
    'attributes': {'objectType': 'Sku'},
}

THROTTLED_BODY = {'statusCode': 429, 'message': 'Rate limit is exceeded. Try again in 57 seconds.'}

HTML_PAGE = (
    '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>'
    '<body><h1>Bad Gateway</h1></body></html>'
)

# (HTTP status, code, description) of partner-center.md sections 2.2 and 2.3.
DOCUMENTED_ERRORS = [
    (404, 800111, 'Azure subscription with the given entitlement ID is not found.'),
    (403, 800112, 'Overage cannot be set as the customer has legacy Azure subscriptions.'),
    (403, 800114, 'You are not eligible to manage overage for this customer.'),
    (403, 800115, 'Overage is already assigned to another tenant. Contact your customer to '
                  'resolve ownership questions.'),
    (401, 400, 'Access denied.'),
    (401, 800001, 'Partner Token missing in request context.'),
    (403, 2032, 'Access denied.'),
    (403, 900150, 'The supplied role does not have the rights to perform the requested operation.'),
    (403, 20002, 'Partner ID 1234 has no commerce relationship with customer ID x.'),
    (404, 1000, 'Not found.'),
    (404, 60003, 'Tenant not found.'),
    (404, 20003, 'Subscription 1234 not found.'),
    (400, 3000, 'Invalid property.'),
    (400, 800002, 'Invalid request input.'),
    (400, 900118, 'Invalid Customer Id.'),
    (400, 800016, 'MPN ID is not a valid Indirect Reseller.'),
    (404, 800015, 'MPN ID not found.'),
    (400, 2072, 'The IP MPN ID is not valid as a partner of record.'),
    (403, 900123, 'The indirect reseller has not accepted the Microsoft Partner Agreement.'),
    (403, 900124, 'The partner has not accepted the Microsoft Partner Agreement.'),
    (403, 900149, 'The partner program status is not active.'),
    (500, 800003, 'Unexpected service error.'),
    (400, 900116, 'Sandbox limit on Azure plans reached.'),
    (400, 900132, 'The Azure plan is not active.'),
    (400, 900133, 'The Azure plan is not purchased.'),
]


def error_body(code, description, **extra):
    return {'code': code, 'description': description, 'source': 'PartnerFD', **extra}
