"""Changes Microsoft accepted but did not show yet: awaited after the 202, then confirmed or not,
exactly once, on the Partner Center simulator whose lag the test's clocks drive."""
from dataclasses import replace
from datetime import timedelta

import pytest

from connect_ext.errors.error import OverageError
from connect_ext.notifications.events import change_event
from connect_ext.service.confirmations import verdict
from connect_ext.service.overage import OverageService
from connect_ext.store.records import PendingConfirmationRecord
from sandbox.partner_center import demo, faults
from testkit import simulators
from testkit.callers import OWNER_CALLER as OWNER
from testkit.clock import START, FakeDatetimeClock
from testkit.customers import customer_ref as customer


READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
ENABLED = customer(demo.ENABLED_CUSTOMER_ID, 'TA-ENABLED')
LAG = 120.0  # seconds before Microsoft shows a write: longer than the interactive read-back


@pytest.fixture
def world_clock(sim, monkeypatch):
    """Microsoft's time: the lag passes when the test says so."""
    return simulators.lagging_microsoft(sim, monkeypatch, LAG)


@pytest.fixture
def now():
    """The service's time: when a change was requested and when its confirmation is due."""
    return FakeDatetimeClock(START)


@pytest.fixture
def later(world_clock, now):
    """Move both clocks on together."""
    def advance(seconds):
        world_clock.advance(seconds)
        now.advance(seconds)
    return advance


@pytest.fixture
def confirming(pc_client, store, settings, now, notifications):
    """The service with a short read-back (nothing waits), 10 minutes to confirm, notifications kept."""
    made = []

    def make(minutes=10.0):
        service = OverageService(
            pc_client, store, replace(settings, confirm_within_minutes=minutes),
            confirm_delays=(0.01,), now=now, notify=notifications.append,
        )
        made.append(service)
        return service

    yield make
    for service in made:
        service.executor.shutdown(wait=False)


def _types(notifications):
    return [change_event(change)['type'] for change in notifications]


def _outcomes(store, customer_id):
    return [entry.outcome for entry in reversed(store.list_audit(customer_id=customer_id).items)]


def test_an_unconfirmed_change_is_awaited_until_its_deadline(confirming, store, world_clock):
    service = confirming()

    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID, actor_name='Ann Agent')

    assert result.outcome == 'unconfirmed'
    pending = result.state.pending
    assert (pending.action, pending.to_enabled, pending.to_entitlement) == (
        'enable', True, demo.READY_ENTITLEMENT_ID)
    assert (pending.from_enabled, pending.audit_id) == (False, result.audit_id)
    assert (pending.requested_at, pending.confirm_by) == (START, START + timedelta(minutes=10))
    assert (pending.actor_type, pending.actor_id, pending.actor_name) == (
        'owner', OWNER.account_id, 'Ann Agent')
    assert store.confirmations.get('TA-READY') == pending
    assert service.state(READY, OWNER).pending == pending  # still not shown: still awaited


def test_once_microsoft_shows_it_one_read_confirms_it_and_notifies_once(
        confirming, store, sim, later, notifications):
    service = confirming()
    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
    pending = result.state.pending
    assert service.confirm(pending) == 'unconfirmed'  # still the old setting
    later(LAG)
    calls = len(sim.calls.all())

    assert service.confirm(pending) == 'confirmed'

    assert len(sim.calls.all()) == calls + 1  # one Partner Center call
    assert store.confirmations.get('TA-READY') is None
    assert _outcomes(store, 'TA-READY') == ['unconfirmed', 'confirmed']
    follow_up = store.list_audit(customer_id='TA-READY').items[0]
    assert (follow_up.action, follow_up.to_entitlement, follow_up.actor_id) == (
        'enable', demo.READY_ENTITLEMENT_ID, OWNER.account_id)
    assert follow_up.details['confirms'] == result.audit_id
    assert follow_up.details['reason'] is None
    record = store.get_customer('TA-READY')
    assert (record.overage_status, record.azure_entitlement_id) == ('enabled', demo.READY_ENTITLEMENT_ID)
    assert _types(notifications) == ['overage.enable.unconfirmed', 'overage.enable.confirmed']
    assert change_event(notifications[1])['confirms'] == result.audit_id
    # Read again: nothing more is written or sent.
    assert service.confirm(pending) == 'confirmed'
    assert _outcomes(store, 'TA-READY') == ['unconfirmed', 'confirmed']
    assert len(notifications) == 2


def test_opening_the_customer_after_the_lag_confirms_it_too(confirming, store, later, notifications):
    service = confirming()
    service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
    later(LAG)

    state = service.state(READY, OWNER)

    assert state.pending is None
    assert state.status == 'enabled'
    assert _types(notifications) == ['overage.enable.unconfirmed', 'overage.enable.confirmed']


def test_still_not_shown_when_the_deadline_passes_is_not_confirmed(confirming, store, later, notifications):
    service = confirming(minutes=1.0)  # shorter than Microsoft's lag here
    pending = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID).state.pending
    later(59)
    assert service.confirm(pending) == 'unconfirmed'
    later(1)

    assert service.confirm(pending) == 'not_confirmed'

    assert store.confirmations.get('TA-READY') is None
    entry = store.list_audit(customer_id='TA-READY').items[0]
    assert (entry.outcome, entry.details['reason']) == ('not_confirmed', 'deadline_passed')
    assert _types(notifications) == ['overage.enable.unconfirmed', 'overage.enable.not_confirmed']
    assert change_event(notifications[1])['reason'] == 'deadline_passed'


