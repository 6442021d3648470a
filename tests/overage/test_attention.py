"""The work queue's rule (connect_ext/overage/attention.py): every attention, from facts and findings."""
from dataclasses import replace

import pytest

from connect_ext.compat import parse
from connect_ext.config import Settings
from connect_ext.errors import catalogue
from connect_ext.overage.attention import (
    CANNOT_BE_FIXED,
    REASON_HELD,
    REASON_READY,
    REASON_UNKNOWN,
    REASON_WAITING,
    REASON_WITHOUT_OVG,
    TARGET_NOT_ACTIVE,
    Attention,
    blocker_of,
    decide,
)
from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.partner_center.models import AzureEntitlement, Customer, Overage, Subscription
from connect_ext.vocabulary import ATTENTIONS


TENANT = '4b8f2c55-6a1e-4d8e-9d3c-0f2a7c1e9b10'
PLAN_ID = '3f15978e-005c-b763-bb78-2a8fab289c58'
AZURE_SUB = '899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8'
OTHER_PARTNERS_SUB = '5a5e0c1d-77a2-4f0b-9e1e-3c9d8b7a6f54'
OWNER = Caller('owner', 'PA-123-456')
CUSTOMER = CustomerRef(customer_id='TA-1234-5678-9012', tenant_id=TENANT, name='Contoso Ltd',
                       country='US', tier1_id='TA-0000-1111-2222')


def _subscription(**payload):
    return parse(Subscription, payload)


OVG = _subscription(id='c3a0f7de-7a50-4a8e-9d43-7c5b1d9e2f11', offerId='CFQ7TTC0LH18:0001:CFQ7TTC0K971',
                    friendlyName='Teams Phone OVG', status='active', consumptionType='overage')
AZURE_PLAN = _subscription(id=PLAN_ID, offerId='DZH318Z0BPS6:0001:DZH318Z0BML6',
                           friendlyName='Microsoft Azure plan', status='active', billingType='usage')
LEGACY = _subscription(id='7c2b9a10-3e4f-4a5b-8c6d-7e8f9a0b1c2d', offerId='MS-AZR-0145P',
                       friendlyName='Microsoft Azure', status='active')


def _entitlement(status='active'):
    return parse(AzureEntitlement, {'id': AZURE_SUB, 'friendlyName': 'Azure', 'status': status,
                                    'subscriptionId': PLAN_ID})


def _overage(enabled, target=AZURE_SUB):
    return parse(Overage, {'azureEntitlementId': target, 'partnerId': '5357563',
                           'type': 'PhoneServices', 'overageEnabled': enabled})


def _ms_customer(country='US', qualifications=()):
    return parse(Customer, {
        'id': TENANT, 'companyProfile': {'tenantId': TENANT, 'companyName': 'Contoso Ltd'},
        'billingProfile': {'defaultAddress': {'country': country}},
        'qualifications': list(qualifications),
    })


def facts(**changes) -> OverageFacts:
    """A customer ready for overage: an OVG subscription, an Azure plan with an active Azure
    subscription, overage off."""
    base = OverageFacts(
        customer=CUSTOMER, caller=OWNER, ms_customer=_ms_customer(),
        subscriptions=[OVG, AZURE_PLAN], entitlements={PLAN_ID: [_entitlement()]},
        overage=_overage(False), mca_accepted=True,
    )
    return replace(base, **changes)


def judged(the_facts: OverageFacts, *, flagged=False, pending=False):
    """What the store would show after this full read: blocker_of, then decide."""
    return decide(the_facts.overage_status, judged=True, blocker=blocker_of(the_facts, Settings()),
                  flagged=flagged, pending=pending)


# --- from a full read: every attention ----------------------------------------------------------

def test_all_prerequisites_met_and_disabled_is_ready_to_enable():
    assert judged(facts()) == Attention('ready_to_enable', REASON_READY)


def test_no_azure_plan_is_still_ready_when_microsoft_can_create_one():
    ready = facts(subscriptions=[OVG], entitlements={}, mca_accepted=True)

    assert judged(ready) == Attention('ready_to_enable', REASON_READY)


def test_no_azure_plan_and_no_customer_agreement_needs_the_agreement_first():
    """Neither way of enabling is open: creating one needs the MCA; that is the first thing to do."""
    blocked = facts(subscriptions=[OVG], entitlements={}, mca_accepted=False)

    assert judged(blocked) == Attention('action_needed', 'MCA_NOT_ACCEPTED')


def test_legacy_azure_stops_both_ways_and_can_be_fixed():
    blocked = facts(subscriptions=[OVG, AZURE_PLAN, LEGACY])

    assert judged(blocked) == Attention('action_needed', 'LEGACY_AZURE_PRESENT')


def test_no_tenant_id_is_an_action_too():
    unknown = facts(customer=replace(CUSTOMER, tenant_id=None), ms_customer=None, overage=None,
                    subscriptions=[], entitlements={})

    assert judged(unknown) == Attention('action_needed', 'TENANT_ID_UNKNOWN')


