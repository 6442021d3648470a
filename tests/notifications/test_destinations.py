"""Where a webhook may go: https, never an internal address, checked on the addresses each
connection uses, no redirect; only the code's own ``local_receiver`` flag reaches this machine
(issue 20, items 2 and 3).

Name resolution and the socket connection are stubbed in every refusal test: nothing here opens a
connection outside 127.0.0.0/8.
"""
import json

import pytest
import responses

from connect_ext import wiring
from connect_ext.api import dependencies
from connect_ext.config import Settings
from connect_ext.notifications.destinations import (
    DestinationRefused,
    check_address,
    check_url,
    display_url,
)
from connect_ext.notifications.webhooks import WebhookNotifier
from connect_ext.overage.facts import CustomerRef
from connect_ext.service.results import Assignment, AuditedChange
from sandbox.partner_center import demo
from testkit.callers import OWNER, RESELLER_A, customer
from testkit.customers import READY
from testkit.servers import WebhookReceiver


SECRET = 'whsec-destination-tests-secret'
CHANGE = AuditedChange(
    customer=CustomerRef(READY, demo.READY_CUSTOMER_ID, name='Ready Corp'),
    action='enable', outcome='succeeded', audit_id=7,
    before=Assignment(enabled=False), requested=Assignment(True, demo.READY_ENTITLEMENT_ID),
)
INTERNAL = [
    '127.0.0.1', '127.8.9.10', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '0.0.0.0', '224.0.0.1', '240.0.0.1', '::1', '::', 'fe80::1', 'fc00::5',
    '::ffff:10.0.0.5', '::ffff:127.0.0.1', '2002:a00:5::1', '64:ff9b::a9fe:a9fe', '192.0.2.10',
]
PUBLIC = ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']


class Resolver:
    """Name resolution from a script: each call answers the next list (the last one repeats)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def __call__(self, host, port):
        self.asked.append((host, port))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class Opener:
    """The socket connection, stubbed: records where it was asked to connect, connects nowhere."""

    def __init__(self):
        self.calls = []

    def __call__(self, address, timeout, source_address=None, socket_options=None):
        self.calls.append(address)
        raise ConnectionRefusedError('stubbed: no connection is ever opened here')


def notifier_for(url, store, resolver, opener=None, **kwargs):
    return WebhookNotifier(url, SECRET, store, sleep=lambda _s: None, resolver=resolver,
                           opener=opener or Opener(), backoff_seconds=0, **kwargs)


@pytest.mark.parametrize('address', INTERNAL)
def test_an_internal_address_is_never_a_destination(address):
    with pytest.raises(DestinationRefused):
        check_address(address)
    host = f'[{address}]' if ':' in address else address
    with pytest.raises(ValueError, match='internal address'):
        WebhookNotifier(f'https://{host}/hook', SECRET)


@pytest.mark.parametrize('url', [
    'http://hooks.example.com/x', 'ftp://hooks.example.com/x', 'https:///x', 'https://:443/x',
    'https://localhost/x', 'https://foo.localhost/x', 'https://hooks.example.com:99999/x', 'hooks',
])
def test_only_an_https_url_with_a_public_host_is_accepted(url):
    with pytest.raises(DestinationRefused):
        check_url(url)


@pytest.mark.parametrize('address', PUBLIC)
def test_a_public_address_is_a_destination(address):
    assert str(check_address(address)) == address


def test_the_local_receiver_flag_allows_loopback_over_http_and_nothing_else():
    assert check_url('http://127.0.0.1:8000/hook', local_receiver=True).port == 8000
    assert check_url('http://localhost:8000/hook', local_receiver=True)
    check_address('::1', local_receiver=True)
    for url in ('http://10.0.0.5/hook', 'http://169.254.169.254/latest', 'http://[fe80::1]/x'):
        with pytest.raises(DestinationRefused):
            check_url(url, local_receiver=True)


@pytest.mark.parametrize('url', [
    'http://127.0.0.1:9/hook', 'https://10.0.0.5/hook', 'https://169.254.169.254/latest/meta-data',
    'https://localhost/hook', 'http://hooks.example.com/hook',
])
def test_no_configuration_reaches_an_internal_receiver(store, url):
    """The variables cannot set the flag: the extension's notifier for such a URL is none at all."""
    wiring.clear_caches()
    settings = Settings.from_config({'OVERAGE_WEBHOOK_URL': url, 'OVERAGE_WEBHOOK_SECRET': SECRET,
                                     'DATABASE_URL': store.url})

    assert dependencies.get_notifier(settings=settings, store=store) is None
    wiring.clear_caches()


@pytest.mark.parametrize('addresses', [['10.0.0.5'], ['93.184.216.34', '169.254.169.254'], []])
def test_a_name_resolving_to_an_internal_address_gets_nothing(store, addresses):
    resolver, opener = Resolver(addresses), Opener()
    notifier = notifier_for('https://hooks.example.com/hook', store, resolver, opener)

    outcome = notifier(CHANGE).result(5)

    assert resolver.asked == [('hooks.example.com', 443)]
    assert opener.calls == []  # not one connection, not even to the public address listed
    assert (outcome['delivered'], outcome['attempts']) == (False, 1)  # refused: not retried
    [entry] = store.list_audit(customer_id=READY).items
    assert (entry.action, entry.outcome, entry.error_code) == (
        'webhook', 'failed', 'WEBHOOK_DESTINATION_REFUSED')
    assert 'hooks.example.com' in entry.error_message
    for address in addresses:
        assert address not in entry.error_message
    notifier.executor.shutdown(wait=True)


