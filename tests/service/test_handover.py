"""Handing the overage over from the partner that holds it, on the Partner Center simulator: asking
writes nothing to Microsoft and is refused unless another partner holds it; once the holder
releases it the watch enables it through the one change path (every rule checked again), or only
tells; a holder that changes without releasing leaves the request waiting; it expires, and can be
cancelled; each step is audited and notified once."""
from dataclasses import replace
from datetime import timedelta

import pytest

from connect_ext.errors.error import OverageError
from connect_ext.notifications.events import change_event
from connect_ext.overage.facts import Caller
from connect_ext.service.handover import HandoverService
from sandbox.partner_center import demo, holders
from testkit.callers import OWNER_CALLER as OWNER
from testkit.customers import customer_ref as customer


HELD = customer(demo.HELD_CUSTOMER_ID, 'TA-HELD')
READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
ENABLED = customer(demo.ENABLED_CUSTOMER_ID, 'TA-ENABLED')
THIRD_PARTNER_MPN = '5350999'
THIRD_PARTNER_ENTITLEMENT = 'e0710000-0000-4000-8000-000000000999'


@pytest.fixture
def service(make_service, notifications):
    return make_service(notify=notifications.append)


@pytest.fixture
def handovers(service):
    return HandoverService(service)


def puts(sim):
    return [call for call in sim.calls.all() if call.method == 'PUT']


def events(notifications):
    return [change_event(item)['type'] for item in notifications]


def trail(store, customer_id):
    entries = store.list_audit(customer_id=customer_id).items
    return [(entry.action, entry.outcome) for entry in reversed(entries)]


def ask(handovers, *, who=OWNER, **options):
    options.setdefault('azure_subscription_id', demo.HELD_ENTITLEMENT_ID)
    options.setdefault('enable_when_released', True)
    return handovers.ask(HELD, who, actor_name='Ann Agent', **options)


def watch(handovers, store):
    """What the watch does with the customer's open request (claimed as a pass claims it)."""
    (claimed,) = store.handovers.claim(worker_id='w1', batch_size=5, lease_seconds=60)
    found = handovers.watch(claimed)
    store.handovers.release(claimed.customer_id, claimed.request_id, 'w1', checked_at=store.now())
    return found


def test_asking_records_the_request_and_writes_nothing_to_microsoft(handovers, store, sim, notifications):
    """conformance: PC-90"""
    record = ask(handovers)

    assert puts(sim) == []
    assert record.state == 'waiting'
    assert (record.holder_partner_id, record.holder_entitlement_id) == (
        demo.OTHER_PARTNER_MPN_ID, demo.HELD_OTHER_ENTITLEMENT_ID)
    assert (record.requested_by_type, record.requested_by_name) == ('owner', 'Ann Agent')
    assert record.expires_at - record.requested_at == timedelta(days=30)
    assert trail(store, 'TA-HELD') == [('handover', 'requested')]
    (event,) = [change_event(item) for item in notifications]
    assert event['type'] == 'overage.handover.requested'
    assert event['handover']['target'] == {'azure_subscription_id': demo.HELD_ENTITLEMENT_ID,
                                           'create_azure_subscription': False}
    assert store.handovers.get('TA-HELD') == record


@pytest.mark.parametrize('who', [READY, ENABLED], ids=['never set', 'ours'])
def test_asking_is_refused_unless_another_partner_holds_it(handovers, store, sim, notifications, who):
    with pytest.raises(OverageError) as refused:
        handovers.ask(who, OWNER, azure_subscription_id=demo.READY_ENTITLEMENT_ID, enable_when_released=True)

    assert refused.value.code == 'HANDOVER_NOT_NEEDED'
    assert refused.value.http_status == 409
    assert store.handovers.get(who.customer_id) is None
    assert trail(store, who.customer_id) == []
    assert (puts(sim), notifications) == ([], [])


def test_a_target_that_is_no_azure_subscription_of_ours_is_refused(handovers, store):
    with pytest.raises(OverageError) as refused:
        ask(handovers, azure_subscription_id=demo.HELD_OTHER_ENTITLEMENT_ID)

    assert refused.value.code == 'AZURE_SUBSCRIPTION_NOT_FOUND'
    assert store.handovers.get('TA-HELD') is None


