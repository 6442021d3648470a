"""The Partner Center calls of a created Azure subscription and of the Microsoft Customer Agreement:
Microsoft's bodies out (the samples' PUT without an entitlement id, the Agreement resource), nothing
malformed sent."""
import pytest
import responses

from testkit.microsoft_payloads import ENTITLEMENT_ID, collection, overage_item
from testkit.partner_center_mock import API_URL, CUSTOMER_TENANT, CUSTOMER_URL, OVERAGE_URL, sent_json


MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9'
CONTACT = {'first_name': 'Dana', 'last_name': 'Ng', 'email': 'dana@c.example', 'phone_number': None}


def test_creating_sends_no_entitlement_id_and_the_resource_group(client, mocked):
    """conformance: PC-80, PC-85"""
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())
    group = {'location': 'canadacentral', 'tags': {'teams phone': 'pay as you go calls'}}

    client.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=None, create=True,
                          resource_group=group, partner_id='5357563')

    assert sent_json(mocked.calls[0]) == {
        'overageEnabled': True, 'azureResourceGroup': group, 'partnerId': '5357563',
    }


@pytest.mark.parametrize('group', [{'location': 'Canada Central'}, {'tags': {'a': 1}}, {'other': 'x'}])
def test_a_malformed_resource_group_is_never_sent(client, mocked, group):
    with pytest.raises(ValueError):
        client.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=None, create=True,
                              resource_group=group)
    assert len(mocked.calls) == 0


def test_creating_names_no_azure_subscription(client, mocked):
    with pytest.raises(ValueError):
        client.update_overage(CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID,
                              create=True)
    assert len(mocked.calls) == 0


def test_the_agreement_reads_and_the_confirmation(client, mocked):
    """conformance: PC-86, PC-87"""
    mocked.add(responses.GET, f'{API_URL}/v1/agreements', json=collection([
        {'templateId': MCA_TEMPLATE, 'agreementType': 'MicrosoftCustomerAgreement', 'versionRank': 0},
    ]))
    mocked.add(responses.GET, f'{CUSTOMER_URL}/agreements', json=collection([]))
    mocked.add(responses.POST, f'{CUSTOMER_URL}/agreements', status=201, json={'type': 'x'})

    assert client.agreement_template_id() == MCA_TEMPLATE
    assert client.has_customer_agreement(CUSTOMER_TENANT) is False
    client.create_customer_agreement(CUSTOMER_TENANT, template_id=MCA_TEMPLATE, contact=CONTACT,
                                     date_agreed='2026-11-02T00:00:00Z')

    assert 'agreementType=MicrosoftCustomerAgreement' in mocked.calls[0].request.url
    assert 'agreementType=MicrosoftCustomerAgreement' in mocked.calls[1].request.url
    assert sent_json(mocked.calls[2]) == {
        'primaryContact': {'firstName': 'Dana', 'lastName': 'Ng', 'email': 'dana@c.example'},
        'templateId': MCA_TEMPLATE, 'dateAgreed': '2026-11-02T00:00:00Z',
        'type': 'MicrosoftCustomerAgreement',
    }


@pytest.mark.parametrize('contact', [
    {**CONTACT, 'email': 'nope'}, {**CONTACT, 'first_name': ' '}, {**CONTACT, 'last_name': 'x' * 101},
])
def test_a_malformed_contact_is_never_sent(client, mocked, contact):
    with pytest.raises(ValueError):
        client.create_customer_agreement(CUSTOMER_TENANT, template_id=MCA_TEMPLATE, contact=contact,
                                         date_agreed='2026-11-02T00:00:00Z')
    assert len(mocked.calls) == 0
