"""The simulator's overage PUT without an Azure subscription, as Microsoft's samples describe it,
and the customer agreements it needs (plain Python, no HTTP)."""
import pytest

from sandbox.partner_center.world import MCA_TEMPLATE_ID, ApiError, Caller, World


PARTNER = '10000000-0000-4000-8000-000000000001'
RIVAL = '10000000-0000-4000-8000-000000000002'
CUSTOMER = '20000000-0000-4000-8000-000000000001'
ADMIN = Caller(PARTNER, 'admin@p', True)
APP = Caller(PARTNER, None, True)
CREATE = {'overageEnabled': True}


@pytest.fixture
def world(clock):
    world = World(clock=clock)
    world.add_partner(PARTNER, '111', 'Partner', client_id='app', client_secret='secret',
                      refresh_tokens={'rt-admin': True})
    world.add_partner(RIVAL, '222', 'Rival', client_id='rival-app', client_secret='rs')
    world.add_reseller(PARTNER, '4820002')
    world.add_customer(CUSTOMER, 'Customer')
    world.add_subscription(CUSTOMER, PARTNER, 'P:0001:A', 'Phone OVG', consumption_type='overage')
    return world


def refusal(call, *args):
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value.status, caught.value.code


def plans(world, caller=ADMIN):
    return [s for s in world.subscriptions_for(caller, CUSTOMER) if s.is_azure_plan]


def test_without_a_plan_and_without_the_agreement_nothing_is_created(world):
    """conformance: PC-84"""
    assert refusal(world.update_overage, ADMIN, CUSTOMER, CREATE) == (403, 600065)
    assert not [s for s in world.subscriptions.values() if s.is_azure_plan]
    assert world.overage_state(CUSTOMER) is None


def test_with_the_agreement_a_no_cost_plan_with_subscription_1_shows_after_the_lag(world, clock):
    """conformance: PC-81, PC-82, PC-83"""
    world.accept_mca(CUSTOMER)
    world.propagation_delay = 30.0

    state = world.update_overage(ADMIN, CUSTOMER, {**CREATE, 'partnerId': '4820002'})

    created = world.entitlements[state.azure_entitlement_id]
    assert created.name == 'Subscription 1'
    plan = world.subscriptions[created.plan_id]
    assert plan.offer_id.startswith('DZH318Z0BPS6:0001:')
    assert plan.billing_type == 'usage'
    assert plan.reseller_mpn == '4820002'
    assert plans(world) == []
    assert world.visible_overage(CUSTOMER) is None
    clock.advance(31)
    assert [p.id for p in plans(world)] == [plan.id]
    assert [e.id for e in world.entitlements_for(ADMIN, CUSTOMER, plan.id)] == [created.id]
    assert world.visible_overage(CUSTOMER).azure_entitlement_id == created.id


def test_an_active_plan_gets_a_subscription_and_an_active_subscription_1_is_reused(world):
    """conformance: PC-80, PC-83"""
    plan = world.add_azure_plan(CUSTOMER, PARTNER)
    disabled = world.add_entitlement(CUSTOMER, plan, status='disabled')

    first = world.update_overage(ADMIN, CUSTOMER, CREATE)
    again = world.update_overage(ADMIN, CUSTOMER, {**CREATE, 'azureEntitlementId': None})

    created = world.entitlements[first.azure_entitlement_id]
    assert (created.plan_id, created.name) == (plan.id, 'Subscription 2')
    assert created.id != disabled.id
    assert again.azure_entitlement_id == first.azure_entitlement_id
    assert len([e for e in world.entitlements.values() if e.plan_id == plan.id]) == 2
    active_one = world.add_entitlement(CUSTOMER, world.add_azure_plan(CUSTOMER, RIVAL))
    assert active_one.plan_id not in {p.id for p in plans(world)}


def test_the_creating_put_keeps_the_refusals_and_their_order(world):
    """conformance: PC-85"""
    world.set_overage(CUSTOMER, RIVAL, '30000000-0000-4000-8000-000000000001')
    assert refusal(world.update_overage, ADMIN, CUSTOMER, CREATE) == (403, 800115)
    world.overage.clear()
    world.add_legacy_azure(CUSTOMER, PARTNER)
    assert refusal(world.update_overage, ADMIN, CUSTOMER, CREATE) == (403, 800112)
    assert refusal(world.update_overage, ADMIN, CUSTOMER,
                   {**CREATE, 'azureResourceGroup': {'tags': ['M365']}}) == (400, 3000)
    assert refusal(world.update_overage, ADMIN, CUSTOMER, {'overageEnabled': False}) == (400, 800002)


def test_the_resource_group_is_kept_with_what_is_created(world):
    """conformance: PC-85"""
    plan = world.add_azure_plan(CUSTOMER, PARTNER)
    group = {'location': 'canadacentral', 'tags': {'teams phone': 'pay as you go calls'}}

    state = world.update_overage(ADMIN, CUSTOMER, {**CREATE, 'azureResourceGroup': group})

    assert world.entitlements[state.azure_entitlement_id].resource_group == group
    assert world.entitlements[state.azure_entitlement_id].plan_id == plan.id


def test_agreements_metadata_confirmation_and_the_duplicate(world):
    """conformance: PC-86, PC-87"""
    (template,) = world.agreement_metadata(ADMIN, 'MicrosoftCustomerAgreement')
    assert template['templateId'] == MCA_TEMPLATE_ID
    assert world.agreements_for(ADMIN, CUSTOMER, 'MicrosoftCustomerAgreement') == []
    body = {'primaryContact': {'firstName': 'Dana', 'lastName': 'Ng', 'email': 'd@c.example'},
            'templateId': MCA_TEMPLATE_ID, 'dateAgreed': '2026-11-02T00:00:00Z',
            'type': 'MicrosoftCustomerAgreement'}

    recorded = world.create_agreement(ADMIN, CUSTOMER, body)

    assert recorded['userId']
    assert 'admin@p' not in recorded['userId']
    assert [a['templateId'] for a in world.agreements_for(ADMIN, CUSTOMER,
                                                          'MicrosoftCustomerAgreement')] == [MCA_TEMPLATE_ID]
    assert refusal(world.create_agreement, ADMIN, CUSTOMER, body) == (409, 600061)
    assert refusal(world.create_agreement, ADMIN, CUSTOMER,
                   {**body, 'templateId': '00000000-0000-4000-8000-000000000000'}) == (400, 800002)
    assert refusal(world.create_agreement, ADMIN, CUSTOMER,
                   {**body, 'primaryContact': {'firstName': 'Dana'}}) == (400, 800002)


@pytest.mark.parametrize('call', ['metadata', 'list', 'create'])
def test_the_agreements_are_app_plus_user_only(world, call):
    """conformance: PC-86"""
    calls = {
        'metadata': lambda: world.agreement_metadata(APP, 'MicrosoftCustomerAgreement'),
        'list': lambda: world.agreements_for(APP, CUSTOMER, 'MicrosoftCustomerAgreement'),
        'create': lambda: world.create_agreement(APP, CUSTOMER, {}),
    }
    with pytest.raises(ApiError) as caught:
        calls[call]()
    assert caught.value.status == 403