def test_each_connection_uses_the_addresses_it_checked(store):
    """A name that resolves to a public address, then to an internal one (DNS rebinding): the
    connection goes to the address just checked, and the internal one is never reached."""
    resolver, opener = Resolver(['93.184.216.34'], ['10.0.0.5']), Opener()
    notifier = notifier_for('https://hooks.example.com:8443/hook', store, resolver, opener,
                            max_attempts=3)

    outcome = notifier(CHANGE).result(5)

    assert opener.calls == [('93.184.216.34', 8443)]  # the first attempt, refused by the stub
    assert outcome['delivered'] is False
    assert outcome['attempts'] == 2  # the second attempt is refused before connecting
    assert store.list_audit(customer_id=READY).items[0].error_code == 'WEBHOOK_DESTINATION_REFUSED'
    notifier.executor.shutdown(wait=True)


def test_a_redirect_is_not_followed(store):
    notifier = WebhookNotifier('https://hooks.example.com/hook', SECRET, store, max_attempts=3)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, 'https://hooks.example.com/hook', status=302,
                 headers={'Location': 'http://169.254.169.254/latest/meta-data'})

        outcome = notifier(CHANGE).result(5)

        assert [call.request.url for call in mock.calls] == ['https://hooks.example.com/hook']
    assert (outcome['delivered'], outcome['attempts'], outcome['status']) == (False, 1, 302)
    assert store.list_audit(customer_id=READY).items[0].error_code == 'WEBHOOK_DESTINATION_REFUSED'
    notifier.executor.shutdown(wait=True)


def test_the_environment_cannot_route_webhooks_through_a_proxy(store, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://10.0.0.9:3128')
    resolver, opener = Resolver(['93.184.216.34']), Opener()
    notifier = notifier_for('https://hooks.example.com/hook', store, resolver, opener, max_attempts=1)

    notifier(CHANGE).result(5)

    assert opener.calls == [('93.184.216.34', 443)]  # straight to the receiver, checked
    notifier.executor.shutdown(wait=True)


def test_a_local_receiver_is_reached_only_with_the_flag(store):
    with WebhookReceiver() as receiver:
        notifier = WebhookNotifier(receiver.url, SECRET, store, local_receiver=True, max_attempts=1)
        outcome = notifier(CHANGE).result(5)
        notifier.executor.shutdown(wait=True)

    assert outcome['delivered'] is True
    assert [delivery['body']['type'] for delivery in receiver.deliveries] == ['overage.enable.succeeded']
    with pytest.raises(ValueError):
        WebhookNotifier(receiver.url, SECRET, store)


# --- what people see of the destination (item 3) ---------------------------------------------

@pytest.mark.parametrize(('url', 'shown'), [
    ('https://user:pa55@hooks.example.com:8443/in/overage?token=abc#frag',
     'https://[redacted]@hooks.example.com:8443/in/overage?[redacted]'),
    ('https://hooks.example.com/overage', 'https://hooks.example.com/overage'),
    ('https://token@hooks.example.com/', 'https://[redacted]@hooks.example.com/'),
    ('', None),
])
def test_the_owner_sees_the_url_without_credentials_or_query(url, shown):
    assert display_url(url) == shown


def test_the_settings_page_shows_the_url_redacted(api, overrides, settings):
    from dataclasses import replace

    url = 'https://ops:pa55word@hooks.example.com/overage?token=abc'
    configured = replace(settings, webhook_url=url, webhook_secret=SECRET)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: configured

    body = api.get('/api/settings').json()

    assert body['webhook_url'] == 'https://[redacted]@hooks.example.com/overage?[redacted]'
    assert 'pa55word' not in json.dumps(body)
    assert 'token=abc' not in json.dumps(body)


@pytest.fixture
def failed_delivery(store):
    """The history holds a failed delivery to an internal-looking receiver's host."""
    notifier = WebhookNotifier('https://hooks.internal.example.com/hook', SECRET, store,
                               max_attempts=1)
    change = AuditedChange(CHANGE.customer, 'enable', 'succeeded', 7, Assignment(False),
                           Assignment(True, demo.READY_ENTITLEMENT_ID))
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, 'https://hooks.internal.example.com/hook', status=404)
        notifier(change).result(5)
    notifier.executor.shutdown(wait=True)


@pytest.mark.parametrize('who', [RESELLER_A, customer(READY)])
def test_resellers_and_customers_see_that_a_notification_failed_not_where(
    api, failed_delivery, who,
):
    history = api.get(f'/api/customers/{READY}/overage/history', who=who)

    assert history.status_code == 200
    [entry] = [item for item in history.json()['items'] if item['action'] == 'webhook']
    assert entry['details'] == {'event_id': entry['details']['event_id'],
                                'event_type': 'overage.enable.succeeded', 'audit_id': 7,
                                'attempts': 1}
    assert entry['error'] == {
        'code': 'WEBHOOK_DELIVERY_FAILED',
        'message': 'A change notification could not be delivered to the webhook URL.',
    }
    assert 'internal' not in history.text
    assert '404' not in history.text


def test_the_owner_sees_where_a_notification_failed(api, failed_delivery):
    history = api.get(f'/api/customers/{READY}/overage/history', who=OWNER).json()

    [entry] = [item for item in history['items'] if item['action'] == 'webhook']
    assert entry['details']['host'] == 'hooks.internal.example.com'
    assert entry['details']['status'] == 404
    assert entry['error']['message'] == 'HTTP 404 from hooks.internal.example.com'
