from dataclasses import replace

import pytest

from connect_ext.compat import parse
from connect_ext.config import Settings
from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.overage.prerequisites import (
    Finding,
    Intent,
    blocking_findings,
    caller_may_act,
    evaluate,
    is_already_in_requested_state,
)
from connect_ext.partner_center.models import AzureEntitlement, Customer, Overage, Subscription


TENANT = '4b8f2c55-6a1e-4d8e-9d3c-0f2a7c1e9b10'
PLAN_ID = '3f15978e-005c-b763-bb78-2a8fab289c58'
PLAN2_ID = '6d0c33a1-1f7e-4b0e-a5a9-2c1e07f5d0aa'
AZURE_SUB = '899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8'
AZURE_SUB2 = 'ea1c26b7-8c99-42bb-ba7d-c535831fae8e'
SUSPENDED_AZURE_SUB = '0f8e1b7c-2d44-4c6e-8a11-93b6c2d4e5f6'
OTHER_PARTNERS_SUB = '5a5e0c1d-77a2-4f0b-9e1e-3c9d8b7a6f54'


def subscription(**payload):
    return parse(Subscription, payload)


OVG = subscription(
    id='c3a0f7de-7a50-4a8e-9d43-7c5b1d9e2f11', offerId='CFQ7TTC0LH18:0001:CFQ7TTC0K971',
    friendlyName='Microsoft Teams Phone Standard OVG', status='active',
    consumptionType='overage', billingType='license', quantity=10,
)
OVG2 = subscription(
    id='d1e2f3a4-b5c6-47d8-9e0f-a1b2c3d4e5f6', offerId='CFQ7TTC0JN4R:0002:CFQ7TTC0K5DJ',
    friendlyName='Teams Phone with Calling Plan OVG', status='active', consumptionType='Overage',
)
M365 = subscription(
    id='11111111-2222-4333-8444-555555555555', offerId='CFQ7TTC0LFLZ:0001:CFQ7TTC0KDQN',
    friendlyName='Microsoft 365 E3', status='active', billingType='license',
)
AZURE_PLAN = subscription(
    id=PLAN_ID, offerId='DZH318Z0BPS6:0001:DZH318Z0BML6', friendlyName='Microsoft Azure plan',
    status='active', billingType='usage',
)
LEGACY = subscription(
    id='7c2b9a10-3e4f-4a5b-8c6d-7e8f9a0b1c2d', offerId='MS-AZR-0145P',
    friendlyName='Microsoft Azure', status='active', billingType='usage',
)


def entitlement(entitlement_id, status='active', plan=PLAN_ID, name='Microsoft Azure'):
    return parse(AzureEntitlement, {
        'id': entitlement_id, 'friendlyName': name, 'status': status, 'subscriptionId': plan,
    })


def overage(enabled, azure_entitlement_id=AZURE_SUB, partner_id='5357563'):
    return parse(Overage, {
        'azureEntitlementId': azure_entitlement_id, 'partnerId': partner_id,
        'type': 'PhoneServices', 'overageEnabled': enabled,
        'links': {'overage': {'uri': f'/customers/{TENANT}/subscriptions/overage',
                              'method': 'GET', 'headers': []}},
        'attributes': {'objectType': 'Overage'},
    })


def ms_customer(country='US', qualifications=()):
    return parse(Customer, {
        'id': TENANT,
        'companyProfile': {'tenantId': TENANT, 'domain': 'contoso.onmicrosoft.com',
                           'companyName': 'Contoso Ltd'},
        'billingProfile': {'companyName': 'Contoso Ltd',
                           'defaultAddress': {'country': country, 'city': 'Redmond'}},
        'relationshipToPartner': 'reseller',
        'qualifications': list(qualifications),
    })


CUSTOMER = CustomerRef(
    customer_id='TA-1234-5678-9012', tenant_id=TENANT, name='Contoso Ltd', country='US',
    tier1_id='TA-0000-1111-2222', tier2_id=None, reseller_mpn='5357563',
)
OWNER = Caller('owner', 'PA-123-456')


def facts(**changes) -> OverageFacts:
    """A customer ready to get overage: OVG subscription, Azure plan with an Azure subscription."""
    base = OverageFacts(
        customer=CUSTOMER,
        caller=OWNER,
        ms_customer=ms_customer(),
        subscriptions=[OVG, OVG2, M365, AZURE_PLAN],
        entitlements={PLAN_ID: [
            entitlement(AZURE_SUB), entitlement(SUSPENDED_AZURE_SUB, status='suspended'),
        ]},
        overage=overage(False),
    )
    return replace(base, **changes)


