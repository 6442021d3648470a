"""The world's rules as plain Python (no HTTP): builder, rule order, propagation, idempotency."""
import pytest

from sandbox.partner_center.world import ApiError, Caller, TokenError, World


PARTNER = '10000000-0000-4000-8000-000000000001'
RIVAL = '10000000-0000-4000-8000-000000000002'
CUSTOMER = '20000000-0000-4000-8000-000000000001'
RESOURCE_DEFAULT = 'https://api.partnercenter.microsoft.com/.default'
ADMIN = Caller(PARTNER, 'admin@p', True)


@pytest.fixture
def world(clock):
    world = World(clock=clock)
    world.add_partner(PARTNER, '111', 'Partner', client_id='app', client_secret='secret',
                      refresh_tokens={'rt-admin': True, 'rt-sales': False})
    world.add_partner(RIVAL, '222', 'Rival', client_id='rival-app', client_secret='rs')
    world.add_customer(CUSTOMER, 'Customer')
    world.add_subscription(CUSTOMER, PARTNER, 'P:0001:A', 'Phone OVG', consumption_type='Overage')
    plan = world.add_azure_plan(CUSTOMER, PARTNER)
    world.entitlement = world.add_entitlement(CUSTOMER, plan)
    return world


def body(world, enabled=True, **extra):
    return {'azureEntitlementId': world.entitlement.id, 'overageEnabled': enabled, **extra}


def code_of(call, *args):
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value.status, caught.value.code


# ---------------------------------------------------------------------- body validation
@pytest.mark.parametrize(('payload', 'expected'), [
    (None, (400, 800002)),
    ([], (400, 800002)),
    ({'azureEntitlementId': '00000000-0000-4000-8000-000000000001'}, (400, 800002)),
    ({'overageEnabled': False}, (400, 800002)),
    ({'overageEnabled': 'yes', 'azureEntitlementId': '00000000-0000-4000-8000-000000000001'},
     (400, 3000)),
    ({'overageEnabled': True, 'azureEntitlementId': 'not-a-guid'}, (400, 3000)),
    ({'overageEnabled': True, 'azureEntitlementId': '00000000-0000-4000-8000-000000000001',
      'partnerId': 'abc'}, (400, 3000)),
    ({'overageEnabled': True, 'azureEntitlementId': '00000000-0000-4000-8000-000000000001',
      'azureResourceGroup': 'M365'}, (400, 3000)),
])
def test_malformed_bodies_are_400(world, payload, expected):
    assert code_of(world.update_overage, ADMIN, CUSTOMER, payload) == expected


def test_customer_id_that_is_not_a_guid_is_400_900118(world):
    assert code_of(world.update_overage, ADMIN, 'contoso', body(world)) == (400, 900118)


def test_consumption_type_is_compared_without_case_and_guid_case_is_ignored(world):
    state = world.update_overage(ADMIN, CUSTOMER.upper(), body(world, azureEntitlementId=(
        world.entitlement.id.upper())))

    assert state.enabled
    assert state.azure_entitlement_id == world.entitlement.id


def test_resource_group_is_accepted(world):
    group = {'tags': {'teams phone': 'pay as you go'}, 'location': 'canadacentral'}

    assert world.update_overage(ADMIN, CUSTOMER, body(world, azureResourceGroup=group)).enabled


# ---------------------------------------------------------------------- rule order
def test_eligibility_is_checked_before_ownership_and_legacy(world):
    world.customers[CUSTOMER].legacy_azure = True
    world.set_overage(CUSTOMER, RIVAL, world.entitlement)
    sales = Caller(PARTNER, 'sales@p', False)

    assert code_of(world.update_overage, sales, CUSTOMER, body(world)) == (403, 800114)
    assert code_of(world.update_overage, ADMIN, CUSTOMER, body(world)) == (403, 800115)


def test_legacy_azure_does_not_block_disabling(world):
    world.update_overage(ADMIN, CUSTOMER, body(world))
    world.add_legacy_azure(CUSTOMER, PARTNER)

    assert world.update_overage(ADMIN, CUSTOMER, body(world, enabled=False)).enabled is False
    assert code_of(world.update_overage, ADMIN, CUSTOMER, body(world)) == (403, 800112)


def test_an_inactive_legacy_subscription_does_not_block(world):
    world.add_legacy_azure(CUSTOMER, PARTNER, status='deleted')

    assert world.update_overage(ADMIN, CUSTOMER, body(world)).enabled


def test_disabling_when_never_set_records_the_given_entitlement(world):
    state = world.update_overage(ADMIN, CUSTOMER, body(world, enabled=False))

    assert (state.enabled, state.azure_entitlement_id, state.holder) == (
        False, world.entitlement.id, None)


def test_partner_id_may_be_our_own_mpn_or_a_known_reseller(world):
    world.add_reseller(PARTNER, '333')

    assert world.update_overage(ADMIN, CUSTOMER, body(world, partnerId='111')).partner_id == '111'
    assert world.update_overage(ADMIN, CUSTOMER, body(world, partnerId=333)).partner_id == '333'
    assert code_of(world.update_overage, ADMIN, CUSTOMER, body(world, partnerId='222')) == (
        400, 800016)


# ---------------------------------------------------------------------- propagation
def test_a_write_shows_only_after_the_propagation_delay(world, clock):
    world.propagation_delay = 30.0

    written = world.update_overage(ADMIN, CUSTOMER, body(world))

    assert world.visible_overage(CUSTOMER) is None
    assert world.overage_state(CUSTOMER) == written
    clock.advance(29.9)
    assert world.visible_overage(CUSTOMER) is None
    clock.advance(0.1)
    assert world.visible_overage(CUSTOMER) == written


