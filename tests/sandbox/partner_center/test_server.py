"""Running the simulator: the threaded server, the test helpers, the CLI and the demo world."""
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from sandbox.partner_center import demo
from sandbox.partner_center import faults as f
from sandbox.partner_center.server import SimulatorServer
from sandbox.partner_center.testing import running_simulator
from sandbox.partner_center.world import World


ROOT = Path(__file__).resolve().parents[3]


def discovery(base_url, ca_bundle, tenant=demo.DISTRIBUTOR_TENANT_ID):
    url = f'{base_url}/{tenant}/v2.0/.well-known/openid-configuration'
    return requests.get(url, verify=ca_bundle, timeout=5)


def test_server_serves_tls_with_its_own_ca_and_cleans_up():
    with SimulatorServer(demo.demo_world()) as server:
        ca_bundle, port = server.ca_bundle, server.port
        assert server.api_url == server.login_url == f'https://127.0.0.1:{port}'
        assert discovery(server.login_url, ca_bundle).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.api_url + '/v1/profiles/organization', verify=True, timeout=5)

    assert not os.path.exists(ca_bundle)
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', port))  # the port is free again


def test_urls_need_a_started_server():
    server = SimulatorServer(World())

    with pytest.raises(RuntimeError):
        _ = server.api_url
    with pytest.raises(RuntimeError):
        _ = server.ca_bundle


def test_stop_does_not_wait_for_held_answers():
    with running_simulator(rules=[f.lost_answer(30, method='GET')]) as sim:
        settings = sim.settings()
        token = sim.world.issue_app_token(settings.tenant_id, settings.client_id,
                                          settings.client_secret,
                                          'https://api.partnercenter.microsoft.com/.default')[0]
        url = f'{sim.api_url}/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions/overage'

        def held_call():
            with contextlib.suppress(requests.RequestException):
                requests.get(url, headers={'Authorization': f'Bearer {token}'},
                             verify=sim.ca_bundle, timeout=10)

        caller = threading.Thread(target=held_call, daemon=True)
        caller.start()
        while not sim.calls.matching('GET'):
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 2
    caller.join(timeout=5)


def test_running_simulator_takes_faults_and_gives_settings():
    world = demo.demo_world()
    with running_simulator(world, rules=[f.throttle(times=1)], seed=4) as sim:
        admin = sim.settings()
        sales = sim.settings(demo.DISTRIBUTOR_TENANT_ID,
                             refresh_token=demo.DISTRIBUTOR_SALES_AGENT_REFRESH_TOKEN)
        rival = sim.settings(world.partners[demo.OTHER_PARTNER_TENANT_ID], app_only=True,
                             read_timeout=1.0)

        assert sim.world is world
        assert sim.faults.seed == 4
        assert len(sim.faults.rules) == 1
    assert (admin.tenant_id, admin.client_id, admin.client_secret, admin.refresh_token) == (
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_CLIENT_ID, demo.DISTRIBUTOR_CLIENT_SECRET,
        demo.DISTRIBUTOR_REFRESH_TOKEN)
    assert admin.ca_bundle == sim.ca_bundle
    assert admin.api_url == sim.api_url
    assert sales.refresh_token == demo.DISTRIBUTOR_SALES_AGENT_REFRESH_TOKEN
    assert (rival.tenant_id, rival.refresh_token, rival.read_timeout) == (
        demo.OTHER_PARTNER_TENANT_ID, '', 1.0)


@pytest.mark.parametrize('stop_signal', [signal.SIGINT, signal.SIGTERM])
def test_cli_prints_urls_serves_and_stops_cleanly(tmp_path, stop_signal):
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, '-m', 'sandbox.partner_center', '--port', '0', '--demo',
         '--tls-dir', str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, 'PYTHONPATH': str(ROOT)})
    try:
        lines = []
        while not lines or not lines[-1].startswith('Press Ctrl-C'):
            line = process.stdout.readline()
            assert line, ''.join(lines)
            lines.append(line)
        banner = ''.join(lines)
        api_url = re.search(r'PARTNER_CENTER_API_URL\s+= (\S+)', banner).group(1)
        ca_bundle = re.search(r'CA bundle \(verify=\)\s+= (\S+)', banner).group(1)

        assert ca_bundle == str(tmp_path / 'ca.pem')
        assert demo.DISTRIBUTOR_CLIENT_SECRET in banner
        assert discovery(api_url, ca_bundle).status_code == 200

        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert 'stopped' in output
    assert not (tmp_path / 'server.key').exists()


# ---------------------------------------------------------------------- the demo world
def test_demo_ids_are_distinct_guids_and_customers_exist():
    world = demo.demo_world()

    assert len(set(demo.DEMO_CUSTOMERS.values())) == len(demo.DEMO_CUSTOMERS)
    assert set(demo.DEMO_CUSTOMERS.values()) <= set(world.customers)
    assert demo.UNKNOWN_CUSTOMER_ID not in world.customers


def test_demo_customers_cover_each_situation():
    world = demo.demo_world()

    def customer(name):
        return world.customers[demo.DEMO_CUSTOMERS[name]]

    assert world.overage_state(demo.ENABLED_CUSTOMER_ID).holder == demo.DISTRIBUTOR_TENANT_ID
    assert world.overage_state(demo.HELD_CUSTOMER_ID).holder == demo.OTHER_PARTNER_TENANT_ID
    assert not any(s.is_azure_plan for s in world.subscriptions.values()
                   if s.customer_id == demo.NO_AZURE_PLAN_CUSTOMER_ID)
    assert world.entitlements[demo.DISABLED_ENTITLEMENT_ID].status != 'active'
    assert world.subscriptions[demo.LEGACY_AZURE_SUBSCRIPTION_ID].is_legacy_azure
    assert (customer('blocked_country').country, customer('china').country) == ('RU', 'CN')
    assert world.active_overage_subscriptions(demo.NO_OVG_CUSTOMER_ID) == []
    assert customer('education').qualifications == ('Education',)
    assert demo.DISTRIBUTOR_TENANT_ID not in customer('not_our_customer').partners
    assert {s.partner_id for s in world.active_overage_subscriptions(
        demo.OVG_FROM_OTHER_CUSTOMER_ID)} == {demo.OTHER_PARTNER_TENANT_ID}
    assert {s.reseller_mpn for s in world.subscriptions.values()
            if s.customer_id == demo.RESELLER_CUSTOMER_ID} == {demo.RESELLER_MPN_ID}
