"""Overage to an Azure subscription that Microsoft creates with the write, end to end on the Partner
Center simulator: a new "Subscription 1" under the active Azure plan, or a new no-cost plan with
it, named in the answer, the audit entry and the webhook, or after the lag by the confirmation."""
from dataclasses import replace

import pytest

from connect_ext.errors.error import OverageError
from connect_ext.notifications.events import change_event
from connect_ext.overage.prerequisites import Intent, evaluate
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from sandbox.partner_center import demo
from testkit.callers import OWNER_CALLER as OWNER
from testkit.clock import START, FakeClock, FakeDatetimeClock
from testkit.customers import customer_ref as customer


NO_PLAN = customer(demo.NO_AZURE_PLAN_CUSTOMER_ID, 'TA-NOPLAN')
EMPTY_PLAN = customer(demo.NO_AZURE_SUBSCRIPTION_CUSTOMER_ID, 'TA-EMPTYPLAN')
READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
LEGACY = customer(demo.LEGACY_AZURE_CUSTOMER_ID, 'TA-LEGACY')
HELD = customer(demo.HELD_CUSTOMER_ID, 'TA-HELD')


def puts(sim):
    return [call for call in sim.calls.all() if call.method == 'PUT']


def test_a_customer_without_an_azure_plan_gets_a_plan_and_subscription_1(
        make_service, store, sim, notifications,
):
    """conformance: PC-80, PC-81"""
    service = make_service(notify=notifications.append)
    result = service.create_azure_subscription(NO_PLAN, OWNER, actor_name='Ann Agent')

    assert (result.action, result.outcome) == ('enable', 'succeeded')
    created = result.created
    assert created.name == 'Subscription 1'
    assert created.new_azure_plan is True
    plan = sim.world.subscriptions[created.azure_plan_id]
    assert plan.offer_id.startswith('DZH318Z0BPS6:')
    assert plan.partner_id == demo.DISTRIBUTOR_TENANT_ID
    assert result.state.status == 'enabled'
    assert result.state.azure_subscription_id == created.azure_subscription_id
    assert len(puts(sim)) == 1
    (entry,) = store.list_audit(customer_id='TA-NOPLAN').items
    assert (entry.action, entry.outcome, entry.to_enabled) == ('enable', 'succeeded', True)
    assert entry.to_entitlement == created.azure_subscription_id
    assert entry.details['created'] == created.to_dict()
    (event,) = [change_event(change) for change in notifications]
    assert event['type'] == 'overage.enable.succeeded'
    assert event['create_azure_subscription'] is True
    assert event['created']['azure_plan_id'] == created.azure_plan_id
    assert event['to'] == {'enabled': True, 'azure_subscription_id': created.azure_subscription_id}


def test_a_plan_without_an_active_subscription_gets_one_under_it(service, sim):
    """The plan's "Subscription 1" is disabled, so Microsoft adds the next one.

    conformance: PC-80, PC-83
    """
    result = service.create_azure_subscription(EMPTY_PLAN, OWNER)

    created = result.created
    assert created.azure_plan_id == demo.NO_AZURE_SUBSCRIPTION_PLAN_ID
    assert created.new_azure_plan is False
    assert created.name == 'Subscription 2'
    assert created.azure_subscription_id != demo.DISABLED_ENTITLEMENT_ID
    assert result.state.target.entitlement.id == created.azure_subscription_id


def test_the_resource_group_variable_is_sent(settings, sim, store, clock, pc_client):
    """conformance: PC-85"""
    group = '{"location": "canadacentral", "tags": {"teams phone": "pay as you go calls"}}'
    configured = replace(settings, overage_resource_group=type(settings).from_config(
        {'OVERAGE_RESOURCE_GROUP': group}).overage_resource_group)
    service = OverageService(pc_client, store, configured, sleep=clock.sleep, confirm_delays=(0.5,))
    try:
        result = service.create_azure_subscription(NO_PLAN, OWNER)
    finally:
        service.executor.shutdown(wait=False)

    kept = sim.world.entitlements[result.created.azure_subscription_id].resource_group
    assert kept == {'location': 'canadacentral', 'tags': {'teams phone': 'pay as you go calls'}}