def test_rules_see_the_write_before_it_shows(world, clock):
    world.propagation_delay = 30.0
    world.update_overage(ADMIN, CUSTOMER, body(world))
    world.add_partner(RIVAL, '222', 'Rival')
    rival = Caller(RIVAL, None, True)
    world.add_relationship(RIVAL, CUSTOMER)

    assert code_of(world.update_overage, rival, CUSTOMER, body(world)) == (403, 800115)


def test_an_unchanged_write_adds_no_history(world):
    world.update_overage(ADMIN, CUSTOMER, body(world))
    world.update_overage(ADMIN, CUSTOMER, body(world))

    assert len(world.overage[CUSTOMER]) == 1


# ---------------------------------------------------------------------- idempotency
def test_answer_once_returns_the_first_answer_per_partner_and_request_id(world):
    answers = iter(['first', 'second', 'third'])

    def compute():
        return next(answers)

    assert world.answer_once(ADMIN, 'ABC', compute) == 'first'
    assert world.answer_once(ADMIN, 'abc', compute) == 'first'
    assert world.answer_once(Caller(RIVAL, None, True), 'abc', compute) == 'second'
    assert world.answer_once(ADMIN, None, compute) == 'third'


def test_answer_once_repeats_a_rejection(world):
    calls = []

    def reject():
        calls.append(1)
        raise ApiError(403, 800114, 'no')

    for _ in range(2):
        with pytest.raises(ApiError):
            world.answer_once(ADMIN, 'r-1', reject)
    assert calls == [1]


# ---------------------------------------------------------------------- tokens
def test_tokens_expire_with_the_clock(world, clock):
    token, lifetime = world.issue_app_token(PARTNER, 'app', 'secret', RESOURCE_DEFAULT)

    assert world.authenticate(f'Bearer {token}') == Caller(PARTNER, None, True)
    clock.advance(lifetime)
    with pytest.raises(ApiError) as caught:
        world.authenticate(f'Bearer {token}')
    assert (caught.value.status, caught.value.code) == (401, 400)


@pytest.mark.parametrize('header', [None, '', 'Bearer', 'Basic abc', 'Bearer  '])
def test_missing_token_is_401_800001(world, header):
    assert code_of(world.authenticate, header) == (401, 800001)


def test_refresh_token_grant_rotates_and_keeps_the_role(world):
    token, _, rotated, user = world.issue_user_token(
        PARTNER, 'app', 'secret', 'rt-sales', 'https://api.partnercenter.microsoft.com/x')
    again = world.issue_user_token(PARTNER, 'app', 'secret', rotated,
                                   'https://api.partnercenter.microsoft.com/x')

    assert world.authenticate(f'Bearer {token}').admin_agent is False
    assert not user.admin_agent
    assert world.authenticate(f'Bearer {again[0]}').user == user.name


@pytest.mark.parametrize(('args', 'expected'), [
    (('99999999-0000-4000-8000-000000000000', 'app', 'secret', RESOURCE_DEFAULT),
     ('invalid_request', 90002)),
    ((PARTNER, 'nope', 'secret', RESOURCE_DEFAULT), ('unauthorized_client', 700016)),
    ((PARTNER, 'app', '', RESOURCE_DEFAULT), ('invalid_client', 7000218)),
    ((PARTNER, 'app', 'wrong', RESOURCE_DEFAULT), ('invalid_client', 7000215)),
    ((PARTNER, 'app', 'secret', 'openid'), ('invalid_scope', 70011)),
    ((PARTNER, 'app', 'secret', 'https://api.partnercenter.microsoft.com/user_impersonation'),
     ('invalid_scope', 1002012)),
    ((PARTNER, 'app', 'secret', 'https://graph.microsoft.com/.default'),
     ('invalid_resource', 500011)),
])
def test_client_credentials_errors(world, args, expected):
    with pytest.raises(TokenError) as caught:
        world.issue_app_token(*args)

    assert (caught.value.error, caught.value.aadsts) == expected


def test_unknown_and_revoked_refresh_tokens_are_invalid_grant(world):
    world.revoke_refresh_token('rt-admin')
    for token, aadsts in (('rt-unknown', 9002313), ('rt-admin', 50173)):
        with pytest.raises(TokenError) as caught:
            world.issue_user_token(PARTNER, 'app', 'secret', token, RESOURCE_DEFAULT)
        assert (caught.value.error, caught.value.aadsts) == ('invalid_grant', aadsts)


# ---------------------------------------------------------------------- baseline
def test_reset_returns_to_the_baseline_and_drops_tokens(world):
    world.mark_baseline()
    token, _ = world.issue_app_token(PARTNER, 'app', 'secret', RESOURCE_DEFAULT)
    world.update_overage(ADMIN, CUSTOMER, body(world))
    world.add_customer('20000000-0000-4000-8000-000000000009', 'Later')

    world.reset()

    assert world.overage_state(CUSTOMER) is None
    assert '20000000-0000-4000-8000-000000000009' not in world.customers
    assert world.peek_caller(f'Bearer {token}') is None


def test_reset_without_baseline_empties_the_world(world):
    world.reset()

    assert (world.partners, world.customers, world.subscriptions) == ({}, {}, {})


def test_partner_users_from_a_token_list_take_the_given_role():
    world = World()
    partner = world.add_partner(RIVAL, '222', 'Rival', admin_agent=False,
                                refresh_tokens=['rt-1', 'rt-2'], refresh_token='rt-0')

    assert {token: user.admin_agent for token, user in partner.users.items()} == {
        'rt-0': False, 'rt-1': False, 'rt-2': False}
