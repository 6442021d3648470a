"""Purchase and change requests with OVG items: one note per request unless what it says
changed, the store kept.

Everything real but Connect: the events application, the overage service on the Partner Center
simulator (demo world), a temporary SQLite store; Connect's conversations are faked over HTTP.
"""
import threading

import pytest
from connect.eaas.core.enums import ResultType
from sqlalchemy.exc import OperationalError

from connect_ext.orders.handling import note_key
from connect_ext.orders.notes import marker_of
from connect_ext.service.results import OverageState
from sandbox.partner_center import demo
from testkit.connect_requests import load_request, set_param
from testkit.services import PAGES_URL


CONTOSO = 'TA-1000-0000-0001'


class UntouchableService:
    """A service that fails the test if anything asks it for anything."""

    def __getattr__(self, name):
        raise AssertionError(f'Partner Center was reached for: {name}')


def overage_reads(sim):
    return sim.calls.matching('GET', r'/subscriptions/overage$')


def test_purchase_with_ovg_posts_a_note_with_the_overage_state_and_a_link(app, connect, store, sim):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])

    result = app.handle_purchase_request(payload)

    assert result.status == ResultType.SUCCESS
    [note] = connect.notes(payload['id'])
    assert 'Microsoft Teams Phone with Calling Plan OVG (NCE COM BAS 1MO)' in note
    assert 'quantity 10' in note
    assert f'Microsoft tenant {demo.READY_CUSTOMER_ID}' in note
    assert 'Overage: OFF.' in note
    assert f'Direct link: {PAGES_URL}?customer={CONTOSO}' in note
    assert f'search for {CONTOSO}.' in note
    assert marker_of(note) is not None
    assert len(overage_reads(sim)) == 1
    record = store.get_customer(CONTOSO)
    assert record.ovg_asset_ids == (payload['asset']['id'],)
    assert record.tenant_id == demo.READY_CUSTOMER_ID
    assert record.tier1_id == 'TA-7000-0000-0001'
    assert record.tier2_id is None
    assert record.name == 'Contoso Telecom Users'
    assert store.is_event_processed(note_key(payload['id'], 'pending'))


def test_the_note_is_private_to_the_distributor_unless_configured_otherwise(
        app, connect, dependencies):
    """Notes carry tenant, Azure subscription and partner ids: by default only the distributor's
    account reads them (Connect's ``private`` message type; conformance: CX-09)."""
    from dataclasses import replace

    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    app.handle_purchase_request(payload)
    [private] = connect.messages[connect.conversations[payload['id']]]

    dependencies.settings = replace(dependencies.settings, notes_visibility='message')
    other = load_request('purchase_ovg_existing_tenant')
    other['id'] = 'PR-4521-0381-7731-009'
    connect.add_conversation(other['id'])
    app.handle_purchase_request(other)
    [shared] = connect.messages[connect.conversations[other['id']]]

    assert (private['type'], shared['type']) == ('private', 'message')


def test_a_redelivered_event_adds_no_second_note_and_calls_nobody(app, connect, sim):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    assert app.handle_purchase_request(payload).status == ResultType.SUCCESS
    calls_after_first, reads_after_first = len(connect.calls), len(sim.calls.all())

    results = [app.handle_purchase_request(payload) for _ in range(3)]

    assert [r.status for r in results] == [ResultType.SUCCESS] * 3
    assert len(connect.notes(payload['id'])) == 1
    assert len(connect.calls) == calls_after_first
    assert len(sim.calls.all()) == reads_after_first


def test_the_approved_event_that_would_say_the_same_adds_no_second_note(
        app, connect, store, caplog):
    """A purchase used to get two identical notes, pending and approved (issue 19, item 10)."""
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    app.handle_purchase_request(payload)
    calls_after_pending = len(connect.calls)

    with caplog.at_level('INFO', logger='tests.orders.events'):
        results = [app.handle_purchase_request({**payload, 'status': 'approved'})
                   for _ in range(2)]

    assert [r.status for r in results] == [ResultType.SUCCESS] * 2
    assert len(connect.notes(payload['id'])) == 1
    assert connect.calls[calls_after_pending:] == []  # the store said it: Connect is not asked
    assert 'note unchanged: the last note of the request says this already' in caplog.text
    assert store.is_event_processed(note_key(payload['id'], 'approved'))


