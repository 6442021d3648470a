"""In the sandbox a handover request completes by itself: the distributor asks through the real
API, the other partner (the Partner Center simulator's control) releases, and the sandbox's periodic
watch enables the overage to the target with nobody coming back."""
import time

import requests

from sandbox import seed
from sandbox.partner_center import demo
from sandbox.server import SandboxServer


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_handover_request_completes_by_itself_once_the_other_partner_releases():
    """conformance: PC-91, PC-92"""
    customer_id = seed.BY_SITUATION['held_by_other_partner'].customer_id
    handover = f'/api/customers/{customer_id}/overage/handover'
    with SandboxServer(pc_lag=0, confirm_every=0.2) as server:
        asked = requests.put(server.url + handover, timeout=30, json={
            'azure_subscription_id': demo.HELD_ENTITLEMENT_ID, 'enable_when_released': True})
        assert asked.status_code == 201, asked.text
        assert server.pc_world.visible_overage(demo.HELD_CUSTOMER_ID).holder == demo.OTHER_PARTNER_TENANT_ID

        released = requests.post(
            f'{server.pc.api_url}/_simulator/customers/{demo.HELD_CUSTOMER_ID}/overage/release',
            verify=server.pc.ca_bundle, timeout=10)
        assert released.status_code == 200, released.text

        def state():
            return requests.get(server.url + handover, timeout=30).json()['state']

        assert _wait_for(lambda: state() == 'enabled')
        shown = server.pc_world.visible_overage(demo.HELD_CUSTOMER_ID)
        assert (shown.enabled, shown.azure_entitlement_id, shown.holder) == (
            True, demo.HELD_ENTITLEMENT_ID, demo.DISTRIBUTOR_TENANT_ID)
        overage = requests.get(f'{server.url}/api/customers/{customer_id}/overage', timeout=30).json()
        assert overage['status'] == 'enabled'
