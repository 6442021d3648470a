"""What the events answer when something fails: reschedule what may pass later, skip what never
will, and never raise, never approve or fail a request."""
import logging

import pytest
from connect.eaas.core.enums import ResultType

from connect_ext.orders.handling import note_key
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from sandbox.partner_center import faults
from testkit.connect_requests import load_request
from testkit.fake_connect import CONNECT_URL


HANDLERS = {
    'purchase': 'handle_purchase_request',
    'change': 'handle_change_request',
    'cancel': 'handle_cancel_request',
}


def deliver(app, kind, payload):
    return getattr(app, HANDLERS[kind])(payload)


# -- Partner Center -----------------------------------------------------------------------------


def test_partner_center_throttling_reschedules_and_the_next_delivery_notes(app, connect, sim, store):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    sim.faults.add(faults.throttle(retry_after=3, path=r'/overage$', times=1))

    first = app.handle_purchase_request(payload)

    assert first.status == ResultType.RESCHEDULE
    assert first.countdown >= 30
    assert connect.notes(payload['id']) == []
    assert not store.is_event_processed(note_key(payload['id'], 'pending'))
    assert [c.status for c in sim.calls.matching('GET', r'/overage$')] == [429]

    second = app.handle_purchase_request(payload)

    assert second.status == ResultType.SUCCESS
    assert len(connect.notes(payload['id'])) == 1


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_partner_center_server_errors_reschedule(app, connect, sim, status):
    payload = load_request('change_adds_ovg')
    connect.add_conversation(payload['id'])
    sim.faults.add(faults.server_error(status, path=r'/subscriptions$'))

    result = app.handle_change_request(payload)

    assert result.status == ResultType.RESCHEDULE
    assert connect.notes(payload['id']) == []


def test_a_partner_center_time_out_reschedules(app, connect, sim, settings, store, clock):
    from dataclasses import replace

    quick = replace(settings.partner_center, read_timeout=0.2)
    client = PartnerCenterClient(quick, sleep=clock.sleep, clock=clock)
    app.dependencies._service = OverageService(client, store, settings, sleep=clock.sleep,
                                               confirm_delays=())
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    sim.faults.add(faults.timeout(hold_seconds=0.5, path=r'/overage$'))

    result = app.handle_purchase_request(payload)

    assert result.status == ResultType.RESCHEDULE
    assert connect.notes(payload['id']) == []


def test_a_throttled_cancel_reschedules_too(app, connect, sim, store):
    payload = load_request('cancel_ovg')
    connect.add_conversation(payload['id'])
    sim.faults.add(faults.throttle(retry_after=2, path=r'/subscriptions$'))

    assert app.handle_cancel_request(payload).status == ResultType.RESCHEDULE
    assert connect.notes(payload['id']) == []


# -- Connect ------------------------------------------------------------------------------------


@pytest.mark.parametrize(('method', 'path', 'status'), [
    ('GET', r'^/conversations$', 502),
    ('GET', r'/messages$', 503),
    ('POST', r'/messages$', 500),
])
def test_connect_server_errors_reschedule(app, connect, store, method, path, status):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    connect.fail_next(method, path, status)

    result = app.handle_purchase_request(payload)

    assert result.status == ResultType.RESCHEDULE
    assert connect.notes(payload['id']) == []
    assert not store.is_event_processed(note_key(payload['id'], 'pending'))


def test_a_request_without_a_conversation_yet_is_rescheduled(app, connect):
    payload = load_request('purchase_ovg_existing_tenant')

    assert app.handle_purchase_request(payload).status == ResultType.RESCHEDULE