def test_one_request_per_customer_and_a_cancelled_one_can_be_asked_again(handovers, store, notifications):
    first = ask(handovers)
    with pytest.raises(OverageError) as refused:
        ask(handovers, azure_subscription_id=None, create_azure_subscription=True)
    assert refused.value.code == 'HANDOVER_ALREADY_REQUESTED'
    assert store.handovers.get('TA-HELD') == first

    cancelled = handovers.cancel(HELD, OWNER, actor_name='Ann Agent')
    assert (cancelled.state, cancelled.ended_by_type) == ('cancelled', 'owner')
    with pytest.raises(OverageError) as again:
        handovers.cancel(HELD, OWNER)
    assert again.value.code == 'HANDOVER_NOT_FOUND'

    second = ask(handovers, enable_when_released=False)
    assert second.request_id != first.request_id
    assert trail(store, 'TA-HELD') == [
        ('handover', 'requested'), ('handover', 'cancelled'), ('handover', 'requested')]
    assert events(notifications) == [
        'overage.handover.requested', 'overage.handover.cancelled', 'overage.handover.requested']


def test_a_customer_asks_only_when_customers_may_change(service, store):
    on_its_page = Caller(role='customer', account_id='TA-HELD')
    with pytest.raises(OverageError) as refused:
        ask(HandoverService(service), who=on_its_page)
    assert refused.value.code == 'CUSTOMER_CHANGES_DISABLED'
    assert store.handovers.get('TA-HELD') is None

    service.settings = replace(service.settings, customers_may_change=True)
    assert ask(HandoverService(service), who=on_its_page).requested_by_type == 'customer'


def test_released_is_enabled_to_the_target_through_the_change_path(handovers, store, sim, notifications):
    """conformance: PC-91, PC-92"""
    ask(handovers)
    assert watch(handovers, store) == 'waiting'
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert watch(handovers, store) == 'enabled'

    shown = sim.world.visible_overage(demo.HELD_CUSTOMER_ID)
    assert (shown.enabled, shown.azure_entitlement_id, shown.holder) == (
        True, demo.HELD_ENTITLEMENT_ID, demo.DISTRIBUTOR_TENANT_ID)
    assert len(puts(sim)) == 1
    record = store.handovers.get('TA-HELD')
    assert (record.state, record.change_outcome) == ('enabled', 'succeeded')
    assert trail(store, 'TA-HELD') == [('handover', 'requested'), ('handover', 'released'),
                                       ('enable', 'succeeded')]
    change = store.list_audit(customer_id='TA-HELD').items[0]
    assert (change.id, change.actor_type, change.actor_name) == (record.change_audit_id, 'owner', 'Ann Agent')
    assert events(notifications) == [
        'overage.handover.requested', 'overage.handover.released', 'overage.enable.succeeded']
    assert store.get_customer('TA-HELD').overage_status == 'enabled'
    assert store.handovers.claim(worker_id='w2', batch_size=5, lease_seconds=60) == []


def test_notify_only_ends_released_and_enables_nothing(handovers, store, sim, notifications):
    ask(handovers, enable_when_released=False)
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert watch(handovers, store) == 'released'

    assert puts(sim) == []
    assert store.handovers.get('TA-HELD').state == 'released'
    assert sim.world.visible_overage(demo.HELD_CUSTOMER_ID).enabled is False
    assert events(notifications) == ['overage.handover.requested', 'overage.handover.released']


def test_a_rule_that_now_blocks_stops_it_and_says_why(handovers, store, sim, notifications):
    ask(handovers)
    # Between the request and the release, the target Azure subscription was disabled.
    sim.world.set_status(sim.world.entitlements[demo.HELD_ENTITLEMENT_ID], 'disabled')
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert watch(handovers, store) == 'stopped'

    assert puts(sim) == []
    record = store.handovers.get('TA-HELD')
    assert record.state == 'stopped'
    assert record.stop_code in {'AZURE_SUBSCRIPTION_NOT_ELIGIBLE', 'NO_ACTIVE_AZURE_SUBSCRIPTION'}
    assert record.stop_message
    assert trail(store, 'TA-HELD')[-1] == ('enable', 'failed')
    assert events(notifications)[-2:] == ['overage.handover.released', 'overage.enable.failed']


