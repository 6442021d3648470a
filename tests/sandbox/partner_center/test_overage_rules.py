"""Microsoft's overage rules, proven through the real client over HTTPS against the demo world."""
import uuid

import pytest

from connect_ext.partner_center.errors import AUTH, REJECTED, PartnerCenterError
from sandbox.partner_center import demo


def rejection(call, *args, **kwargs) -> PartnerCenterError:
    with pytest.raises(PartnerCenterError) as caught:
        call(*args, **kwargs)
    return caught.value


def enable(client, customer, entitlement, **kwargs):
    return client.update_overage(customer, enabled=True, azure_entitlement_id=entitlement,
                                 **kwargs)


# ---------------------------------------------------------------------- reads
# conformance: PC-23
def test_overage_never_set_reads_as_none(client):
    assert client.get_overage(demo.READY_CUSTOMER_ID) is None


# conformance: PC-23
def test_enabled_overage_reads_back_with_entitlement_and_partner(client):
    overage = client.get_overage(demo.ENABLED_CUSTOMER_ID)

    assert overage.overage_enabled is True
    assert overage.azure_entitlement_id == demo.ENABLED_ENTITLEMENT_ID
    assert overage.partner_id == demo.DISTRIBUTOR_MPN_ID
    assert overage.type == 'PhoneServices'


# conformance: PC-23
def test_overage_held_by_other_partner_is_visible_to_us(client):
    overage = client.get_overage(demo.HELD_CUSTOMER_ID)

    assert overage.overage_enabled is True
    assert overage.azure_entitlement_id == demo.HELD_OTHER_ENTITLEMENT_ID
    assert overage.partner_id == demo.OTHER_PARTNER_MPN_ID


# conformance: PC-18
def test_subscriptions_are_only_those_the_caller_sold(client):
    ours = client.list_subscriptions(demo.HELD_CUSTOMER_ID)

    assert {s.partner_id for s in ours} == {''}
    assert demo.HELD_PLAN_ID in {s.id for s in ours}
    assert demo.HELD_OTHER_PLAN_ID not in {s.id for s in ours}
    assert sum(1 for s in ours if s.is_overage_capable) == 1


# conformance: PC-18, PC-21
def test_reseller_subscriptions_carry_the_reseller_partner_id(client):
    subscriptions = client.list_subscriptions(demo.RESELLER_CUSTOMER_ID)

    assert {s.partner_id for s in subscriptions} == {demo.RESELLER_MPN_ID}
    plan = next(s for s in subscriptions if s.is_azure_plan)
    assert plan.billing_type == 'usage'
    assert plan.offer_id.startswith('DZH318Z0BPS6:')


# conformance: PC-20
def test_azure_entitlements_of_a_plan(client):
    entitlements = client.list_azure_entitlements(demo.READY_CUSTOMER_ID, demo.READY_PLAN_ID)

    assert {(e.id, e.friendly_name, e.status) for e in entitlements} == {
        (demo.READY_ENTITLEMENT_ID, 'Subscription 1', 'active'),
        (demo.READY_SECOND_ENTITLEMENT_ID, 'Production', 'active'),
    }
    assert {e.subscription_id for e in entitlements} == {demo.READY_PLAN_ID}


# conformance: PC-19, PC-20
def test_entitlements_of_another_partners_plan_are_not_found(client):
    error = rejection(client.list_azure_entitlements, demo.HELD_CUSTOMER_ID,
                      demo.HELD_OTHER_PLAN_ID)

    assert (error.kind, error.status, error.code) == (REJECTED, 404, '20003')


# conformance: PC-16, PC-17
def test_customer_country_and_qualifications(client):
    education = client.get_customer(demo.EDUCATION_CUSTOMER_ID)
    russian = client.get_customer(demo.BLOCKED_COUNTRY_CUSTOMER_ID)

    assert education.qualifications == ['Education']
    assert education.company_name == 'Woodgrove School District'
    assert russian.qualifications == []
    assert (russian.country, client.get_customer(demo.CHINA_CUSTOMER_ID).country) == ('RU', 'CN')


# conformance: PC-22
def test_sku_consumption_type_says_overage_only_for_ovg(client):
    ovg = client.get_sku(demo.OVG_PRODUCT_ID, demo.OVG_SKU_ID, country='US')
    plain = client.get_sku(demo.PLAIN_PRODUCT_ID, demo.PLAIN_SKU_ID, country='US')

    assert ovg.is_overage_capable
    assert ovg.consumption_type == 'overage'
    assert not plain.is_overage_capable


# conformance: PC-22
def test_unknown_sku_is_rejected(client):
    error = rejection(client.get_sku, 'CFQ7TTC0NONE', '0001', country='US')

    assert (error.kind, error.status, error.code) == (REJECTED, 404, '1000')