def test_a_changed_situation_gives_the_approved_event_a_new_note(
        app, connect, dependencies, sim, store):
    """Overage was switched on between pending and approved (a minute later: the cache of
    recent reads no longer holds the customer): the approved note says so, once."""
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    app.handle_purchase_request(payload)
    sim.world.set_overage(demo.READY_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID,
                          demo.READY_ENTITLEMENT_ID)
    dependencies.recent_states.clear()
    store.partner_center_reads.forget(demo.READY_CUSTOMER_ID)

    for _ in range(2):
        assert app.handle_purchase_request({**payload, 'status': 'approved'}).status == \
            ResultType.SUCCESS

    first, second = connect.notes(payload['id'])
    assert 'Overage: OFF.' in first
    assert 'Overage: ON. Overage charges go to Azure subscription' in second
    assert marker_of(first) != marker_of(second)


def test_a_note_posted_by_a_delivery_that_died_before_recording_it_is_not_posted_again(
        app, connect, store, monkeypatch, caplog):
    """The post reached Connect, then the store failed: only the marker in the conversation
    tells the next delivery that the note is there."""
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'], messages=['Order received.'])
    record = store.order_notes.record

    def dies(*_args, **_kwargs):
        raise OperationalError('INSERT', {}, Exception('database is locked'))

    monkeypatch.setattr(store.order_notes, 'record', dies)
    first = app.handle_purchase_request(payload)
    monkeypatch.setattr(store.order_notes, 'record', record)
    with caplog.at_level('INFO', logger='tests.orders.events'):
        second = app.handle_purchase_request(payload)

    assert (first.status, second.status) == (ResultType.RESCHEDULE, ResultType.SUCCESS)
    assert 'note found in the conversation' in caplog.text
    [received, note] = connect.notes(payload['id'])
    assert received == 'Order received.'
    assert marker_of(note) is not None
    assert store.is_event_processed(note_key(payload['id'], 'pending'))
    assert store.order_notes.last(payload['id']).message_ids == ('ME-501',)


def test_concurrent_deliveries_post_one_note(app, connect):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    connect.latency = 0.05  # every delivery is between "no note yet" and "posted" at once
    start = threading.Barrier(4)
    results = []

    def deliver():
        start.wait()
        results.append(app.handle_purchase_request(payload).status)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == [ResultType.SUCCESS] * 4
    assert len(connect.notes(payload['id'])) == 1


def test_a_failed_post_is_retried_by_the_next_delivery_not_lost(app, connect, store):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    connect.fail_next('POST', r'/messages$', 503)

    first = app.handle_purchase_request(payload)

    assert first.status == ResultType.RESCHEDULE
    assert connect.notes(payload['id']) == []
    assert not store.is_event_processed(note_key(payload['id'], 'pending'))

    second = app.handle_purchase_request(payload)

    assert second.status == ResultType.SUCCESS
    assert len(connect.notes(payload['id'])) == 1


def test_a_request_without_ovg_items_is_skipped_without_partner_center(app, connect, sim, store):
    app.dependencies._service = UntouchableService()
    payload = load_request('purchase_no_ovg')
    connect.add_conversation(payload['id'])

    result = app.handle_purchase_request(payload)

    assert result.status == ResultType.SKIP
    assert 'brings no OVG item' in result.output
    assert sim.calls.all() == []
    assert connect.calls == []
    assert store.get_customer(CONTOSO) is None


def test_a_change_adding_ovg_notes_the_added_item(app, connect, store):
    payload = load_request('change_adds_ovg')
    connect.add_conversation(payload['id'])

    result = app.handle_change_request(payload)

    assert result.status == ResultType.SUCCESS
    [note] = connect.notes(payload['id'])
    assert note.startswith('Overage Manager: this change request adds overage-capable (OVG)')
    assert 'Microsoft Teams Phone with Calling Plan OVG (NCE COM BAS 1MO)' in note
    assert 'quantity 5' in note
    assert 'Office 365 E3' not in note
    assert store.get_customer(CONTOSO).ovg_asset_ids == (payload['asset']['id'],)


def test_a_change_only_raising_an_ovg_quantity_is_skipped(app, connect, sim):
    app.dependencies._service = UntouchableService()
    payload = load_request('change_raises_ovg')
    connect.add_conversation(payload['id'])

    result = app.handle_change_request(payload)

    assert result.status == ResultType.SKIP
    assert sim.calls.all() == []
    assert connect.calls == []


def test_a_new_tenant_is_noted_as_unknown_when_pending_and_completed_when_approved(
    app, connect, store, sim,
):
    pending = load_request('purchase_ovg_new_tenant')
    connect.add_conversation(pending['id'])

    assert app.handle_purchase_request(pending).status == ResultType.SUCCESS

    [first] = connect.notes(pending['id'])
    assert 'Microsoft tenant not known yet' in first
    assert 'A note follows when this request is approved and the tenant is known.' in first
    assert 'Office 365 E3' not in first
    assert sim.calls.all() == []
    assert store.get_customer(CONTOSO).tenant_id is None

    approved = set_param({**pending, 'status': 'approved'}, 'ms_customer_id',
                         demo.READY_CUSTOMER_ID)
    assert app.handle_purchase_request(approved).status == ResultType.SUCCESS

    second = connect.notes(pending['id'])[1]
    assert f'Microsoft tenant {demo.READY_CUSTOMER_ID}' in second
    assert 'Overage: OFF.' in second
    assert marker_of(second) not in (None, marker_of(first))
    assert store.get_customer(CONTOSO).tenant_id == demo.READY_CUSTOMER_ID