def test_without_the_agreement_nothing_is_sent_and_the_refusal_says_what_to_do(service, sim, store):
    """conformance: PC-86"""
    sim.world.customers[demo.NO_AZURE_PLAN_CUSTOMER_ID].agreements.clear()

    with pytest.raises(OverageError) as refused:
        service.create_azure_subscription(NO_PLAN, OWNER)

    assert refused.value.code == 'MCA_NOT_ACCEPTED'
    assert refused.value.http_status == 422
    assert 'agreements/microsoft-customer-agreement' in refused.value.action
    assert puts(sim) == []
    (entry,) = store.list_audit(customer_id='TA-NOPLAN').items
    assert (entry.outcome, entry.error_code) == ('failed', 'MCA_NOT_ACCEPTED')


def test_microsofts_own_refusal_without_the_agreement_is_translated(
        sim, pc_settings, store, settings, clock,
):
    """App-only credentials cannot read the agreement: a warning, Microsoft decides, and its
    refusal is translated.

    conformance: PC-84, PC-86
    """
    sim.world.customers[demo.NO_AZURE_PLAN_CUSTOMER_ID].agreements.clear()
    app_only = sim.settings(demo.DISTRIBUTOR_TENANT_ID, app_only=True)
    service = OverageService(PartnerCenterClient(app_only, sleep=clock.sleep, clock=clock), store,
                             replace(settings, partner_center=app_only), sleep=clock.sleep,
                             confirm_delays=(0.5,))
    try:
        options = service.options(NO_PLAN, OWNER)
        assert options.state.facts.mca_accepted is None
        assert options.creation().possible is True
        warned = evaluate(options.state.facts, settings, Intent.create())
        assert 'MCA_ACCEPTANCE_UNKNOWN' in {f.code for f in warned}
        with pytest.raises(OverageError) as refused:
            service.create_azure_subscription(NO_PLAN, OWNER)
    finally:
        service.executor.shutdown(wait=False)

    assert refused.value.code == 'MCA_NOT_ACCEPTED'
    assert str(refused.value.details['microsoft']['code']) == '600065'
    assert len(puts(sim)) == 1
    assert not [s for s in sim.world.subscriptions.values()
                if s.customer_id == demo.NO_AZURE_PLAN_CUSTOMER_ID and s.is_azure_plan]


@pytest.mark.parametrize(('who', 'code'), [
    (LEGACY, 'LEGACY_AZURE_PRESENT'),
    (READY, 'AZURE_SUBSCRIPTION_AVAILABLE'),
    (HELD, 'OVERAGE_HELD_BY_OTHER_PARTNER'),
])
def test_the_rules_of_enabling_refuse_creation_before_microsoft_is_called(service, sim, who, code):
    with pytest.raises(OverageError) as refused:
        service.create_azure_subscription(who, OWNER)

    assert refused.value.code == code
    assert puts(sim) == []


# --- after the lag -------------------------------------------------------------------------------

@pytest.fixture
def lagging(sim, monkeypatch, pc_client, store, settings, notifications):
    world_clock, now = FakeClock(), FakeDatetimeClock(START)
    monkeypatch.setattr(sim.world, 'clock', world_clock)
    sim.world.propagation_delay = 120.0
    service = OverageService(pc_client, store, replace(settings, confirm_within_minutes=10.0),
                             confirm_delays=(0.01,), now=now, notify=notifications.append)
    yield service, world_clock, now
    service.executor.shutdown(wait=False)


def test_a_creation_microsoft_shows_late_is_named_by_its_confirmation(lagging, store, sim,
                                                                      notifications):
    """conformance: PC-82"""
    service, world_clock, now = lagging
    result = service.create_azure_subscription(NO_PLAN, OWNER)

    assert result.outcome == 'unconfirmed'
    assert result.created is None
    assert result.state.pending.to_enabled is True
    assert result.state.pending.to_entitlement is None
    first = change_event(notifications[-1])
    assert (first['type'], first['created']) == ('overage.enable.unconfirmed', None)

    world_clock.advance(121)
    now.advance(121)
    assert service.confirm(store.confirmations.get('TA-NOPLAN')) == 'confirmed'

    confirmed = change_event(notifications[-1])
    assert confirmed['type'] == 'overage.enable.confirmed'
    created = confirmed['created']
    assert created['name'] == 'Subscription 1'
    assert created['azure_plan_id'] in sim.world.subscriptions
    assert confirmed['to']['azure_subscription_id'] == created['azure_subscription_id']
    newest = store.list_audit(customer_id='TA-NOPLAN').items[0]
    assert (newest.outcome, newest.to_entitlement) == ('confirmed', created['azure_subscription_id'])
    assert newest.details['created']['azure_subscription_id'] == created['azure_subscription_id']
    assert store.get_customer('TA-NOPLAN').overage_status == 'enabled'
