"""Signed change notifications: what a receiver gets and checks, retries, and that nobody waits."""
import json
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
import responses

from connect_ext import wiring
from connect_ext.api import dependencies, presenters
from connect_ext.config import Settings
from connect_ext.errors.error import OverageError
from connect_ext.notifications.events import change_event
from connect_ext.notifications.webhooks import WebhookNotifier, signature, verify_signature
from connect_ext.overage.facts import CustomerRef
from connect_ext.service.overage import OverageService
from connect_ext.service.results import Assignment, AuditedChange
from sandbox.partner_center import demo
from testkit.customers import HELD, READY


URL = 'https://hooks.example.com/overage?token=abc'
SECRET = 'whsec-test-secret-value'
# What the service hands the notifier: the domain's account of one audited change.
CHANGE = AuditedChange(
    customer=CustomerRef(READY, demo.READY_CUSTOMER_ID, name='Ready Corp'),
    action='enable', outcome='succeeded', audit_id=7,
    before=Assignment(enabled=False), requested=Assignment(True, demo.READY_ENTITLEMENT_ID),
)
# The event a receiver gets for it (the public contract: type and data, exactly).
EVENT = {
    'type': 'overage.enable.succeeded', 'customer_id': READY, 'tenant_id': demo.READY_CUSTOMER_ID,
    'audit_id': 7, 'from': {'enabled': False, 'azure_subscription_id': None},
    'to': {'enabled': True, 'azure_subscription_id': demo.READY_ENTITLEMENT_ID}, 'error': None,
}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Receiver:
    """A webhook receiver behind ``responses``: answers from a script, keeps what it got."""

    def __init__(self, statuses=(200,), gate=None):
        self.statuses = list(statuses)
        self.gate = gate
        self.received = []

    def __call__(self, request):
        if self.gate is not None:
            self.gate.wait(5)
        self.received.append(request)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if isinstance(status, Exception):
            raise status
        return status, {}, ''


@pytest.fixture
def receiving(running_sim):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(running_sim.api_url)
        mock.add_passthru(running_sim.login_url)

        def receive(receiver):
            mock.add_callback(responses.POST, URL.split('?')[0], callback=receiver)
            return receiver
        yield receive


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def notifier(store, sleeps):
    notifier = WebhookNotifier(URL, SECRET, store, sleep=sleeps.append, clock=lambda: 1764417600.0,
                               now=lambda: NOW, max_attempts=4, backoff_seconds=1.0)
    yield notifier
    notifier.executor.shutdown(wait=True)


def test_a_delivery_is_signed_over_timestamp_and_body(receiving, notifier, store):
    receiver = receiving(Receiver())

    outcome = notifier(CHANGE).result(5)

    [request] = receiver.received
    body = request.body
    assert verify_signature(SECRET, body, request.headers['X-Overage-Timestamp'],
                            request.headers['X-Overage-Signature'], now=1764417600.0)
    assert request.headers['X-Overage-Timestamp'] == '1764417600'
    assert request.headers['X-Overage-Signature'] == signature(SECRET, '1764417600', body)
    assert request.headers['Content-Type'] == 'application/json'
    payload = json.loads(body)
    assert payload == {
        'id': request.headers['X-Overage-Event-Id'],
        'type': 'overage.enable.succeeded',
        'created_at': '2026-11-29T12:00:00+00:00',
        'data': {key: value for key, value in EVENT.items() if key != 'type'},
    }
    assert outcome['delivered'] is True
    assert outcome['attempts'] == 1
    [entry] = store.list_audit(customer_id=READY).items
    assert (entry.action, entry.outcome, entry.actor_type) == ('webhook', 'succeeded', 'system')
    assert entry.details == {
        'event_id': payload['id'], 'event_type': 'overage.enable.succeeded', 'audit_id': 7,
        'attempts': 1, 'status': 200, 'host': 'hooks.example.com',
    }