def test_connection_check_uses_a_call_each_mode_may_make(sim, make_client):
    """The organization profile is App+User only: app-only checks with one customer instead.

    conformance: PC-09, PC-10
    """
    assert make_client().check_connection() == {'ok': True, 'mode': 'app+user'}
    assert make_client(app_only=True).check_connection() == {'ok': True, 'mode': 'app-only'}

    assert [(c.path, c.query, c.status) for c in sim.calls.matching('GET', '^/v1/')] == [
        ('/v1/profiles/organization', '', 200), ('/v1/customers', 'size=1', 200)]


def test_the_organization_profile_is_refused_to_app_only_credentials(make_client):
    """conformance: PC-09"""
    client = make_client(app_only=True)

    error = rejection(client._http.json, 'GET', '/v1/profiles/organization')

    assert (error.kind, error.status) == (REJECTED, 403)
    assert error.description == "This resource can't be accessed by application credentials."


def test_mfa_is_required_of_app_plus_user_tokens_unless_lifted(sim, make_client):
    """conformance: PC-08"""
    without_mfa = make_client(refresh_token=demo.DISTRIBUTOR_NO_MFA_REFRESH_TOKEN)

    error = rejection(without_mfa.get_overage, demo.READY_CUSTOMER_ID)

    assert (error.kind, error.status, error.code) == (REJECTED, 401, '900421')
    assert make_client().get_overage(demo.READY_CUSTOMER_ID) is None  # signed in with MFA
    assert make_client(app_only=True).get_overage(demo.READY_CUSTOMER_ID) is None
    sim.world.enforce_mfa = False
    assert without_mfa.get_overage(demo.READY_CUSTOMER_ID) is None


# ---------------------------------------------------------------------- 404 / 401
# conformance: PC-16
@pytest.mark.parametrize('call', [
    lambda c: c.get_overage(demo.UNKNOWN_CUSTOMER_ID),
    lambda c: c.get_customer(demo.UNKNOWN_CUSTOMER_ID),
    lambda c: c.list_subscriptions(demo.UNKNOWN_CUSTOMER_ID),
    lambda c: enable(c, demo.UNKNOWN_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID),
])
def test_unknown_tenant_is_404_60003(client, call):
    error = rejection(call, client)

    assert (error.kind, error.status, error.code) == (REJECTED, 404, '60003')
    assert error.source == 'PartnerFD'
    assert error.correlation_id
    assert error.request_id


# conformance: PC-16
def test_reads_of_a_customer_without_relationship_are_403_20002(client):
    error = rejection(client.get_customer, demo.NOT_OUR_CUSTOMER_ID)

    assert (error.status, error.code) == (403, '20002')
    assert demo.DISTRIBUTOR_MPN_ID in error.description


# conformance: PC-04
def test_wrong_client_secret_is_an_auth_error_without_any_api_call(sim, make_client):
    client = make_client(client_secret='wrong-secret')

    error = rejection(client.get_overage, demo.READY_CUSTOMER_ID)

    assert error.kind == AUTH
    assert error.code == 'invalid_client'
    assert 'AADSTS7000215' in error.description
    assert 'wrong-secret' not in str(error)
    assert sim.calls.matching(path='^/v1/') == []


# conformance: PC-04
def test_revoked_refresh_token_is_an_auth_error(sim, make_client):
    sim.world.revoke_refresh_token(demo.DISTRIBUTOR_REFRESH_TOKEN)

    error = rejection(make_client().get_overage, demo.READY_CUSTOMER_ID)

    assert (error.kind, error.code) == (AUTH, 'invalid_grant')


# conformance: PC-06, PC-07
def test_expired_access_token_is_renewed_after_one_401(sim, client):
    client.get_overage(demo.READY_CUSTOMER_ID)
    sim.world.expire_access_tokens()

    client.get_overage(demo.READY_CUSTOMER_ID)

    statuses = [c.status for c in sim.calls.matching('GET', '/overage$')]
    assert statuses == [200, 401, 200]


class BogusTokens:
    """A token provider whose tokens Partner Center never issued."""

    invalidated = 0

    def get_token(self):
        return 'not-a-token-partner-center-issued'

    def invalidate(self):
        self.invalidated += 1


# conformance: PC-07
def test_a_token_partner_center_does_not_know_is_401(make_client):
    tokens = BogusTokens()
    client = make_client(token_provider=tokens)

    error = rejection(client.get_overage, demo.READY_CUSTOMER_ID)

    assert (error.kind, error.status, error.code) == (REJECTED, 401, '400')
    assert tokens.invalidated == 1