def test_a_customer_request_stops_when_customers_may_no_longer_change(service, store, sim):
    service.settings = replace(service.settings, customers_may_change=True)
    ask(HandoverService(service), who=Caller(role='customer', account_id='TA-HELD'))
    service.settings = replace(service.settings, customers_may_change=False)
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert watch(HandoverService(service), store) == 'stopped'

    assert store.handovers.get('TA-HELD').stop_code == 'CUSTOMER_CHANGES_DISABLED'
    assert puts(sim) == []


def test_a_holder_that_changes_without_releasing_leaves_it_waiting_and_says_so(handovers, store, sim):
    """conformance: PC-94"""
    ask(handovers)
    holders.move(sim.world, demo.HELD_CUSTOMER_ID, THIRD_PARTNER_MPN, THIRD_PARTNER_ENTITLEMENT)

    assert watch(handovers, store) == 'holder_changed'

    record = store.handovers.get('TA-HELD')
    assert record.state == 'waiting'
    assert record.holder_changed_at is not None
    assert (record.current_holder_partner_id, record.current_holder_entitlement_id) == (
        THIRD_PARTNER_MPN, THIRD_PARTNER_ENTITLEMENT)
    assert record.holder_partner_id == demo.OTHER_PARTNER_MPN_ID
    assert watch(handovers, store) == 'holder_changed'  # read again: the same holder, still waiting
    assert puts(sim) == []

    holders.release(sim.world, demo.HELD_CUSTOMER_ID)
    assert watch(handovers, store) == 'enabled'


def test_a_request_expires_after_handover_days(service, store, sim, notifications):
    asked = ask(HandoverService(service))
    later = HandoverService(service, now=lambda: asked.expires_at + timedelta(seconds=1))
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    record = later.read(HELD, OWNER)

    assert record.state == 'expired'
    assert later.read(HELD, OWNER).state == 'expired'  # ended once
    assert trail(store, 'TA-HELD') == [('handover', 'requested'), ('handover', 'expired')]
    assert events(notifications) == ['overage.handover.requested', 'overage.handover.expired']
    assert store.handovers.claim(worker_id='w1', batch_size=5, lease_seconds=60) == []
    assert puts(sim) == []


def test_the_watch_expires_a_request_past_its_time_without_reading_microsoft(service, store, sim):
    asked = ask(HandoverService(service))
    later = HandoverService(service, now=lambda: asked.expires_at)
    sim.calls.clear()

    assert watch(later, store) == 'expired'
    assert sim.calls.matching('GET', r'/overage$') == []


def test_handover_days_sets_the_expiry(service):
    service.settings = replace(service.settings, handover_days=3)

    record = ask(HandoverService(service))

    assert record.expires_at - record.requested_at == timedelta(days=3)


def test_a_cancelled_request_is_not_watched_and_enables_nothing(handovers, store, sim):
    ask(handovers)
    handovers.cancel(HELD, OWNER)
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert store.handovers.claim(worker_id='w1', batch_size=5, lease_seconds=60) == []
    assert puts(sim) == []


def test_a_created_azure_subscription_target_reuses_the_creation_path(handovers, store, sim):
    """conformance: PC-80, PC-91"""
    sim.world.set_status(sim.world.entitlements[demo.HELD_ENTITLEMENT_ID], 'disabled')
    ask(handovers, azure_subscription_id=None, create_azure_subscription=True)
    holders.release(sim.world, demo.HELD_CUSTOMER_ID)

    assert watch(handovers, store) == 'enabled'

    shown = sim.world.visible_overage(demo.HELD_CUSTOMER_ID)
    created = sim.world.entitlements[shown.azure_entitlement_id]
    assert created.plan_id == demo.HELD_PLAN_ID
    assert created.name.startswith('Subscription ')
    entry = store.list_audit(customer_id='TA-HELD').items[0]
    assert (entry.action, entry.outcome) == ('enable', 'succeeded')
    assert entry.details['created']['azure_subscription_id'] == shown.azure_entitlement_id