def test_failures_are_retried_with_backoff_under_the_same_event_id(receiving, notifier, sleeps,
                                                                   store):
    receiver = receiving(Receiver([503, requests.ConnectionError('reset'), 429, 204]))

    outcome = notifier(CHANGE).result(5)

    assert outcome['delivered'] is True
    assert outcome['attempts'] == 4
    assert len({r.headers['X-Overage-Event-Id'] for r in receiver.received}) == 1
    assert len(receiver.received) == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert store.list_audit(customer_id=READY).items[0].outcome == 'succeeded'


def test_giving_up_is_recorded_as_a_failed_delivery(receiving, notifier, sleeps, store):
    receiving(Receiver([500]))

    outcome = notifier(CHANGE).result(5)

    assert outcome == {**outcome, 'delivered': False, 'attempts': 4, 'status': 500}
    [entry] = store.list_audit(customer_id=READY).items
    assert (entry.action, entry.outcome, entry.error_code) == (
        'webhook', 'failed', 'WEBHOOK_DELIVERY_FAILED',
    )
    assert entry.error_message == 'HTTP 500 from hooks.example.com'


def test_a_refusal_is_final(receiving, notifier, sleeps):
    receiver = receiving(Receiver([400]))

    outcome = notifier(CHANGE).result(5)

    assert (outcome['delivered'], outcome['attempts'], outcome['status']) == (False, 1, 400)
    assert len(receiver.received) == 1
    assert sleeps == []


def test_the_secret_and_the_urls_token_are_never_logged(receiving, notifier, caplog):
    receiving(Receiver([500]))

    with caplog.at_level(logging.DEBUG):
        notifier(CHANGE).result(5)

    text = '\n'.join(record.getMessage() for record in caplog.records) + repr(notifier)
    assert SECRET not in text
    assert 'token=abc' not in text
    assert 'hooks.example.com' in text


@pytest.mark.parametrize(('change', 'valid'), [
    ({}, True),
    ({'body': b'{"tampered":1}'}, False),
    ({'secret': 'other'}, False),
    ({'now': 1764417600.0 + 301}, False),  # a replay after the tolerance
    ({'timestamp': '1764417601'}, False),  # the timestamp is covered by the signature
    ({'timestamp': 'soon'}, False),
    ({'header': None}, False),
])
def test_receivers_verify_body_secret_and_freshness(change, valid):
    body = b'{"id":"e1"}'
    header = signature(SECRET, '1764417600', body)
    args = {'secret': SECRET, 'body': body, 'timestamp': '1764417600', 'header': header,
            'now': 1764417600.0, **change}

    assert verify_signature(args['secret'], args['body'], args['timestamp'], args['header'],
                            now=args['now']) is valid


def test_the_users_answer_does_not_wait_for_the_receiver(api, receiving, store, pc_client,
                                                         settings, clock):
    gate = threading.Event()
    receiver = receiving(Receiver([200], gate=gate))
    futures = []
    notifier = WebhookNotifier(URL, SECRET, store, sleep=lambda _: None)

    def notify(event):
        futures.append(notifier(event))

    service = OverageService(pc_client, store, settings, sleep=clock.sleep, notify=notify)
    api.app.dependency_overrides[dependencies.get_overage_service] = lambda: service
    try:
        response = api.put(f'/api/customers/{READY}/overage',
                           json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID})

        assert response.status_code == 200
        assert receiver.received == []  # answered while the delivery is still held
        assert not futures[0].done()
    finally:
        gate.set()
    outcome = futures[0].result(5)
    assert outcome['delivered'] is True
    assert json.loads(receiver.received[0].body)['type'] == 'overage.enable.succeeded'
    notifier.executor.shutdown(wait=True)
    service.executor.shutdown(wait=True)


@pytest.mark.parametrize(('url', 'secret', 'built'), [
    ('', '', False),
    ('https://hooks.example.com/x', '', False),
    ('ftp://hooks.example.com/x', 's', False),
    ('https://hooks.example.com/x', 's', True),
])
def test_the_notifier_exists_only_with_a_valid_url_and_a_secret(store, url, secret, built):
    wiring.clear_caches()
    settings = Settings(webhook_url=url, webhook_secret=secret, database_url=store.url)

    notifier = dependencies.get_notifier(settings=settings, store=store)

    assert isinstance(notifier, WebhookNotifier) is built
    wiring.clear_caches()