@pytest.mark.parametrize(('changes', 'code'), [
    ({'customer': replace(CUSTOMER, country='CN')}, 'CHINA_NOT_SUPPORTED'),
    ({'customer': replace(CUSTOMER, country='IR')}, 'COUNTRY_NOT_SUPPORTED'),
    ({'ms_customer': _ms_customer(qualifications=['Education'])}, 'CUSTOMER_QUALIFICATION_NOT_SUPPORTED'),
], ids=['china', 'blocked-country', 'education'])
def test_what_cannot_be_fixed_is_cannot_enable(changes, code):
    assert judged(facts(**changes)) == Attention('cannot_enable', code)


def test_what_cannot_be_fixed_wins_over_what_could():
    """Fixing the legacy Azure subscription would not help a customer in China: say that first."""
    blocked = facts(customer=replace(CUSTOMER, country='CN'), subscriptions=[OVG, AZURE_PLAN, LEGACY])

    assert judged(blocked) == Attention('cannot_enable', 'CHINA_NOT_SUPPORTED')


def test_enabled_and_fine_needs_nothing():
    assert judged(facts(overage=_overage(True))) == Attention('none')


def test_enabled_to_an_azure_subscription_that_is_not_active_needs_an_action():
    broken = facts(overage=_overage(True), entitlements={PLAN_ID: [_entitlement('suspended')]})

    assert judged(broken) == Attention('action_needed', TARGET_NOT_ACTIVE)


def test_another_partner_holding_it_is_held_by_other_partner():
    held = facts(overage=_overage(True, OTHER_PARTNERS_SUB))

    assert held.overage_status == 'other_partner'
    assert judged(held) == Attention('held_by_other_partner', REASON_HELD)


def test_still_assigned_after_the_last_ovg_subscription_was_cancelled():
    assert judged(facts(overage=_overage(True), subscriptions=[AZURE_PLAN]), flagged=True) == Attention(
        'overage_without_ovg', REASON_WITHOUT_OVG)


def test_a_pending_confirmation_waits_for_microsoft_whatever_else_holds():
    for the_facts in (facts(), facts(overage=_overage(True, OTHER_PARTNERS_SUB)),
                      facts(customer=replace(CUSTOMER, country='CN'))):
        assert judged(the_facts, pending=True) == Attention('waiting_for_microsoft', REASON_WAITING)


def test_every_attention_is_reached_by_some_facts():
    reached = {
        judged(facts()).value,
        judged(facts(subscriptions=[OVG, AZURE_PLAN, LEGACY])).value,
        judged(facts(customer=replace(CUSTOMER, country='CN'))).value,
        judged(facts(), pending=True).value,
        judged(facts(overage=_overage(True, OTHER_PARTNERS_SUB))).value,
        judged(facts(overage=_overage(True)), flagged=True).value,
        judged(facts(overage=_overage(True))).value,
    }
    assert reached == set(ATTENTIONS)


# --- from what the store keeps (reads of the overage assignment alone) ---------------------------

def test_never_judged_says_nothing_of_a_disabled_customer():
    assert decide('disabled', judged=False) is None
    assert decide('unknown', judged=False) is None


def test_what_a_partial_read_knows_without_a_full_one():
    assert decide('enabled', judged=False) == Attention('none')
    assert decide('other_partner', judged=False) == Attention('held_by_other_partner', REASON_HELD)
    assert decide('enabled', judged=False, flagged=True).value == 'overage_without_ovg'


def test_switched_off_outside_after_a_target_problem_is_not_judged_again_without_a_full_read():
    assert decide('disabled', judged=True, blocker=TARGET_NOT_ACTIVE) is None


def test_unknown_status_with_nothing_blocking_asks_to_read_it_again():
    assert decide('unknown', judged=True) == Attention('action_needed', REASON_UNKNOWN)


def test_the_flag_only_counts_while_our_overage_is_on():
    assert decide('disabled', judged=True, flagged=True) == Attention('ready_to_enable', REASON_READY)
    assert decide('other_partner', judged=True, flagged=True).value == 'held_by_other_partner'


def test_every_reason_is_a_catalogue_code():
    for code in (REASON_HELD, REASON_READY, REASON_UNKNOWN, REASON_WAITING, REASON_WITHOUT_OVG,
                 TARGET_NOT_ACTIVE, *CANNOT_BE_FIXED):
        assert catalogue.entry(code).code == code


def test_without_a_tenant_id_the_tenant_id_comes_first_unless_nothing_can_be_done():
    assert decide('unknown', judged=False, tenant_known=False) == Attention(
        'action_needed', 'TENANT_ID_UNKNOWN')
    assert decide('unknown', judged=True, blocker='CHINA_NOT_SUPPORTED', tenant_known=False) == Attention(
        'cannot_enable', 'CHINA_NOT_SUPPORTED')
    assert decide('unknown', judged=False, tenant_known=False, pending=True).value == 'waiting_for_microsoft'


def test_what_cannot_be_fixed_is_what_the_catalogue_says():
    expected = {'CHINA_NOT_SUPPORTED', 'COUNTRY_NOT_SUPPORTED', 'CUSTOMER_QUALIFICATION_NOT_SUPPORTED'}
    assert set(CANNOT_BE_FIXED) == expected
