"""Overage to an Azure subscription Microsoft creates, through the web API: the options say what
would be created, the PUT creates it, and the customer's Microsoft Customer Agreement is recorded by
the owner or the reseller (never by the customer)."""
import dataclasses

import pytest

from connect_ext.api import dependencies
from connect_ext.api.schemas import AgreementBody, ChangeResultBody, ErrorBody, OverageOptionsBody
from connect_ext.compat import parse
from connect_ext.notifications.events import change_event
from sandbox.partner_center import demo
from testkit.callers import RESELLER_A, RESELLER_B, customer
from testkit.customers import NO_AZURE_PLAN, READY


CREATE = {'create_azure_subscription': True}


def overage_url(customer_id):
    return f'/api/customers/{customer_id}/overage'


def agreement_url(customer_id):
    return f'/api/customers/{customer_id}/agreements/microsoft-customer-agreement'


ACCEPTANCE = {'first_name': 'Dana', 'last_name': 'Ng', 'email': 'dana.ng@planless.example',
              'phone_number': '+33 1 23 45 67 89', 'date_agreed': '2026-11-02',
              'customer_accepted': True}


@pytest.fixture
def no_agreement(sim):
    sim.world.customers[demo.NO_AZURE_PLAN_CUSTOMER_ID].agreements.clear()


def test_the_options_say_a_new_plan_and_subscription_1_would_be_created(api):
    response = api.get(f'{overage_url(NO_AZURE_PLAN)}/options')

    parse(OverageOptionsBody, response.json())

    body = response.json()
    assert body['can_enable'] is False
    assert body['can_create_azure_subscription'] is True
    creation = body['create_azure_subscription']
    assert (creation['possible'], creation['creates']) == (True, 'azure_plan_and_subscription')
    assert creation['azure_plan'] is None
    assert creation['azure_subscription_name'] == 'Subscription 1'
    assert 'no-cost Azure plan' in creation['description']


def test_the_options_refuse_creation_where_a_subscription_may_be_picked(api):
    creation = api.get(f'{overage_url(READY)}/options').json()['create_azure_subscription']

    assert creation['possible'] is False
    assert creation['creates'] == 'azure_subscription'
    assert creation['azure_plan']['subscription_id'] == demo.READY_PLAN_ID
    assert [f['code'] for f in creation['findings']] == ['AZURE_SUBSCRIPTION_AVAILABLE']


def test_without_the_agreement_the_options_say_what_to_do(api, no_agreement):
    creation = api.get(f'{overage_url(NO_AZURE_PLAN)}/options').json()['create_azure_subscription']

    assert creation['possible'] is False
    (finding,) = creation['findings']
    assert finding['code'] == 'MCA_NOT_ACCEPTED'
    assert finding['blocks'] == ['create']


def test_the_put_creates_and_names_what_was_created(api, store, notifications):
    """conformance: PC-80, PC-81"""
    response = api.put(overage_url(NO_AZURE_PLAN), json=CREATE)

    assert response.status_code == 200, response.json()
    parse(ChangeResultBody, response.json())
    body = response.json()
    change = body['change']
    assert change['create_azure_subscription'] is True
    created = change['created']
    assert created['name'] == 'Subscription 1'
    assert created['new_azure_plan'] is True
    assert body['azure_subscription_id'] == created['azure_subscription_id']
    assert body['azure_plan']['subscription_id'] == created['azure_plan_id']
    history = api.get(f'{overage_url(NO_AZURE_PLAN)}/history').json()['items']
    assert history[0]['requested'] == {'enabled': True,
                                       'azure_subscription_id': created['azure_subscription_id']}
    assert history[0]['details']['created'] == created
    assert change_event(notifications[-1])['created'] == created


def test_the_put_waits_for_microsoft_when_it_shows_the_creation_late(api, sim):
    """conformance: PC-82"""
    sim.world.propagation_delay = 3600.0

    response = api.put(overage_url(NO_AZURE_PLAN), json=CREATE)

    assert response.status_code == 202
    body = response.json()
    assert body['change']['outcome'] == 'unconfirmed'
    assert body['change']['created'] is None
    assert body['pending_confirmation']['target'] == {
        'enabled': True, 'azure_subscription_id': None, 'create_azure_subscription': True,
    }


@pytest.mark.parametrize('body', [
    {'create_azure_subscription': True, 'azure_subscription_id': demo.READY_ENTITLEMENT_ID},
    {'create_azure_subscription': True, 'azure_subscription_id': None},
    {'create_azure_subscription': False},
    {'create_azure_subscription': None},
])
def test_a_body_that_asks_for_both_or_neither_is_refused_before_microsoft(api, sim, store, body):
    response = api.put(overage_url(NO_AZURE_PLAN), json=body)

    assert response.status_code == 422
    parse(ErrorBody, response.json())
    assert response.json()['error']['code'] == 'VALIDATION_FAILED'
    assert sim.calls.matching('PUT', '/overage') == []
    assert store.list_audit(customer_id=NO_AZURE_PLAN).items == []