def test_the_event_is_built_from_the_audited_change():
    failed = AuditedChange(
        customer=CHANGE.customer, action='move', outcome='failed', audit_id=8,
        before=Assignment(True, demo.READY_SECOND_ENTITLEMENT_ID),
        requested=Assignment(True, demo.READY_ENTITLEMENT_ID),
        error=OverageError('OVERAGE_HELD_BY_OTHER_PARTNER', 'Held.', 'Another partner.', 'Ask.', 409,
                           details={'microsoft': {'code': 600}}),
    )

    assert change_event(CHANGE) == EVENT
    assert change_event(failed) == {
        'type': 'overage.move.failed', 'customer_id': READY, 'tenant_id': demo.READY_CUSTOMER_ID,
        'audit_id': 8,
        'from': {'enabled': True, 'azure_subscription_id': demo.READY_SECOND_ENTITLEMENT_ID},
        'to': {'enabled': True, 'azure_subscription_id': demo.READY_ENTITLEMENT_ID},
        'error': {'code': 'OVERAGE_HELD_BY_OTHER_PARTNER', 'message': 'Held.',
                  'reason': 'Another partner.', 'action': 'Ask.',
                  'details': {'microsoft': {'code': 600}}},
    }


def test_the_follow_up_of_an_unconfirmed_change_names_it_and_says_why():
    confirmed = replace(CHANGE, outcome='confirmed', audit_id=12, confirms=7)
    not_confirmed = replace(CHANGE, outcome='not_confirmed', audit_id=13, confirms=7,
                            reason='deadline_passed')

    assert change_event(confirmed) == {**EVENT, 'type': 'overage.enable.confirmed', 'audit_id': 12,
                                       'confirms': 7, 'reason': None}
    assert change_event(not_confirmed) == {**EVENT, 'type': 'overage.enable.not_confirmed',
                                           'audit_id': 13, 'confirms': 7, 'reason': 'deadline_passed'}
    # Every other event keeps exactly its fields.
    assert 'confirms' not in change_event(replace(CHANGE, outcome='unconfirmed', confirms=7))


def test_the_event_does_not_depend_on_the_api_bodies(monkeypatch):
    error = OverageError('THROTTLED', 'Busy.', 'Too many calls.', 'Wait.', 429)
    change = AuditedChange(CHANGE.customer, 'disable', 'failed', 9, Assignment(False),
                           Assignment(False), error)
    expected = change_event(change)

    def garbage(*_args, **_kwargs):
        return {'error': {'code': 'garbage'}, 'type': 'garbage'}

    for name in ('state_body', 'change_result_body', 'history_entry', 'customer_info'):
        monkeypatch.setattr(presenters, name, garbage)
    monkeypatch.setattr(OverageError, 'to_body', garbage)

    assert change_event(change) == expected
    assert expected['error']['code'] == 'THROTTLED'


def test_what_the_service_notifies_matches_its_audit_entry(api, store, notifications):
    api.put(f'/api/customers/{READY}/overage', json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID})
    api.put(f'/api/customers/{HELD}/overage', json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID})

    events = [change_event(change) for change in notifications]
    assert [event['type'] for event in events] == ['overage.enable.succeeded', 'overage.move.failed']
    for event in events:
        [entry] = store.list_audit(customer_id=event['customer_id']).items
        assert event['audit_id'] == entry.id
        assert event['from'] == {'enabled': entry.from_enabled,
                                 'azure_subscription_id': entry.from_entitlement}
        assert event['to'] == {'enabled': entry.to_enabled, 'azure_subscription_id': entry.to_entitlement}
    held = api.put(f'/api/customers/{HELD}/overage',
                   json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID}).json()
    # The error of the event is the public error, as the API answers it.
    assert events[1]['error'] == held['error']