def test_a_read_showing_another_setting_ends_it_as_changed_elsewhere(
        confirming, store, sim, world_clock, notifications):
    service = confirming()
    pending = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID).state.pending
    # Someone changes it in Partner Center itself, to the other Azure subscription, at once.
    sim.world.set_overage(demo.READY_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID,
                          demo.READY_SECOND_ENTITLEMENT_ID)

    assert service.confirm(pending) == 'not_confirmed'

    entry = store.list_audit(customer_id='TA-READY').items[0]
    assert (entry.outcome, entry.details['reason']) == ('not_confirmed', 'changed_elsewhere')
    assert _types(notifications)[-1] == 'overage.enable.not_confirmed'


def test_a_newer_change_supersedes_the_awaited_one_and_the_audit_says_so(
        confirming, store, world_clock, notifications):
    service = confirming()
    first = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    second = service.enable(READY, OWNER, demo.READY_SECOND_ENTITLEMENT_ID)

    assert second.outcome == 'unconfirmed'
    assert second.state.pending.audit_id == second.audit_id
    assert second.state.pending.to_entitlement == demo.READY_SECOND_ENTITLEMENT_ID
    superseded = store.list_audit(customer_id='TA-READY').items[0]
    assert (superseded.outcome, superseded.to_entitlement) == ('not_confirmed', demo.READY_ENTITLEMENT_ID)
    assert superseded.details == {**superseded.details, 'confirms': first.audit_id,
                                  'reason': 'superseded', 'superseded_by': second.audit_id}
    assert _types(notifications) == ['overage.enable.unconfirmed', 'overage.enable.unconfirmed',
                                     'overage.enable.not_confirmed']


def test_undoing_an_awaited_change_writes_even_though_microsoft_still_shows_the_old_setting(
        confirming, sim, store, world_clock):
    service = confirming()
    service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    undone = service.disable(READY, OWNER)

    # Microsoft still shows "off", yet the enable it accepted would show later: the disable is sent.
    assert undone.outcome == 'succeeded'
    assert len(sim.calls.matching('PUT', '/overage')) == 2
    assert sim.world.overage_state(demo.READY_CUSTOMER_ID).enabled is False
    assert _outcomes(store, 'TA-READY') == ['unconfirmed', 'succeeded', 'not_confirmed']
    assert store.confirmations.get('TA-READY') is None


def test_a_confirmed_change_needs_no_waiting(confirming, store, sim):
    sim.world.propagation_delay = 0
    service = confirming()

    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    assert (result.outcome, result.state.pending) == ('succeeded', None)
    assert store.confirmations.get('TA-READY') is None


def test_microsoft_unreadable_keeps_it_awaited_until_the_deadline_then_not_confirmed(
        confirming, store, sim, later):
    service = confirming(minutes=1.0)
    pending = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID).state.pending
    sim.faults.add(faults.server_error(503, method='GET', path='/overage$'))

    with pytest.raises(OverageError) as caught:
        service.confirm(pending)
    assert caught.value.http_status == 503
    assert store.confirmations.get('TA-READY') is not None
    later(60)

    assert service.confirm(pending) == 'not_confirmed'
    entry = store.list_audit(customer_id='TA-READY').items[0]
    assert entry.details['reason'] == 'deadline_passed'


def test_two_services_confirming_at_once_send_one_follow_up(confirming, store, later, notifications):
    one, two = confirming(), confirming()
    pending = one.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID).state.pending
    later(LAG)

    outcomes = {one.confirm(pending), two.confirm(pending)}

    assert outcomes == {'confirmed'}
    assert _outcomes(store, 'TA-READY') == ['unconfirmed', 'confirmed']
    assert _types(notifications) == ['overage.enable.unconfirmed', 'overage.enable.confirmed']


def _pending(**changes):
    values = {'customer_id': 'TA-1', 'action': 'move', 'from_enabled': True, 'from_entitlement': 'A-1',
              'to_enabled': True, 'to_entitlement': 'B-2', 'audit_id': 1, 'requested_at': START,
              'confirm_by': START + timedelta(minutes=5), 'actor_type': 'owner', 'actor_id': None,
              'actor_name': None, 'checked_at': None, 'claimed_until': None, 'claimed_by': None}
    values.update(changes)
    return PendingConfirmationRecord(**values)


def _overage(enabled, entitlement):
    from connect_ext.partner_center.models import Overage

    return Overage(azure_entitlement_id=entitlement, overage_enabled=enabled)


@pytest.mark.parametrize(('overage', 'at', 'expected'), [
    (_overage(True, 'b-2'), START, ('confirmed', None)),  # ids compare without case
    (_overage(True, 'A-1'), START, None),
    (_overage(True, 'A-1'), START + timedelta(minutes=5), ('not_confirmed', 'deadline_passed')),
    (_overage(True, 'C-3'), START, ('not_confirmed', 'changed_elsewhere')),
    (_overage(False, 'A-1'), START, ('not_confirmed', 'changed_elsewhere')),
    (None, START, ('not_confirmed', 'changed_elsewhere')),
])
def test_what_one_read_decides_of_a_move(overage, at, expected):
    decided = verdict(_pending(), overage, at)

    assert (decided and (decided.outcome, decided.reason)) == expected


def test_a_disable_is_confirmed_by_off_whatever_azure_subscription_microsoft_keeps():
    pending = _pending(action='disable', to_enabled=False, to_entitlement=None)

    assert verdict(pending, _overage(False, 'A-1'), START).outcome == 'confirmed'
    assert verdict(pending, None, START).outcome == 'confirmed'
    assert verdict(pending, _overage(True, 'A-1'), START) is None