# ---------------------------------------------------------------------- the PUT
# conformance: PC-31
def test_enable_then_read_back(sim, client):
    written = enable(client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert (written.overage_enabled, written.azure_entitlement_id, written.partner_id) == (
        True, demo.READY_ENTITLEMENT_ID, demo.DISTRIBUTOR_MPN_ID)
    assert client.get_overage(demo.READY_CUSTOMER_ID) == written
    assert sim.world.overage_state(demo.READY_CUSTOMER_ID).holder == demo.DISTRIBUTOR_TENANT_ID


# conformance: PC-31
def test_move_to_another_of_our_azure_subscriptions(client):
    enable(client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    moved = enable(client, demo.READY_CUSTOMER_ID, demo.READY_SECOND_ENTITLEMENT_ID)

    assert moved.azure_entitlement_id == demo.READY_SECOND_ENTITLEMENT_ID
    assert client.get_overage(demo.READY_CUSTOMER_ID).azure_entitlement_id == (
        demo.READY_SECOND_ENTITLEMENT_ID)


# conformance: PC-31
def test_disable_keeps_the_entitlement_id(sim, client):
    disabled = client.update_overage(demo.ENABLED_CUSTOMER_ID, enabled=False,
                                     azure_entitlement_id=demo.ENABLED_ENTITLEMENT_ID)

    assert (disabled.overage_enabled, disabled.azure_entitlement_id) == (
        False, demo.ENABLED_ENTITLEMENT_ID)
    assert client.get_overage(demo.ENABLED_CUSTOMER_ID) == disabled
    assert sim.world.overage_state(demo.ENABLED_CUSTOMER_ID).holder is None


# conformance: PC-27, PC-31
def test_reseller_partner_id_is_recorded(client):
    written = enable(client, demo.RESELLER_CUSTOMER_ID, demo.RESELLER_ENTITLEMENT_ID,
                     partner_id=demo.RESELLER_MPN_ID)

    assert written.partner_id == demo.RESELLER_MPN_ID
    assert client.get_overage(demo.RESELLER_CUSTOMER_ID).partner_id == demo.RESELLER_MPN_ID


# conformance: PC-27
def test_partner_id_that_is_not_our_reseller_is_400_800016(client):
    error = rejection(enable, client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID,
                      partner_id='9999999')

    assert (error.status, error.code, error.data) == (400, '800016', ['9999999'])


# conformance: PC-11
def test_app_only_token_may_enable(make_client):
    written = enable(make_client(app_only=True), demo.READY_CUSTOMER_ID,
                     demo.READY_ENTITLEMENT_ID)

    assert written.overage_enabled is True


# conformance: PC-26
def test_ovg_subscription_from_another_partner_makes_the_customer_eligible(client):
    written = enable(client, demo.OVG_FROM_OTHER_CUSTOMER_ID, demo.OVG_FROM_OTHER_ENTITLEMENT_ID)

    assert written.overage_enabled is True


# -- 800114, three causes
# conformance: PC-26
def test_800114_when_no_active_ovg_subscription_from_anyone(client):
    error = rejection(enable, client, demo.NO_OVG_CUSTOMER_ID, demo.NO_OVG_ENTITLEMENT_ID)

    assert (error.kind, error.status, error.code) == (REJECTED, 403, '800114')


# conformance: PC-26
def test_800114_when_the_only_ovg_subscription_is_no_longer_active(sim, client):
    ovg = sim.world.active_overage_subscriptions(demo.READY_CUSTOMER_ID)[0]
    sim.world.set_status(ovg, 'suspended')

    error = rejection(enable, client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert error.code == '800114'


# conformance: PC-11, PC-25
def test_800114_when_the_user_is_not_an_admin_agent(make_client):
    sales_agent = make_client(refresh_token=demo.DISTRIBUTOR_SALES_AGENT_REFRESH_TOKEN)

    error = rejection(enable, sales_agent, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert (error.status, error.code) == (403, '800114')
    assert sales_agent.get_overage(demo.READY_CUSTOMER_ID) is None  # reading is allowed


# conformance: PC-25
def test_800114_when_the_partner_has_no_relationship(client):
    error = rejection(enable, client, demo.NOT_OUR_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert (error.status, error.code) == (403, '800114')


# -- 800115
# conformance: PC-28
@pytest.mark.parametrize(('enabled', 'entitlement'), [
    (True, demo.HELD_ENTITLEMENT_ID),
    (False, demo.HELD_OTHER_ENTITLEMENT_ID),
])
def test_800115_when_another_partner_holds_it(sim, client, enabled, entitlement):
    error = rejection(client.update_overage, demo.HELD_CUSTOMER_ID, enabled=enabled,
                      azure_entitlement_id=entitlement)

    assert (error.kind, error.status, error.code) == (REJECTED, 403, '800115')
    assert sim.world.overage_state(demo.HELD_CUSTOMER_ID).holder == demo.OTHER_PARTNER_TENANT_ID


# conformance: PC-28
def test_once_the_holder_sets_none_we_can_take_it(make_client, client):
    rival = make_client(demo.OTHER_PARTNER_TENANT_ID)
    rival.update_overage(demo.HELD_CUSTOMER_ID, enabled=False,
                         azure_entitlement_id=demo.HELD_OTHER_ENTITLEMENT_ID)

    written = enable(client, demo.HELD_CUSTOMER_ID, demo.HELD_ENTITLEMENT_ID)

    assert (written.azure_entitlement_id, written.partner_id) == (
        demo.HELD_ENTITLEMENT_ID, demo.DISTRIBUTOR_MPN_ID)
    assert rejection(enable, rival, demo.HELD_CUSTOMER_ID,
                     demo.HELD_OTHER_ENTITLEMENT_ID).code == '800115'


# -- 800112
# conformance: PC-29
def test_800112_when_the_customer_has_legacy_azure(client):
    error = rejection(enable, client, demo.LEGACY_AZURE_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert (error.kind, error.status, error.code) == (REJECTED, 403, '800112')


# conformance: PC-29
def test_legacy_azure_outside_our_view_still_blocks(sim, client):
    sim.world.customers[demo.READY_CUSTOMER_ID].legacy_azure = True

    error = rejection(enable, client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert error.code == '800112'


# -- 800111
# conformance: PC-30
@pytest.mark.parametrize(('customer', 'entitlement'), [
    (demo.READY_CUSTOMER_ID, str(uuid.UUID(int=7))),                      # unknown
    (demo.NO_AZURE_SUBSCRIPTION_CUSTOMER_ID, demo.DISABLED_ENTITLEMENT_ID),  # not active
    (demo.READY_CUSTOMER_ID, demo.ENABLED_ENTITLEMENT_ID),                # another customer's
    (demo.NO_AZURE_PLAN_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID),          # no Azure plan at all
])
def test_800111_when_the_entitlement_is_not_usable(client, customer, entitlement):
    error = rejection(enable, client, customer, entitlement)

    assert (error.kind, error.status, error.code) == (REJECTED, 404, '800111')
    assert error.data == [entitlement]


# conformance: PC-30
def test_800111_when_the_azure_plan_is_not_active(sim, client):
    sim.world.set_status(sim.world.subscriptions[demo.READY_PLAN_ID], 'suspended')

    error = rejection(enable, client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert error.code == '800111'


# conformance: PC-30
def test_800111_for_an_entitlement_under_another_partners_plan(make_client):
    rival = make_client(demo.OTHER_PARTNER_TENANT_ID)

    error = rejection(enable, rival, demo.OVG_FROM_OTHER_CUSTOMER_ID,
                      demo.OVG_FROM_OTHER_ENTITLEMENT_ID)

    assert error.code == '800111'


# conformance: PC-31
def test_a_rejected_put_changes_nothing(sim, client):
    before = sim.world.overage_state(demo.HELD_CUSTOMER_ID)

    rejection(enable, client, demo.HELD_CUSTOMER_ID, demo.HELD_ENTITLEMENT_ID)
    rejection(enable, client, demo.LEGACY_AZURE_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID)

    assert sim.world.overage_state(demo.HELD_CUSTOMER_ID) == before
    assert sim.world.overage_state(demo.LEGACY_AZURE_CUSTOMER_ID) is None


# ---------------------------------------------------------------------- MS-RequestId
# conformance: PC-32
def test_a_put_repeated_with_its_request_id_returns_the_first_answer(sim, client):
    request_id = str(uuid.uuid4())
    first = enable(client, demo.READY_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID,
                   request_id=request_id)
    moved = enable(client, demo.READY_CUSTOMER_ID, demo.READY_SECOND_ENTITLEMENT_ID)

    repeated = client.update_overage(demo.READY_CUSTOMER_ID, enabled=False,
                                     azure_entitlement_id=demo.READY_ENTITLEMENT_ID,
                                     request_id=request_id)

    assert repeated == first
    assert client.get_overage(demo.READY_CUSTOMER_ID) == moved


# conformance: PC-32
def test_a_repeated_rejection_is_rejected_again_even_if_the_cause_is_gone(sim, client):
    request_id = str(uuid.uuid4())
    first = rejection(enable, client, demo.LEGACY_AZURE_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID,
                      request_id=request_id)
    sim.world.set_status(sim.world.subscriptions[demo.LEGACY_AZURE_SUBSCRIPTION_ID], 'deleted')

    again = rejection(enable, client, demo.LEGACY_AZURE_CUSTOMER_ID, demo.READY_ENTITLEMENT_ID,
                      request_id=request_id)

    assert (first.code, again.code) == ('800112', '800112')