def codes(findings):
    return [finding.code for finding in findings]


def by_code(findings, code):
    matches = [finding for finding in findings if finding.code == code]
    assert len(matches) == 1, codes(findings)
    return matches[0]


# --- a customer ready for overage ----------------------------------------------------------------

def test_ready_customer_just_looking_gets_the_credits_warning_and_the_margin_note():
    findings = evaluate(facts(), Settings())
    # Overage can be switched on: the Communications Credits warning applies (issue 19, item 4).
    assert codes(findings) == ['COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'NO_MARGIN_OR_PEC']
    note = findings[1]
    assert note.severity == 'info'
    assert note.blocks == ()
    assert 'no CSP discount, margin or partner-earned credit' in note.message


def test_enabling_a_ready_customer_warns_but_does_not_block():
    findings = evaluate(facts(), Settings(), Intent.enable(AZURE_SUB))
    assert codes(findings) == [
        'OVERAGE_COLLECTS_ALL_PARTNERS', 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'NO_MARGIN_OR_PEC',
    ]
    assert blocking_findings(findings, Intent.enable(AZURE_SUB)) == []
    collects = findings[0]
    assert AZURE_SUB in collects.message
    assert 'every partner and channel' in collects.message
    credits = findings[1]
    assert credits.severity == 'warning'
    assert 'auto-recharge' in credits.message
    assert 'Global admin' in credits.action
    assert 'Microsoft 365 admin center' in credits.action
    assert not is_already_in_requested_state(findings)


def test_derived_facts():
    ready = facts()
    assert ready.active_ovg_subscriptions == [OVG, OVG2]
    assert ready.active_azure_plans == [AZURE_PLAN]
    assert [item.id for item in ready.eligible_entitlements] == [AZURE_SUB]
    assert ready.overage_status == 'disabled'


# --- prerequisites in Partner Center -------------------------------------------------------------

def test_no_ovg_subscription_we_can_see_is_a_warning_that_lets_microsoft_decide():
    """Partner Center lists only our own subscriptions; Microsoft counts every partner's.

    conformance: PC-18, PC-26
    """
    suspended_ovg = subscription(id=OVG.id, offerId=OVG.offer_id, status='suspended',
                                 consumptionType='overage')
    findings = evaluate(facts(subscriptions=[suspended_ovg, M365, AZURE_PLAN]), Settings(),
                        Intent.enable(AZURE_SUB))
    finding = by_code(findings, 'NO_ACTIVE_OVG_SUBSCRIPTION')
    assert finding.severity == 'warning'
    assert finding.blocks == ()
    assert blocking_findings(findings, Intent.enable(AZURE_SUB)) == []
    assert not finding.blocks_intent(Intent.disable())
    assert 'no active overage-capable (OVG) subscription' in finding.message
    assert 'another partner' in finding.reason
    assert 'Microsoft decides' in finding.reason
    assert 'go ahead' in finding.action
    assert 'order an OVG item' in finding.action
    assert 'NO_MARGIN_OR_PEC' not in codes(findings)
    with pytest.raises(ValueError, match='not an error'):
        finding.to_error()


def test_an_ovg_name_alone_does_not_make_a_subscription_overage_capable_for_microsoft():
    named_only = subscription(id=OVG.id, offerId=OVG.offer_id, status='active',
                              friendlyName='Teams Phone OVG')
    findings = evaluate(facts(subscriptions=[named_only, AZURE_PLAN]))
    assert 'NO_ACTIVE_OVG_SUBSCRIPTION' in codes(findings)


def test_no_active_azure_plan():
    suspended_plan = subscription(id=PLAN_ID, offerId=AZURE_PLAN.offer_id, status='suspended')
    for subscriptions in ([OVG, M365], [OVG, suspended_plan]):
        state = facts(subscriptions=subscriptions)
        findings = evaluate(state, Settings(), Intent.enable(AZURE_SUB))
        finding = by_code(findings, 'NO_ACTIVE_AZURE_PLAN')
        assert finding.blocks == ('enable',)
        assert 'DZH318Z0BPS6:0001' in finding.action
        assert 'Microsoft Customer Agreement' in finding.action
        # The plan's Azure subscriptions are not eligible either.
        assert 'AZURE_SUBSCRIPTION_NOT_ELIGIBLE' in codes(findings)
        assert 'NO_ACTIVE_AZURE_SUBSCRIPTION' not in codes(findings)


def test_azure_plan_without_an_active_azure_subscription():
    findings = evaluate(facts(entitlements={PLAN_ID: [
        entitlement(SUSPENDED_AZURE_SUB, status='suspended'),
    ]}))
    finding = by_code(findings, 'NO_ACTIVE_AZURE_SUBSCRIPTION')
    assert finding.params == {'azure_plan_ids': [PLAN_ID]}
    assert PLAN_ID in finding.message
    assert finding.blocks == ('enable',)


def test_azure_plan_with_no_entitlements_read_at_all():
    findings = evaluate(facts(entitlements={}))
    assert 'NO_ACTIVE_AZURE_SUBSCRIPTION' in codes(findings)


def test_one_plan_with_an_active_azure_subscription_is_enough():
    plan2 = subscription(id=PLAN2_ID, offerId='DZH318Z0BPS6:0001:DZH318Z0BML6', status='active')
    findings = evaluate(facts(
        subscriptions=[OVG, AZURE_PLAN, plan2],
        entitlements={PLAN_ID: [], PLAN2_ID: [entitlement(AZURE_SUB2, plan=PLAN2_ID)]},
    ))
    assert codes(findings) == ['COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'NO_MARGIN_OR_PEC']


def test_legacy_azure_blocks_enable_and_names_the_offer():
    findings = evaluate(facts(subscriptions=[OVG, AZURE_PLAN, LEGACY]), Settings(),
                        Intent.enable(AZURE_SUB))
    finding = by_code(findings, 'LEGACY_AZURE_PRESENT')
    assert finding.params == {'legacy_offer_ids': ['MS-AZR-0145P']}
    assert '(MS-AZR-0145P)' in finding.message
    assert '800112' in finding.reason
    assert finding.blocks == ('enable', 'create')


@pytest.mark.parametrize('status', ['deleted', 'expired', 'Deleted'])
def test_legacy_azure_that_is_gone_does_not_count(status):
    gone = subscription(id=LEGACY.id, offerId='MS-AZR-0145P', status=status)
    findings = evaluate(facts(subscriptions=[OVG, AZURE_PLAN, gone]))
    assert 'LEGACY_AZURE_PRESENT' not in codes(findings)


# --- scope: country and qualification ------------------------------------------------------------

def test_blocked_country_from_connect():
    customer = replace(CUSTOMER, country='ru')
    findings = evaluate(facts(customer=customer, ms_customer=ms_customer(country=None)), Settings())
    finding = by_code(findings, 'COUNTRY_NOT_SUPPORTED')
    assert finding.params == {'country': 'RU', 'settings': ['BLOCKED_COUNTRIES']}
    assert '(RU)' in finding.message
    assert 'distributor blocks' in finding.reason
    assert finding.blocks == ('enable', 'create')


def test_blocked_country_from_partner_center_when_connect_has_none():
    customer = replace(CUSTOMER, country=None)
    findings = evaluate(facts(customer=customer, ms_customer=ms_customer(country='IR')), Settings())
    assert by_code(findings, 'COUNTRY_NOT_SUPPORTED').params == {
        'country': 'IR', 'settings': ['BLOCKED_COUNTRIES']}


def test_configured_blocked_countries_replace_the_default():
    settings = Settings.from_config({'BLOCKED_COUNTRIES': 'BY'})
    ru = replace(CUSTOMER, country='RU')
    by = replace(CUSTOMER, country='BY')
    assert 'COUNTRY_NOT_SUPPORTED' not in codes(evaluate(facts(customer=ru), settings))
    assert 'COUNTRY_NOT_SUPPORTED' in codes(evaluate(facts(customer=by), settings))


def test_without_settings_the_default_list_applies():
    cuba = replace(CUSTOMER, country='CU')
    assert 'COUNTRY_NOT_SUPPORTED' in codes(evaluate(facts(customer=cuba)))


@pytest.mark.parametrize('blocked', ['', 'CN', 'RU,CN'])
def test_china_has_its_own_wording_whatever_the_list(blocked):
    settings = Settings.from_config({'BLOCKED_COUNTRIES': blocked}) if blocked else object()
    findings = evaluate(facts(customer=replace(CUSTOMER, country='cn')), settings)
    finding = by_code(findings, 'CHINA_NOT_SUPPORTED')
    assert '21Vianet' in finding.reason
    assert 'COUNTRY_NOT_SUPPORTED' not in codes(findings)
    assert finding.blocks == ('enable', 'create')


@pytest.mark.parametrize('qualification', [
    'Education', 'GovernmentCommunityCloud', 'StateOwnedEntity', 'Nonprofit',
])
def test_qualified_customers_are_out_of_scope(qualification):
    findings = evaluate(facts(ms_customer=ms_customer(qualifications=[qualification])),
                        Settings(), Intent.enable(AZURE_SUB))
    finding = by_code(findings, 'CUSTOMER_QUALIFICATION_NOT_SUPPORTED')
    assert f'({qualification})' in finding.message
    assert finding.blocks == ('enable', 'create')
    assert not by_code(findings, 'CUSTOMER_QUALIFICATION_NOT_SUPPORTED').blocks_intent('disable')


@pytest.mark.parametrize('qualifications', [[], ['None'], ['commercial'], ['']])
def test_plain_commercial_customers_are_in_scope(qualifications):
    findings = evaluate(facts(ms_customer=ms_customer(qualifications=qualifications)))
    assert 'CUSTOMER_QUALIFICATION_NOT_SUPPORTED' not in codes(findings)


# --- who asks ------------------------------------------------------------------------------------

@pytest.mark.parametrize(('caller', 'allowed'), [
    (Caller('owner', 'PA-123-456'), True),
    (Caller('reseller', 'PA-700-001'), True),
    (Caller('reseller', 'PA-700-009'), False),
    # The chain's tier accounts are not reseller accounts (conformance: CX-01).
    (Caller('reseller', 'TA-0000-1111-2222'), False),
    (Caller('reseller', ''), False),
    (Caller('customer', 'TA-1234-5678-9012'), True),
    (Caller('customer', 'TA-0000-1111-2222'), False),
    (Caller('vendor', 'VA-000-000'), False),
])
def test_who_may_act_for_the_customer(caller, allowed):
    customer = replace(CUSTOMER, visible_to=frozenset({'PA-700-001'}))
    assert caller_may_act(facts(customer=customer, caller=caller)) is allowed


def test_a_reseller_connect_has_not_shown_the_customer_to_may_not_act():
    assert not caller_may_act(facts(caller=Caller('reseller', 'PA-700-001')))


def test_caller_not_allowed_sees_nothing_else_about_the_customer():
    findings = evaluate(
        facts(caller=Caller('reseller', 'TA-9999-9999-9999'),
              overage=overage(True, OTHER_PARTNERS_SUB), subscriptions=[LEGACY]),
        Settings(), Intent.disable(),
    )
    assert codes(findings) == ['CALLER_NOT_ALLOWED']
    finding = findings[0]
    assert finding.blocks == ('enable', 'create', 'disable')
    assert 'TA-9999-9999-9999' in finding.message
    assert 'TA-1234-5678-9012' in finding.message
    error = finding.to_error()
    assert error.http_status == 403
    assert error.to_body()['error']['code'] == 'CALLER_NOT_ALLOWED'


# --- the current state ---------------------------------------------------------------------------

def test_held_by_another_partner_blocks_enable_and_disable():
    held = facts(overage=overage(True, OTHER_PARTNERS_SUB, partner_id='1234567'))
    assert held.overage_status == 'other_partner'
    for intent in (None, Intent.enable(AZURE_SUB), Intent.disable()):
        findings = evaluate(held, Settings(), intent)
        finding = by_code(findings, 'OVERAGE_HELD_BY_OTHER_PARTNER')
        assert findings[0] is finding
        assert finding.blocks == ('enable', 'create', 'disable')
        assert OTHER_PARTNERS_SUB in finding.message
        assert finding.params['current_partner_id'] == '1234567'
        assert 'set overage to None' in finding.action
    error = finding.to_error()
    assert error.http_status == 409
    assert error.details['current_azure_subscription_id'] == OTHER_PARTNERS_SUB


def test_enabled_to_one_of_our_azure_subscriptions():
    ours = facts(overage=overage(True, AZURE_SUB.upper()))
    assert ours.overage_status == 'enabled'
    assert codes(evaluate(ours)) == ['COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'NO_MARGIN_OR_PEC']


def test_enabled_to_our_suspended_azure_subscription_is_ours_but_warned():
    state = facts(overage=overage(True, SUSPENDED_AZURE_SUB))
    assert state.overage_status == 'enabled'
    finding = by_code(evaluate(state), 'OVERAGE_TARGET_NOT_ACTIVE')
    assert finding.severity == 'warning'
    assert finding.message == (
        f'Overage goes to an Azure subscription ({SUSPENDED_AZURE_SUB}) that cannot collect it '
        'now: the Azure subscription is suspended.'
    )


def test_enabled_to_an_azure_subscription_of_a_suspended_plan_is_warned():
    suspended_plan = subscription(id=PLAN_ID, offerId=AZURE_PLAN.offer_id, status='suspended')
    state = facts(subscriptions=[OVG, suspended_plan], overage=overage(True, AZURE_SUB))
    assert state.overage_status == 'enabled'
    finding = by_code(evaluate(state), 'OVERAGE_TARGET_NOT_ACTIVE')
    assert finding.params['state'] == 'its Azure plan is suspended'


def test_enabled_while_no_ovg_subscription_is_left_is_flagged():
    state = facts(subscriptions=[M365, AZURE_PLAN], overage=overage(True, AZURE_SUB))
    findings = evaluate(state)
    finding = by_code(findings, 'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION')
    assert AZURE_SUB in finding.message
    assert 'set it to None' in finding.action


@pytest.mark.parametrize(('overage_value', 'status'), [
    (None, 'unknown'),
    (overage(False, None), 'disabled'),
    (overage(True, None), 'unknown'),
    (overage(True, ''), 'unknown'),
])
def test_status_without_a_known_target(overage_value, status):
    state = facts(overage=overage_value)
    assert state.overage_status == status
    if status == 'unknown':
        assert 'OVERAGE_STATE_UNKNOWN' in codes(evaluate(state))


# --- enabling and moving -------------------------------------------------------------------------

def test_enable_to_an_unknown_azure_subscription_lists_the_eligible_ones():
    unknown = '22222222-3333-4444-5555-666666666666'
    findings = evaluate(facts(), Settings(), Intent.enable(unknown))
    finding = by_code(findings, 'AZURE_SUBSCRIPTION_NOT_ELIGIBLE')
    assert findings[0] is finding
    assert finding.params == {
        'azure_subscription_id': unknown, 'eligible_azure_subscription_ids': [AZURE_SUB],
    }
    assert unknown in finding.message
    assert f'({AZURE_SUB})' in finding.action
    assert finding.to_error().http_status == 422


def test_enable_to_a_suspended_azure_subscription_is_not_eligible():
    findings = evaluate(facts(), Settings(), Intent.enable(SUSPENDED_AZURE_SUB))
    assert 'AZURE_SUBSCRIPTION_NOT_ELIGIBLE' in codes(findings)


def test_eligibility_ignores_case_and_blanks():
    findings = evaluate(facts(), Settings(), Intent.enable(f'  {AZURE_SUB.upper()} '))
    assert 'AZURE_SUBSCRIPTION_NOT_ELIGIBLE' not in codes(findings)


def test_plan_keys_are_matched_without_case():
    state = facts(entitlements={PLAN_ID.upper(): [entitlement(AZURE_SUB)]})
    assert [item.id for item in state.eligible_entitlements] == [AZURE_SUB]


def test_no_eligible_azure_subscription_at_all_reads_well():
    findings = evaluate(facts(entitlements={}), Settings(), Intent.enable(AZURE_SUB))
    finding = by_code(findings, 'AZURE_SUBSCRIPTION_NOT_ELIGIBLE')
    assert finding.params == {'azure_subscription_id': AZURE_SUB,
                              'eligible_azure_subscription_ids': []}
    assert finding.action.startswith('Pick one of the eligible Azure subscriptions, or create')


def test_enable_to_the_current_target_is_a_no_op():
    state = facts(overage=overage(True, AZURE_SUB))
    findings = evaluate(state, Settings(), Intent.enable(AZURE_SUB.upper()))
    assert codes(findings) == [
        'COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'OVERAGE_ALREADY_ENABLED', 'NO_MARGIN_OR_PEC',
    ]
    assert is_already_in_requested_state(findings)


def test_moving_between_our_azure_subscriptions_warns_about_collecting_everything():
    state = facts(
        overage=overage(True, AZURE_SUB),
        entitlements={PLAN_ID: [entitlement(AZURE_SUB), entitlement(AZURE_SUB2)]},
    )
    findings = evaluate(state, Settings(), Intent.enable(AZURE_SUB2))
    assert codes(findings) == [
        'OVERAGE_COLLECTS_ALL_PARTNERS', 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'NO_MARGIN_OR_PEC',
    ]
    assert not is_already_in_requested_state(findings)


# --- disabling -----------------------------------------------------------------------------------

def test_disable_warns_how_many_subscriptions_stop():
    findings = evaluate(facts(overage=overage(True, AZURE_SUB)), Settings(), Intent.disable())
    finding = by_code(findings, 'DISABLE_STOPS_AT_LIMIT')
    assert finding.params == {'count': 2}
    assert '(2 under your account, plus any bought from other partners)' in finding.message
    assert finding.blocks == ()
    assert blocking_findings(findings, Intent.disable()) == []


def test_disable_when_already_disabled_is_a_no_op():
    findings = evaluate(facts(), Settings(), Intent.disable())
    assert codes(findings) == ['OVERAGE_ALREADY_DISABLED', 'NO_MARGIN_OR_PEC']
    assert is_already_in_requested_state(findings)


def test_disable_while_state_unknown_still_warns():
    findings = evaluate(facts(overage=None), Settings(), Intent.disable())
    assert 'DISABLE_STOPS_AT_LIMIT' in codes(findings)


def test_disable_is_not_blocked_by_enable_prerequisites():
    # Our Azure plan is suspended but still read: overage on its Azure subscription is ours.
    suspended_plan = subscription(id=PLAN_ID, offerId=AZURE_PLAN.offer_id, status='suspended')
    state = facts(subscriptions=[LEGACY, suspended_plan], overage=overage(True, AZURE_SUB))
    assert state.overage_status == 'enabled'
    findings = evaluate(state, Settings(), Intent.disable())
    assert {'NO_ACTIVE_OVG_SUBSCRIPTION', 'LEGACY_AZURE_PRESENT', 'NO_ACTIVE_AZURE_PLAN'} <= set(
        codes(findings))
    assert blocking_findings(findings, Intent.disable()) == []
    assert {f.code for f in blocking_findings(findings, Intent.enable(AZURE_SUB))} == {
        'LEGACY_AZURE_PRESENT', 'NO_ACTIVE_AZURE_PLAN'}


# --- no tenant yet, ordering, intents ------------------------------------------------------------

def test_customer_without_tenant_id_is_judged_on_connect_facts_only():
    customer = replace(CUSTOMER, tenant_id=None, country='RU')
    state = OverageFacts(customer=customer, caller=OWNER)
    findings = evaluate(state, Settings(), Intent.enable(AZURE_SUB))
    # What cannot be fixed comes first: nothing else is worth doing then.
    assert codes(findings) == ['COUNTRY_NOT_SUPPORTED', 'TENANT_ID_UNKNOWN']
    tenant = findings[1]
    assert tenant.blocks == ('enable', 'create', 'disable')
    assert tenant.message == (
        'The customer Contoso Ltd has no Microsoft tenant id yet (Connect customer '
        'TA-1234-5678-9012).'
    )


def test_every_finding_is_returned_blocking_first():
    state = facts(
        customer=replace(CUSTOMER, country='RU'),
        ms_customer=ms_customer(qualifications=['Education']),
        subscriptions=[OVG, LEGACY],
        overage=overage(True, OTHER_PARTNERS_SUB),
    )
    findings = evaluate(state, Settings(), Intent.enable(AZURE_SUB))
    assert codes(findings) == [
        'COUNTRY_NOT_SUPPORTED',
        'CUSTOMER_QUALIFICATION_NOT_SUPPORTED',
        'OVERAGE_HELD_BY_OTHER_PARTNER',
        'LEGACY_AZURE_PRESENT',
        'NO_ACTIVE_AZURE_PLAN',
        'AZURE_SUBSCRIPTION_NOT_ELIGIBLE',
        'OVERAGE_COLLECTS_ALL_PARTNERS',
        'COMMUNICATIONS_CREDITS_AUTO_RECHARGE',
        'NO_MARGIN_OR_PEC',
    ]
    error = OverageError.from_finding(findings[0], findings=blocking_findings(findings, 'enable'))
    assert error.code == 'COUNTRY_NOT_SUPPORTED'
    assert [item['code'] for item in error.details['findings']] == codes(findings)[:6]
    assert error.details['country'] == 'RU'


def test_intents():
    assert Intent.enable(' ' + AZURE_SUB) == Intent('enable', AZURE_SUB)
    assert Intent.disable() == Intent(Intent.DISABLE)
    assert Intent.ENABLE == 'enable'
    with pytest.raises(ValueError, match='needs an Azure subscription id'):
        Intent.enable('  ')
    with pytest.raises(ValueError, match='unknown intent'):
        evaluate(facts(), Settings(), Intent('cancel'))


def test_finding_to_dict_is_json_ready():
    finding = Finding.of('DISABLE_STOPS_AT_LIMIT', count=3, unused=None)
    assert finding.to_dict() == {
        'code': 'DISABLE_STOPS_AT_LIMIT',
        'severity': 'warning',
        'message': finding.message,
        'reason': finding.reason,
        'action': finding.action,
        'params': {'count': 3},
        'blocks': [],
    }
    with pytest.raises(ValueError, match='not an error'):
        finding.to_error()


# --- issue 19: OVG items Connect holds, blockers in order, the Communications Credits warning --------

def test_no_ovg_order_advice_when_connect_holds_an_ovg_subscription():
    held = replace(CUSTOMER, ovg_asset_ids=('AS-1000-0001',))
    findings = evaluate(facts(customer=held, subscriptions=[AZURE_PLAN]), Settings())
    assert 'NO_ACTIVE_OVG_SUBSCRIPTION' not in codes(findings)
    finding = by_code(findings, 'OVG_SUBSCRIPTION_NOT_IN_PARTNER_CENTER')
    assert finding.params == {'connect_asset_ids': ['AS-1000-0001']}
    assert 'AS-1000-0001' in finding.message
    assert 'Do not order another OVG item' in finding.action
    assert 'order an OVG item' not in finding.action.lower().replace('do not order another ovg item', '')


def test_without_an_ovg_subscription_anywhere_ordering_one_is_still_advised():
    findings = evaluate(facts(subscriptions=[AZURE_PLAN]), Settings())
    assert 'order an OVG item' in by_code(findings, 'NO_ACTIVE_OVG_SUBSCRIPTION').action


def test_blockers_come_once_each_in_the_order_to_work_through_them_unfixable_first():
    state = facts(
        customer=replace(CUSTOMER, country='CN'),
        subscriptions=[OVG, LEGACY],
        overage=overage(True, OTHER_PARTNERS_SUB),
    )
    findings = evaluate(state, Settings(), Intent.enable(AZURE_SUB))
    blocking = [f for f in findings if f.severity == 'blocking']
    assert [f.code for f in blocking] == [
        'CHINA_NOT_SUPPORTED', 'OVERAGE_HELD_BY_OTHER_PARTNER', 'LEGACY_AZURE_PRESENT',
        'NO_ACTIVE_AZURE_PLAN', 'AZURE_SUBSCRIPTION_NOT_ELIGIBLE',
    ]
    assert [f.fixable for f in blocking] == [False, True, True, True, True]
    assert len(codes(findings)) == len(set(codes(findings)))


def test_no_finding_quotes_a_configuration_variable_to_support():
    customer = replace(CUSTOMER, tenant_id=None, country='RU')
    for finding in evaluate(OverageFacts(customer=customer, caller=OWNER), Settings()):
        text = ' '.join((finding.message, finding.reason, finding.action))
        assert 'BLOCKED_COUNTRIES' not in text, finding.code
        assert 'TENANT_ID_PARAMS' not in text, finding.code


def test_the_credits_warning_is_left_out_when_disabling_or_when_nothing_can_switch_it_on():
    on = facts(overage=overage(True, AZURE_SUB))
    assert 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE' not in codes(evaluate(on, Settings(), Intent.disable()))
    china = facts(customer=replace(CUSTOMER, country='CN'))
    assert 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE' not in codes(evaluate(china, Settings()))
