"""Upstream errors that quote secrets: nothing secret reaches the caller's answer, the history, the
webhook body or the logs (issue 20, item 1).

Partner Center's error description can echo the request, its ``Authorization`` header included;
each test here makes Microsoft (or Connect) answer with an error quoting one kind of secret, and
searches everything that leaves the process for it.
"""
import json
import re
import time

import pytest
import responses
from connect.client import R

from connect_ext.api import dependencies
from connect_ext.notifications.webhooks import WebhookNotifier
from sandbox.partner_center import demo
from testkit.callers import OWNER, RESELLER_A
from testkit.customers import READY, UNKNOWN
from testkit.security import LogCapture
from testkit.servers import WebhookReceiver


WEBHOOK_SECRET = 'whsec-upstream-echo-0f9e8d7c6b5a'
CONNECT_KEY = 'ApiKey SU-123-456-789:0a1b2c3d4e5f60718293a4b5c6d7e8f9'
OVERAGE_PATH = re.compile(r'.*/v1/customers/[^/]+/subscriptions/overage$')


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def notifying_api(api, make_service, store, receiver):
    """The web API whose service sends real webhooks to a local receiver."""
    notifier = WebhookNotifier(receiver.url, WEBHOOK_SECRET, store, max_attempts=1,
                               local_receiver=True)
    service = make_service(notify=notifier)
    api.app.dependency_overrides[dependencies.get_overage_service] = lambda: service
    yield api
    notifier.executor.shutdown(wait=True)


def echoing(mock, running_sim, receiver, quote):
    """Microsoft refuses the overage change, quoting ``quote(request)`` in every text it sends."""
    mock.add_passthru(running_sim.api_url)
    mock.add_passthru(running_sim.login_url)
    mock.add_passthru(receiver.url)
    sent = []

    def answer(request):
        sent.append(request)
        text = quote(request)
        return 400, {'Content-Type': 'application/json'}, json.dumps({
            'code': 3000, 'description': f'Invalid request: {text}', 'data': [text],
            'source': f'PartnerCenter.Gateway ({text})',
        })

    mock.add_callback(responses.PUT, OVERAGE_PATH, callback=answer)
    return sent


def everything_sent(response, store, receiver, logs):
    """Every text that left the process: the answer, the history, the webhook bodies, the logs."""
    audit = store.list_audit(limit=200).items
    return [
        response.text,
        *(json.dumps([entry.error_message, entry.details]) for entry in audit),
        *(delivery['raw'].decode('utf-8') for delivery in receiver.deliveries),
        *logs.lines,
    ]


def wait_for(receiver, store, count):
    """Until ``count`` webhooks arrived and each delivery's own audit line is written."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
        len(receiver.deliveries) < count
        or sum(entry.action == 'webhook' for entry in store.list_audit(limit=200).items) < count
    ):
        time.sleep(0.02)
    assert len(receiver.deliveries) >= count


SECRETS = {
    # The bearer token the call sent, as Microsoft would echo the Authorization header.
    'access token': lambda request, pc: request.headers['Authorization'].split(' ', 1)[1],
    'client secret': lambda request, pc: pc.client_secret,
    'refresh token': lambda request, pc: pc.refresh_token,
    'webhook secret': lambda request, pc: WEBHOOK_SECRET,
    'Connect API key': lambda request, pc: CONNECT_KEY.split(':', 1)[1],
}
QUOTES = {
    'access token': lambda request, pc: f"Authorization: {request.headers['Authorization']}",
    'client secret': lambda request, pc: f'client credential {pc.client_secret} rejected',
    'refresh token': lambda request, pc: f'grant {pc.refresh_token} is not valid here',
    'webhook secret': lambda request, pc: f'payload signed with {WEBHOOK_SECRET}',
    'Connect API key': lambda request, pc: f'forwarded header {CONNECT_KEY}',
}


@pytest.mark.parametrize('kind', sorted(SECRETS))
def test_a_microsoft_error_quoting_a_secret_leaves_no_trace_of_it(
    notifying_api, running_sim, store, receiver, pc_settings, kind,
):
    logs = LogCapture()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, logs.installed():
        sent = echoing(mock, running_sim, receiver,
                       lambda request: QUOTES[kind](request, pc_settings))
        response = notifying_api.put(f'/api/customers/{READY}/overage',
                                     json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID})
        wait_for(receiver, store, 1)

    assert sent, 'Microsoft was not asked'
    secret = SECRETS[kind](sent[0], pc_settings)
    assert secret
    assert response.status_code == 422
    error = response.json()['error']
    assert error['code'] == 'MICROSOFT_INVALID_REQUEST'
    assert error['details']['microsoft']['description'].startswith('Invalid request: ')
    assert '[redacted]' in error['details']['microsoft']['description']
    texts = everything_sent(response, store, receiver, logs)
    assert [text for text in texts if secret in text] == []
    # The history and the webhook still say what happened.
    [delivery] = [d['body'] for d in receiver.deliveries if d['body']['type'].startswith('overage.')]
    assert delivery['data']['error']['code'] == error['code']


def test_a_connect_error_quoting_the_api_key_leaves_no_trace_of_it(api, connect, caplog):
    connect('subscriptions').assets.filter(R().tiers.customer.id.eq(UNKNOWN)).mock(
        status_code=400,
        return_value={'error_code': 'AUTH_001', 'errors': [f'Authorization {CONNECT_KEY} refused']},
    )
    logs = LogCapture()

    with logs.installed():
        response = api.get(f'/api/customers/{UNKNOWN}/overage', who=OWNER)

    assert response.status_code == 502
    secret = CONNECT_KEY.split(':', 1)[1]
    texts = [response.text, *logs.lines]
    assert any('refused' in line for line in logs.lines)  # the failure is logged...
    assert [text for text in texts if secret in text] == []  # ...without the key


def test_a_resellers_installation_key_is_redacted_once_it_was_used(api, reseller_connect):
    """The key a reseller's call carries becomes a secret of the redaction when its client is built:
    a later upstream text quoting it is redacted everywhere."""
    from connect_ext.errors.error import OverageError

    api.get(f'/api/customers/{READY}/overage', who=RESELLER_A)
    key = RESELLER_A['api_key'].split(':', 1)[1]  # the key's secret part alone: no shape to see

    error = OverageError('X', f'Connect said {key} is wrong', 'r', 'a', 502, {'quoted': key})

    assert key not in error.message
    assert key not in json.dumps(error.to_body())