def test_approved_without_a_tenant_id_says_which_parameter_is_missing(app, connect):
    payload = load_request('purchase_ovg_new_tenant', status='approved')
    connect.add_conversation(payload['id'])

    app.handle_purchase_request(payload)

    [note] = connect.notes(payload['id'])
    assert 'no Microsoft tenant id (parameter ms_customer_id or microsoft_tenant_id)' in note


def test_overage_enabled_to_our_azure_subscription_is_named(app, connect):
    payload = set_param(load_request('purchase_ovg_existing_tenant'), 'microsoft_tenant_id',
                        demo.ENABLED_CUSTOMER_ID)
    connect.add_conversation(payload['id'])

    app.handle_purchase_request(payload)

    [note] = connect.notes(payload['id'])
    assert 'Overage: ON. Overage charges go to Azure subscription' in note
    assert demo.ENABLED_ENTITLEMENT_ID in note
    assert 'under Azure plan' in note


def test_overage_held_by_another_partner_says_the_next_step_and_the_handover(app, connect):
    payload = set_param(load_request('purchase_ovg_existing_tenant'), 'microsoft_tenant_id',
                        demo.HELD_CUSTOMER_ID)
    connect.add_conversation(payload['id'])

    app.handle_purchase_request(payload)

    [note] = connect.notes(payload['id'])
    assert 'Overage: held by another partner' in note
    assert f'partner id {demo.OTHER_PARTNER_MPN_ID}' in note
    [next_step] = [line for line in note.splitlines() if line.startswith('Next step: ')]
    assert 'set overage to None' in next_step
    assert 'in Manage Overage, request a handover' in next_step
    assert 'Communications Credits' not in note


def test_a_tenant_partner_center_does_not_know_is_explained_in_the_note(app, connect):
    payload = set_param(load_request('purchase_ovg_existing_tenant'), 'microsoft_tenant_id',
                        demo.UNKNOWN_CUSTOMER_ID)
    connect.add_conversation(payload['id'])

    result = app.handle_purchase_request(payload)

    assert result.status == ResultType.SUCCESS
    [note] = connect.notes(payload['id'])
    assert 'Overage: could not be read from Partner Center.' in note
    assert 'Next step: ' in note


@pytest.mark.parametrize('status', ['pending', 'approved'])
def test_both_subscribed_statuses_are_handled(app, connect, status):
    payload = load_request('change_adds_ovg', status=status)
    connect.add_conversation(payload['id'])

    assert app.handle_change_request(payload).status == ResultType.SUCCESS
    [note] = connect.notes(payload['id'])
    assert marker_of(note) is not None


def test_what_the_store_knows_fills_the_gaps_of_the_payload(app, connect, store, sim):
    """A tenant id from an earlier order and the reseller's partner id (a tier-1 parameter,
    never on the asset) are used, and not erased by the read."""
    store.upsert_customer(CONTOSO, tenant_id=demo.READY_CUSTOMER_ID, reseller_mpn='4820002',
                          ovg_asset_ids=['AS-0000-0000-0001'])
    payload = load_request('purchase_ovg_new_tenant')
    connect.add_conversation(payload['id'])

    assert app.handle_purchase_request(payload).status == ResultType.SUCCESS

    [note] = connect.notes(payload['id'])
    assert f'Microsoft tenant {demo.READY_CUSTOMER_ID}' in note
    assert 'Overage: OFF.' in note
    record = store.get_customer(CONTOSO)
    assert record.reseller_mpn == '4820002'
    assert record.ovg_asset_ids == ('AS-0000-0000-0001', payload['asset']['id'])


def test_a_burst_of_orders_shares_the_state_object_not_its_api_json(app, connect, dependencies, sim):
    pending = load_request('purchase_ovg_existing_tenant')
    approved = {**pending, 'status': 'approved'}
    connect.add_conversation(pending['id'])

    app.handle_purchase_request(pending)
    app.handle_purchase_request(approved)

    cached = dependencies.recent_states.get((CONTOSO, demo.READY_CUSTOMER_ID))
    assert isinstance(cached, OverageState)
    assert cached.status == 'disabled'
    assert len(overage_reads(sim)) == 1  # the approved event read the cached state
    [note] = connect.notes(pending['id'])  # and found that it would say the same
    assert 'Overage: OFF.' in note
