"""The other partner, played by the simulator's control: the holder releases the customer's
overage, or it moves to yet another partner without being released; what every partner then reads
and may write (conformance PC-90..PC-96)."""
import uuid

import pytest
import requests

from connect_ext.partner_center.errors import PartnerCenterError
from sandbox.partner_center import demo


THIRD_MPN = '5350999'
THIRD_ENTITLEMENT = 'e0710000-0000-4000-8000-000000000999'


def control(sim, path, body=None):
    return requests.post(f'{sim.api_url}/_simulator/customers/{path}', json=body,
                         verify=sim.ca_bundle, timeout=10)


def test_the_holder_releasing_reads_as_off_to_every_partner_after_the_lag(sim, client):
    """conformance: PC-91, PC-93"""
    held = client.get_overage(demo.HELD_CUSTOMER_ID)
    assert (held.overage_enabled, held.partner_id) == (True, demo.OTHER_PARTNER_MPN_ID)

    answer = control(sim, f'{demo.HELD_CUSTOMER_ID}/overage/release')

    assert answer.status_code == 200, answer.text
    assert answer.json() == {'azureEntitlementId': demo.HELD_OTHER_ENTITLEMENT_ID,
                             'partnerId': demo.OTHER_PARTNER_MPN_ID, 'overageEnabled': False,
                             'holder': None}
    released = client.get_overage(demo.HELD_CUSTOMER_ID)
    assert released.overage_enabled is False
    assert released.azure_entitlement_id == demo.HELD_OTHER_ENTITLEMENT_ID


def test_the_release_lags_like_any_write(sim, client, monkeypatch):
    """conformance: PC-91, PC-33"""
    from testkit.clock import FakeClock

    clock = FakeClock()
    monkeypatch.setattr(sim.world, 'clock', clock)
    sim.world.propagation_delay = 30.0

    control(sim, f'{demo.HELD_CUSTOMER_ID}/overage/release')

    assert client.get_overage(demo.HELD_CUSTOMER_ID).overage_enabled is True
    clock.advance(30.0)
    assert client.get_overage(demo.HELD_CUSTOMER_ID).overage_enabled is False


def test_once_released_another_partner_may_enable(sim, client):
    """conformance: PC-92, PC-28"""
    with pytest.raises(PartnerCenterError) as refused:
        client.update_overage(demo.HELD_CUSTOMER_ID, enabled=True,
                              azure_entitlement_id=demo.HELD_ENTITLEMENT_ID)
    assert refused.value.code == '800115'

    control(sim, f'{demo.HELD_CUSTOMER_ID}/overage/release')
    client.update_overage(demo.HELD_CUSTOMER_ID, enabled=True,
                          azure_entitlement_id=demo.HELD_ENTITLEMENT_ID, request_id=str(uuid.uuid4()))

    shown = client.get_overage(demo.HELD_CUSTOMER_ID)
    assert (shown.overage_enabled, shown.azure_entitlement_id) == (True, demo.HELD_ENTITLEMENT_ID)
    assert shown.partner_id == demo.DISTRIBUTOR_MPN_ID


def test_the_overage_may_move_to_yet_another_partner_without_a_release(sim, client):
    """conformance: PC-94"""
    answer = control(sim, f'{demo.HELD_CUSTOMER_ID}/overage/move',
                     {'partner_id': THIRD_MPN, 'azure_subscription_id': THIRD_ENTITLEMENT})

    assert answer.status_code == 200, answer.text
    moved = client.get_overage(demo.HELD_CUSTOMER_ID)
    assert (moved.overage_enabled, moved.partner_id, moved.azure_entitlement_id) == (
        True, THIRD_MPN, THIRD_ENTITLEMENT)
    with pytest.raises(PartnerCenterError) as refused:
        client.update_overage(demo.HELD_CUSTOMER_ID, enabled=True,
                              azure_entitlement_id=demo.HELD_ENTITLEMENT_ID)
    assert refused.value.code == '800115'


MOVE = {'partner_id': THIRD_MPN, 'azure_subscription_id': THIRD_ENTITLEMENT}


@pytest.mark.parametrize(('path', 'body', 'status'), [
    (f'{demo.READY_CUSTOMER_ID}/overage/release', None, 409),
    (f'{demo.READY_CUSTOMER_ID}/overage/move', MOVE, 409),
    (f'{demo.HELD_CUSTOMER_ID}/overage/move', {**MOVE, 'partner_id': 'rival'}, 400),
    (f'{demo.HELD_CUSTOMER_ID}/overage/move', {**MOVE, 'azure_subscription_id': 'nope'}, 400),
    (f'{demo.HELD_CUSTOMER_ID}/overage/move', ['not', 'an', 'object'], 400),
    ('not-a-tenant/overage/release', None, 400),
    (f'{uuid.uuid4()}/overage/release', None, 404),
], ids=['nobody holds it', 'nobody holds it (move)', 'partner id not digits', 'not a guid',
        'not an object', 'bad tenant', 'unknown tenant'])
def test_the_control_refuses_what_it_cannot_play_and_changes_nothing(sim, path, body, status):
    """conformance: PC-95"""
    before = sim.world.overage_state(demo.HELD_CUSTOMER_ID)

    answer = control(sim, path, body)

    assert answer.status_code == status, answer.text
    assert sim.world.overage_state(demo.HELD_CUSTOMER_ID) == before
    assert sim.world.overage_state(demo.READY_CUSTOMER_ID) is None
