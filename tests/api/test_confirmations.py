"""Waiting for Microsoft to confirm, through the web API: the 202 carries the awaited change, the
state and the overview say so meanwhile, and — end to end through the Partner Center simulator, the
background pass and a real webhook receiver — exactly one ``confirmed`` (or ``not_confirmed``)
follows the ``unconfirmed``."""
import json
import time
from dataclasses import replace

import pytest

from connect_ext.api import dependencies
from connect_ext.api.schemas import ChangeResultBody, CustomerPage, OverageStateBody
from connect_ext.compat import parse
from connect_ext.notifications.webhooks import WebhookNotifier
from connect_ext.service.overage import OverageService
from connect_ext.wiring import EventsDependencies, confirmation_pass
from sandbox.partner_center import demo
from testkit import simulators
from testkit.clock import START, FakeDatetimeClock
from testkit.customers import ENABLED, READY
from testkit.servers import WebhookReceiver


SECRET = 'whsec-confirmations-test'
LAG = 600.0


def put(api, customer_id, azure_subscription_id):
    return api.put(f'/api/customers/{customer_id}/overage',
                   json={'azure_subscription_id': azure_subscription_id})


@pytest.fixture
def world_clock(sim, monkeypatch):
    return simulators.lagging_microsoft(sim, monkeypatch, LAG)


@pytest.fixture
def now():
    return FakeDatetimeClock(START)


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def notifier(receiver, store):
    notifier = WebhookNotifier(receiver.url, SECRET, store, max_attempts=1, local_receiver=True)
    yield notifier
    notifier.executor.shutdown(wait=True)


@pytest.fixture
def confirming(api, overrides, pc_client, store, settings, now, notifier):
    """The web API's service with a real webhook notifier, ``minutes`` to confirm, and no waiting."""
    def make(minutes=60.0):
        config = replace(settings, confirm_within_minutes=minutes)
        service = OverageService(pc_client, store, config, confirm_delays=(0.01,), now=now,
                                 notify=notifier)
        api.client.app.dependency_overrides[dependencies.get_overage_service] = lambda: service
        return service, EventsDependencies(config, store=store, service=service)

    return make


def delivered(receiver, count, timeout=10.0):
    """The webhook bodies once ``count`` arrived (the notifier delivers in the background)."""
    deadline = time.monotonic() + timeout
    while len(receiver.deliveries) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # and no more than that
    return [delivery['body'] for delivery in receiver.deliveries]


def test_the_202_the_state_and_the_overview_show_the_awaited_change(api, sim, world_clock):
    response = put(api, READY, demo.READY_ENTITLEMENT_ID)

    assert response.status_code == 202
    body = response.json()
    parse(ChangeResultBody, body)
    awaited = body['pending_confirmation']
    assert awaited['action'] == 'enable'
    assert awaited['target'] == {
        'enabled': True, 'azure_subscription_id': demo.READY_ENTITLEMENT_ID,
        'create_azure_subscription': False,
    }
    assert awaited['audit_id'] == body['change']['audit_id']
    assert awaited['confirm_by'] > awaited['requested_at']
    state = api.get(f'/api/customers/{READY}/overage').json()
    parse(OverageStateBody, state)
    assert state['pending_confirmation'] == awaited
    assert state['enabled'] is False  # what Microsoft shows meanwhile
    page = api.get('/api/customers').json()
    parse(CustomerPage, page)
    flags = {row['id']: row['pending_confirmation'] for row in page['items']}
    assert flags[READY] is True
    assert flags[ENABLED] is False


def test_nothing_awaited_is_null(api, sim):
    assert api.get(f'/api/customers/{ENABLED}/overage').json()['pending_confirmation'] is None
    assert put(api, READY, demo.READY_ENTITLEMENT_ID).json()['pending_confirmation'] is None


def test_the_lag_passes_and_the_background_pass_confirms_with_exactly_one_webhook(
        api, sim, world_clock, now, confirming, receiver):
    _service, events = confirming()
    answer = put(api, READY, demo.READY_ENTITLEMENT_ID)
    assert answer.status_code == 202
    change_id = answer.json()['change']['audit_id']
    assert confirmation_pass(events, time_budget_seconds=30).run().waiting == [READY]
    world_clock.advance(LAG)
    now.advance(LAG)

    report = confirmation_pass(events, time_budget_seconds=30).run()
    again = confirmation_pass(events, time_budget_seconds=30).run()

    assert report.confirmed == [READY]
    assert (again.confirmed, again.waiting) == ([], [])  # nothing is awaited any more
    bodies = delivered(receiver, 2)
    assert [body['type'] for body in bodies] == ['overage.enable.unconfirmed', 'overage.enable.confirmed']
    confirmed = bodies[1]['data']
    assert (confirmed['confirms'], confirmed['reason']) == (change_id, None)
    assert confirmed['to'] == {'enabled': True, 'azure_subscription_id': demo.READY_ENTITLEMENT_ID}
    state = api.get(f'/api/customers/{READY}/overage').json()
    assert (state['pending_confirmation'], state['status']) == (None, 'enabled')
    history = api.get(f'/api/customers/{READY}/overage/history').json()['items']
    follow_up = next(entry for entry in history if entry['outcome'] == 'confirmed')
    assert follow_up['details']['confirms'] == change_id
    assert json.dumps(history).count('"confirmed"') == 1


def test_not_shown_by_the_deadline_ends_with_exactly_one_not_confirmed_webhook(
        api, sim, world_clock, now, confirming, receiver):
    _service, events = confirming(minutes=5.0)
    change_id = put(api, READY, demo.READY_ENTITLEMENT_ID).json()['change']['audit_id']
    now.advance(5 * 60)  # Microsoft's lag (10 minutes) is longer than CONFIRM_WITHIN_MINUTES
    world_clock.advance(5 * 60)

    report = confirmation_pass(events, time_budget_seconds=30).run()
    confirmation_pass(events, time_budget_seconds=30).run()

    assert report.not_confirmed == [READY]
    bodies = delivered(receiver, 2)
    assert [body['type'] for body in bodies] == ['overage.enable.unconfirmed',
                                                 'overage.enable.not_confirmed']
    assert (bodies[1]['data']['confirms'], bodies[1]['data']['reason']) == (change_id, 'deadline_passed')
    assert api.get(f'/api/customers/{READY}/overage').json()['pending_confirmation'] is None