def test_connect_refusing_the_note_skips_with_the_reason(app, connect, caplog):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    connect.fail_next('POST', r'/messages$', 403)

    with caplog.at_level(logging.WARNING):
        result = app.handle_purchase_request(payload)

    assert result.status == ResultType.SKIP
    assert 'Connect refused' in result.output
    assert any('Connect refused' in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize('status', [403, 503])
def test_a_connect_error_quoting_the_api_key_is_redacted_from_the_outcome_and_the_log(
    app, connect, caplog, status,
):
    """What the event answers Connect and what it logs (issue 20, item 1)."""
    secret = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    connect.fail_next('POST', r'/messages$', status,
                      errors=[f'Authorization ApiKey SU-123-456-789:{secret} may not post here'])

    with caplog.at_level(logging.DEBUG):
        result = app.handle_purchase_request(payload)

    assert result.status == (ResultType.SKIP if status == 403 else ResultType.RESCHEDULE)
    assert 'Connect' in caplog.text
    assert secret not in (result.output or '')
    assert secret not in caplog.text


def test_a_connect_5xx_through_the_client_mocker_reschedules(
    client_mocker_factory, app, sim,
):
    payload = load_request('purchase_ovg_existing_tenant')
    mocker = client_mocker_factory(base_url=CONNECT_URL, exclude=[sim.api_url, sim.login_url])
    mocker.conversations.filter(instance_id=payload['id']).first().mock(status_code=503)

    assert app.handle_purchase_request(payload).status == ResultType.RESCHEDULE


def test_the_note_through_the_client_mocker_calls_only_the_conversation(
    client_mocker_factory, app, sim,
):
    """Only these three calls are registered; any other (approve, fail...) would not answer."""
    payload = load_request('purchase_ovg_existing_tenant')
    mocker = client_mocker_factory(base_url=CONNECT_URL, exclude=[sim.api_url, sim.login_url])
    conversation = {'id': 'CO-555-001', 'instance_id': payload['id'], 'type': 'conversation'}
    mocker.conversations.filter(instance_id=payload['id']).first().mock(
        return_value=[conversation],
    )
    mocker.conversations['CO-555-001'].messages.all().mock(return_value=[])
    mocker.conversations['CO-555-001'].messages.create(return_value={'id': 'ME-001'})

    result = app.handle_purchase_request(payload)

    assert result.status == ResultType.SUCCESS
    stored = app.dependencies.store
    assert stored.is_event_processed(note_key(payload['id'], 'pending'))


# -- payloads -----------------------------------------------------------------------------------


VALID = {
    'purchase': 'purchase_ovg_existing_tenant',
    'change': 'change_adds_ovg',
    'cancel': 'cancel_ovg',
}
BREAKAGES = {
    'no id': lambda p: p.pop('id'),
    'id of another object': lambda p: p.update(id='AS-1'),
    'no asset': lambda p: p.pop('asset'),
    'asset is a list': lambda p: p.update(asset=[]),
    'asset without id': lambda p: p['asset'].pop('id'),
    'no tiers': lambda p: p['asset'].pop('tiers'),
    'customer without id': lambda p: p['asset']['tiers']['customer'].pop('id'),
    'customer id of another object': lambda p: p['asset']['tiers']['customer'].update(id='PA-1'),
    'items not a list': lambda p: p['asset'].update(items={'a': 1}),
    'unsubscribed status': lambda p: p.update(status='draft'),
    'another request type': lambda p: p.update(type='suspend'),
}


def malformed(kind, case):
    payload = load_request(VALID[kind])
    BREAKAGES[case](payload)
    return payload


@pytest.mark.parametrize('kind', sorted(HANDLERS))
@pytest.mark.parametrize('case', sorted(BREAKAGES))
def test_malformed_payloads_are_skipped_with_a_reason_and_a_log_line(
    app, connect, sim, caplog, kind, case,
):
    with caplog.at_level(logging.WARNING):
        result = deliver(app, kind, malformed(kind, case))

    assert result.status == ResultType.SKIP
    assert result.output.startswith(f'not a usable {kind} request: ')
    assert any('Event skipped' in record.getMessage() for record in caplog.records)
    assert connect.calls == []
    assert sim.calls.all() == []


@pytest.mark.parametrize('kind', sorted(HANDLERS))
@pytest.mark.parametrize('payload', [None, 'PR-1', ['PR-1'], 42, {}])
def test_a_payload_that_is_no_object_is_skipped(app, kind, payload):
    result = deliver(app, kind, payload)

    assert result.status == ResultType.SKIP
    assert result.output.startswith(f'not a usable {kind} request: ')


# Fuzzed payloads (any JSON, damaged real requests): tests/e2e/reliability/test_event_fuzz.py.


@pytest.mark.parametrize('status', ['pending', 'approved'])
@pytest.mark.parametrize('kind', sorted(HANDLERS))
@pytest.mark.parametrize('name', [5, ['Teams Phone OVG'], {'en': 'Teams Phone OVG'}])
def test_an_item_name_that_is_not_text_names_nothing(app, connect, sim, kind, name, status):
    """Found by the benchmark's fuzzing (a TypeError out of the handlers): an item
    ``display_name`` of another type than text is no name, whatever the request's status."""
    payload = load_request(VALID[kind], status=status)
    for item in payload['asset']['items']:
        item['display_name'] = name
    connect.add_conversation(payload['id'])

    result = deliver(app, kind, payload)

    assert result.status == ResultType.SKIP
    assert sim.calls.all() == []


def test_the_tenant_param_with_an_error_and_no_guid_counts_as_unknown(app, connect):
    payload = load_request('purchase_ovg_new_tenant')
    for param in payload['asset']['params']:
        if param['id'] == 'microsoft_tenant_id':
            param.update(value='not-a-guid', value_error='Enter the tenant id as a GUID.')
    connect.add_conversation(payload['id'])

    assert app.handle_purchase_request(payload).status == ResultType.SUCCESS
    assert 'Microsoft tenant not known yet' in connect.notes(payload['id'])[0]


def test_the_demo_world_is_unchanged_by_events(app, connect, sim):
    """Observing only: the events never write to Partner Center."""
    for name in ('purchase_ovg_existing_tenant', 'change_adds_ovg'):
        payload = load_request(name)
        connect.add_conversation(payload['id'])
        deliver(app, name.split('_')[0], payload)
    connect.add_conversation(load_request('cancel_ovg')['id'])
    app.handle_cancel_request(load_request('cancel_ovg'))

    assert len(sim.calls.all()) > 0
    assert sim.calls.matching('PUT') == []
