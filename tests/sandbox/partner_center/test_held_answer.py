"""The control that holds Microsoft's answer to a customer's next overage PUT (conformance PC-97):
the change is applied at once and answered ``seconds`` later; past the client's read time-out the
answer is lost and the client's retry, under the same ``MS-RequestId``, gets the first answer."""
import threading
import time
import uuid

import pytest
import requests

from sandbox.partner_center import demo
from sandbox.partner_center import faults as f


OVERAGE_PATH = '/subscriptions/overage$'
HOLD = 1.0


def hold_answer(sim, tenant, body):
    return requests.post(f'{sim.api_url}/_simulator/customers/{tenant}/overage/hold-answer',
                         json=body, verify=sim.ca_bundle, timeout=10)


def enable_ready(client):
    return client.update_overage(demo.READY_CUSTOMER_ID, enabled=True,
                                 azure_entitlement_id=demo.READY_ENTITLEMENT_ID)


def test_the_answer_arrives_late_and_the_change_is_applied_at_once(sim, make_client):
    """conformance: PC-97"""
    answer = hold_answer(sim, demo.READY_CUSTOMER_ID.upper(), {'seconds': HOLD})
    assert answer.status_code == 200, answer.text
    assert (answer.json()['kind'], answer.json()['hold_seconds'], answer.json()['times']) == (
        'lost', HOLD, 1)
    client = make_client(read_timeout=5.0)
    written, started = {}, time.monotonic()
    saving = threading.Thread(target=lambda: written.update(state=enable_ready(client)))
    saving.start()

    while sim.world.overage_state(demo.READY_CUSTOMER_ID) is None and time.monotonic() - started < 5:
        time.sleep(0.02)
    applied_after = time.monotonic() - started
    assert saving.is_alive()  # applied, and the answer still on its way
    saving.join(10)

    assert applied_after < HOLD <= time.monotonic() - started
    assert written['state'].azure_entitlement_id == demo.READY_ENTITLEMENT_ID
    puts = sim.calls.matching('PUT', OVERAGE_PATH)
    assert [(c.status, c.fault) for c in puts] == [(200, 'lost')]
    assert len(sim.world.overage[demo.READY_CUSTOMER_ID]) == 1


def test_one_call_only_and_only_the_customers_own(sim, client):
    """conformance: PC-97"""
    assert hold_answer(sim, demo.READY_CUSTOMER_ID, {'seconds': HOLD}).status_code == 200

    def timed(call):
        started = time.monotonic()
        call()
        return time.monotonic() - started

    assert timed(lambda: client.update_overage(
        demo.ENABLED_CUSTOMER_ID, enabled=False, azure_entitlement_id=demo.ENABLED_ENTITLEMENT_ID)) < HOLD
    assert timed(lambda: enable_ready(client)) >= HOLD
    assert timed(lambda: client.update_overage(
        demo.READY_CUSTOMER_ID, enabled=False, azure_entitlement_id=demo.READY_ENTITLEMENT_ID)) < HOLD
    assert [c.fault for c in sim.calls.matching('PUT', OVERAGE_PATH)] == [None, 'lost', None]


def test_past_the_read_time_out_the_answer_is_lost_and_the_retry_gets_the_first_answer(
        sim, make_client):
    """conformance: PC-32, PC-97"""
    hold_answer(sim, demo.READY_CUSTOMER_ID, {'seconds': HOLD})
    client = make_client(read_timeout=0.4)

    written = enable_ready(client)

    assert written.azure_entitlement_id == demo.READY_ENTITLEMENT_ID
    puts = sim.calls.matching('PUT', OVERAGE_PATH)
    assert [(c.status, c.fault) for c in puts] == [(200, 'lost'), (200, None)]
    assert puts[0].request_id == puts[1].request_id
    assert len(sim.world.overage[demo.READY_CUSTOMER_ID]) == 1


@pytest.mark.parametrize(('tenant', 'body', 'status'), [
    (demo.READY_CUSTOMER_ID, {}, 400),
    (demo.READY_CUSTOMER_ID, {'seconds': 0}, 400),
    (demo.READY_CUSTOMER_ID, {'seconds': -1}, 400),
    (demo.READY_CUSTOMER_ID, {'seconds': 'ten'}, 400),
    (demo.READY_CUSTOMER_ID, {'seconds': True}, 400),
    (demo.READY_CUSTOMER_ID, {'seconds': f.MAX_HELD_ANSWER_SECONDS + 1}, 400),
    (demo.READY_CUSTOMER_ID, [1], 400),
    ('not-a-tenant', {'seconds': 1}, 400),
    (str(uuid.uuid4()), {'seconds': 1}, 404),
], ids=['no seconds', 'zero', 'negative', 'text', 'boolean', 'too long', 'not an object',
        'bad tenant', 'unknown tenant'])
def test_the_control_refuses_what_it_cannot_hold_and_holds_nothing(sim, client, tenant, body, status):
    """conformance: PC-97"""
    answer = hold_answer(sim, tenant, body)

    assert answer.status_code == status, answer.text
    assert sim.faults.rules == []
