"""The pure checks and readers of Partner Center's payloads, called directly (no HTTP)."""
import pytest

from connect_ext.partner_center.payloads import (
    kind_of_status,
    qualification_names,
    require_guid,
    require_partner_id,
    select_overage_item,
)
from testkit.microsoft_payloads import ENTITLEMENT_ID
from testkit.partner_center_mock import CUSTOMER_TENANT


@pytest.mark.parametrize('bad', [
    f'{CUSTOMER_TENANT}\n', f' {CUSTOMER_TENANT}', CUSTOMER_TENANT.replace('-', ''), '', None, 42,
])
def test_require_guid_takes_a_bare_guid_only(bad):
    assert require_guid(CUSTOMER_TENANT.upper(), 'tenant_id') == CUSTOMER_TENANT.upper()
    with pytest.raises(ValueError, match='tenant_id must be a GUID'):
        require_guid(bad, 'tenant_id')


def test_require_partner_id_takes_digits_or_a_guid():
    assert require_partner_id('5357563') == '5357563'
    assert require_partner_id(CUSTOMER_TENANT) == CUSTOMER_TENANT
    for bad in ('12;drop', f'{CUSTOMER_TENANT}\n', '1' * 13, None):
        with pytest.raises(ValueError, match='partner_id'):
            require_partner_id(bad)


def test_kind_of_status():
    assert [kind_of_status(status) for status in (429, 400, 404, 499, 500, 503, 302)] == [
        'throttled', 'rejected', 'rejected', 'rejected', 'unavailable', 'unavailable', 'unavailable',
    ]


def test_a_408_is_a_time_out_a_write_may_have_survived():
    """conformance: PC-40"""
    assert kind_of_status(408) == 'timeout'


def test_select_overage_item_rules():
    untyped = {'azureEntitlementId': ENTITLEMENT_ID, 'overageEnabled': True}
    assert select_overage_item([untyped]) is untyped
    assert select_overage_item([untyped, dict(untyped)]) is None
    assert select_overage_item([{'type': 'Other'}]) is None
    assert select_overage_item([]) is None


def test_qualification_names_accepts_every_documented_shape():
    assert qualification_names({'qualification': 'Education'}) == ['Education']
    assert qualification_names({'items': [{'qualification': 'GovernmentCommunityCloud'}]}) == [
        'GovernmentCommunityCloud',
    ]
    assert qualification_names(['Education', '', None]) == ['Education']
    assert qualification_names(None) == []