def test_a_refused_creation_answers_the_finding(api, sim, no_agreement):
    response = api.put(overage_url(NO_AZURE_PLAN), json=CREATE)

    assert response.status_code == 422
    assert response.json()['error']['code'] == 'MCA_NOT_ACCEPTED'
    assert sim.calls.matching('PUT', '/overage') == []


def test_a_customer_may_not_create_unless_the_provider_allows_it(api, sim, settings):
    refused = api.put(overage_url(NO_AZURE_PLAN), json=CREATE, who=customer(NO_AZURE_PLAN))
    assert refused.status_code == 403
    assert refused.json()['error']['code'] == 'CUSTOMER_CHANGES_DISABLED'
    assert sim.calls.matching('PUT', '/overage') == []

    allowed = dataclasses.replace(settings, customers_may_change=True)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: allowed
    done = api.put(overage_url(NO_AZURE_PLAN), json=CREATE, who=customer(NO_AZURE_PLAN))
    assert done.status_code == 200, done.json()


def test_a_repeated_put_with_its_idempotency_key_creates_once(api, sim):
    """conformance: PC-88"""
    first = api.put(overage_url(NO_AZURE_PLAN), json=CREATE, headers={'Idempotency-Key': 'create-1'})
    again = api.put(overage_url(NO_AZURE_PLAN), json=CREATE, headers={'Idempotency-Key': 'create-1'})

    assert again.json() == first.json()
    assert len(sim.calls.matching('PUT', '/overage')) == 1


# --- the Microsoft Customer Agreement ---------------------------------------------------------------

def test_the_owner_records_the_acceptance_and_can_then_create(api, sim, store, no_agreement):
    """conformance: PC-86, PC-87"""
    response = api.post(agreement_url(NO_AZURE_PLAN), json=ACCEPTANCE)

    assert response.status_code == 201, response.json()
    parse(AgreementBody, response.json())
    body = response.json()
    assert body['type'] == 'MicrosoftCustomerAgreement'
    assert body['template_id'] == '117a77b0-9360-443b-8795-c6dedc750cf9'
    assert body['date_agreed'] == '2026-11-02T00:00:00Z'
    assert body['primary_contact']['email'] == ACCEPTANCE['email']
    (entry,) = store.list_audit(customer_id=NO_AZURE_PLAN).items
    assert (entry.action, entry.outcome) == ('agreement', 'succeeded')
    assert ACCEPTANCE['email'] not in str(entry.details)
    assert sim.world.customers[demo.NO_AZURE_PLAN_CUSTOMER_ID].mca_accepted
    assert api.put(overage_url(NO_AZURE_PLAN), json=CREATE).status_code == 200


def test_the_customers_reseller_records_it_and_another_reseller_cannot(api, no_agreement):
    assert api.post(agreement_url(NO_AZURE_PLAN), json=ACCEPTANCE, who=RESELLER_B).status_code == 201
    assert api.post(agreement_url(NO_AZURE_PLAN), json=ACCEPTANCE, who=RESELLER_A).status_code == 404


def test_a_customer_never_records_its_own_acceptance(api, sim, settings, no_agreement):
    allowed = dataclasses.replace(settings, customers_may_change=True)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: allowed

    response = api.post(agreement_url(NO_AZURE_PLAN), json=ACCEPTANCE, who=customer(NO_AZURE_PLAN))

    assert response.status_code == 403
    assert response.json()['error']['code'] == 'CUSTOMERS_CANNOT_RECORD_AGREEMENTS'
    assert sim.calls.matching('POST', '/agreements') == []


@pytest.mark.parametrize(('change', 'code'), [
    ({'customer_accepted': False}, 'MCA_ACCEPTANCE_NOT_CONFIRMED'),
    ({'date_agreed': '2999-01-01'}, 'VALIDATION_FAILED'),
    ({'date_agreed': '2026-02-30'}, 'VALIDATION_FAILED'),
    ({'email': 'not-an-email'}, 'VALIDATION_FAILED'),
    ({'first_name': ''}, 'VALIDATION_FAILED'),
])
def test_an_acceptance_that_is_not_confirmed_or_not_valid_records_nothing(
        api, sim, no_agreement, change, code,
):
    response = api.post(agreement_url(NO_AZURE_PLAN), json={**ACCEPTANCE, **change})

    assert response.status_code == 422
    assert response.json()['error']['code'] == code
    assert sim.calls.matching('POST', '/agreements') == []
    assert not sim.world.customers[demo.NO_AZURE_PLAN_CUSTOMER_ID].mca_accepted


def test_the_same_acceptance_twice_is_a_409(api, no_agreement):
    """conformance: PC-87"""
    assert api.post(agreement_url(NO_AZURE_PLAN), json=ACCEPTANCE).status_code == 201
    again = api.post(agreement_url(NO_AZURE_PLAN), json=ACCEPTANCE)

    assert again.status_code == 409
    assert again.json()['error']['code'] == 'MCA_ALREADY_RECORDED'
