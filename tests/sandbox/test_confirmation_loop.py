"""The sandbox's background confirmation pass: it runs every few seconds on the web app's own store
and service, confirms what Microsoft now shows, and stops with the sandbox."""
import time
from datetime import timedelta

from connect_ext import wiring
from connect_ext.config import Settings
from sandbox import seed
from sandbox.partner_center import demo
from sandbox.server import SandboxServer


def _wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_loop_confirms_an_awaited_change_and_stops_with_the_sandbox():
    customer_id = seed.BY_SITUATION['enabled'].customer_id
    with SandboxServer(pc_lag=0, confirm_every=0.2) as server:
        loop = server.confirmations
        store = wiring.store_for(Settings.from_config(server.variables))
        now = store.now()
        # An enable Microsoft accepted a moment ago, which it shows by now.
        store.confirmations.begin(
            customer_id, action='enable', from_enabled=False, from_entitlement=None, to_enabled=True,
            to_entitlement=demo.ENABLED_ENTITLEMENT_ID, audit_id=1, requested_at=now,
            confirm_by=now + timedelta(minutes=60), actor_type='owner',
        )

        assert _wait_for(lambda: store.confirmations.get(customer_id) is None)
        entry = store.list_audit(customer_id=customer_id).items[0]
        assert (entry.outcome, entry.details['confirms']) == ('confirmed', 1)
        assert loop._thread.is_alive()

    assert not loop._thread.is_alive()
    assert server.confirmations is None


def test_no_loop_when_told_not_to_run_one():
    with SandboxServer(pc_lag=0, confirm_every=0) as server:
        assert server.confirmations is None
