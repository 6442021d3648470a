"""Every injected fault, the rate limiter and the propagation delay, seen through the real client.

Retry waits cost nothing (the client sleeps on a fake clock); the only real waits are the short
read time-outs of the time-out tests.
"""
import time
import uuid

import pytest
import requests

from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.errors import THROTTLED, TIMEOUT, UNAVAILABLE, PartnerCenterError
from sandbox.partner_center import demo
from sandbox.partner_center import faults as f
from testkit.clock import FakeClock


OVERAGE_PATH = '/subscriptions/overage$'
READ_TIMEOUT = 0.4
HOLD = 1.0


def overage_calls(sim, method='GET'):
    return sim.calls.matching(method, OVERAGE_PATH)


def enable_ready(client, **kwargs):
    return client.update_overage(demo.READY_CUSTOMER_ID, enabled=True,
                                 azure_entitlement_id=demo.READY_ENTITLEMENT_ID, **kwargs)


# ---------------------------------------------------------------------- 429
def test_throttled_calls_wait_retry_after_then_succeed(sim, client, clock):
    """conformance: PC-34, PC-42"""
    sim.faults.add(f.throttle(0.25, times=2, method='GET', path=OVERAGE_PATH))

    assert client.get_overage(demo.READY_CUSTOMER_ID) is None

    assert clock.slept == [0.25, 0.25]
    assert [(c.status, c.fault) for c in overage_calls(sim)] == [
        (429, 'throttle'), (429, 'throttle'), (200, None)]
    assert len({c.request_id for c in overage_calls(sim)}) == 1


def test_throttling_that_never_ends_is_a_throttled_error(sim, make_client):
    sim.faults.add(f.throttle(1.5, path=OVERAGE_PATH))
    client = make_client(max_attempts=3)

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(demo.READY_CUSTOMER_ID)

    assert (caught.value.kind, caught.value.status, caught.value.retry_after) == (
        THROTTLED, 429, 1.5)
    assert len(overage_calls(sim)) == 3


# ---------------------------------------------------------------------- 5xx
def test_a_transient_503_is_retried(sim, client, clock):
    sim.faults.add(f.server_error(503, times=1, path=OVERAGE_PATH))

    assert client.get_overage(demo.ENABLED_CUSTOMER_ID).overage_enabled is True

    assert [c.status for c in overage_calls(sim)] == [503, 200]
    assert len(clock.slept) == 1


@pytest.mark.parametrize(('status', 'html', 'code'), [
    (500, False, '800003'), (502, True, None), (503, False, '503'), (504, True, None),
])
def test_a_lasting_5xx_is_unavailable(sim, make_client, status, html, code):
    sim.faults.add(f.server_error(status, html=html, path=OVERAGE_PATH))

    with pytest.raises(PartnerCenterError) as caught:
        make_client(max_attempts=2).get_overage(demo.READY_CUSTOMER_ID)

    assert (caught.value.kind, caught.value.status, caught.value.code) == (UNAVAILABLE, status,
                                                                           code)
    if html:
        assert 'non-JSON' in caught.value.description
    assert [c.status for c in overage_calls(sim)] == [status, status]


# ---------------------------------------------------------------------- time-outs
def test_a_timed_out_put_was_not_applied_and_its_retry_applies_it(sim, make_client):
    """conformance: PC-41"""
    sim.faults.add(f.timeout(HOLD, times=1, method='PUT'))
    client = make_client(read_timeout=READ_TIMEOUT)

    written = enable_ready(client)

    assert written.overage_enabled is True
    puts = overage_calls(sim, 'PUT')
    assert [(c.status, c.fault) for c in puts] == [(504, 'timeout'), (200, None)]
    assert puts[0].request_id == puts[1].request_id
    assert len(sim.world.overage[demo.READY_CUSTOMER_ID]) == 1


def test_a_put_that_always_times_out_is_a_timeout_error_and_changes_nothing(sim, make_client):
    sim.faults.add(f.timeout(HOLD, method='PUT'))
    client = make_client(read_timeout=READ_TIMEOUT, max_attempts=2)

    with pytest.raises(PartnerCenterError) as caught:
        enable_ready(client)

    assert caught.value.kind == TIMEOUT
    assert len(overage_calls(sim, 'PUT')) == 2
    assert sim.world.overage_state(demo.READY_CUSTOMER_ID) is None


def test_a_lost_answer_is_retried_under_its_request_id_and_applied_once(sim, clock):
    """The write is applied, its answer never arrives; meanwhile someone moves the overage.
    The retry, with the same MS-RequestId, gets the first answer and re-applies nothing.

    conformance: PC-32, PC-41
    """
    sim.faults.add(f.lost_answer(HOLD, times=1, method='PUT'))
    sim.world.add_entitlement(demo.READY_CUSTOMER_ID, demo.READY_PLAN_ID, name='Elsewhere',
                              entitlement_id='e0710000-0000-4000-8000-0000000000ee')

    def sleep_while_someone_moves_it(seconds):
        sim.world.set_overage(demo.READY_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID,
                              'e0710000-0000-4000-8000-0000000000ee')
        clock.sleep(seconds)

    settings = sim.settings(demo.DISTRIBUTOR_TENANT_ID, read_timeout=READ_TIMEOUT)
    client = PartnerCenterClient(settings, sleep=sleep_while_someone_moves_it, clock=clock)

    written = enable_ready(client)

    assert written.azure_entitlement_id == demo.READY_ENTITLEMENT_ID
    puts = overage_calls(sim, 'PUT')
    assert [(c.status, c.fault) for c in puts] == [(200, 'lost'), (200, None)]
    assert puts[0].request_id == puts[1].request_id
    assert sim.world.overage_state(demo.READY_CUSTOMER_ID).azure_entitlement_id == (
        'e0710000-0000-4000-8000-0000000000ee')


# ---------------------------------------------------------------------- 408
def test_a_408_on_a_read_is_retried(sim, client, clock):
    """conformance: PC-40, PC-42"""
    sim.faults.add(f.request_timeout(times=1, method='GET', path=OVERAGE_PATH))

    assert client.get_overage(demo.ENABLED_CUSTOMER_ID).overage_enabled is True

    assert [(c.status, c.fault) for c in overage_calls(sim)] == [(408, 'error'), (200, None)]
    assert len({c.request_id for c in overage_calls(sim)}) == 1
    assert len(clock.slept) == 1


def test_a_408_on_a_write_may_hide_an_applied_change_and_is_not_sent_again(sim, client):
    """conformance: PC-40"""
    sim.faults.add(f.request_timeout(applied=True, times=1, method='PUT'))

    with pytest.raises(PartnerCenterError) as caught:
        enable_ready(client)

    assert (caught.value.kind, caught.value.status) == (TIMEOUT, 408)
    assert [c.status for c in overage_calls(sim, 'PUT')] == [408]
    assert client.get_overage(demo.READY_CUSTOMER_ID).azure_entitlement_id == (
        demo.READY_ENTITLEMENT_ID)


# ---------------------------------------------------------------------- latency
def test_latency_delays_the_answer(sim, client):
    client.get_overage(demo.READY_CUSTOMER_ID)  # token and connection first
    sim.faults.add(f.latency(150, path=OVERAGE_PATH))

    started = time.perf_counter()
    client.get_overage(demo.READY_CUSTOMER_ID)

    assert time.perf_counter() - started >= 0.15
    assert overage_calls(sim)[-1].fault == 'latency'


# ---------------------------------------------------------------------- rate limiter
def test_the_rate_limiter_answers_429_past_the_limit_and_the_client_waits(
        sim, make_client, clock, monkeypatch):
    """conformance: PC-34, PC-38"""
    monkeypatch.setattr(sim.faults, 'clock', clock)
    sim.faults.set_rate_limit(f.RateLimit(3, time_scale=60))
    client = make_client()
    rival = make_client(demo.OTHER_PARTNER_TENANT_ID)

    for _ in range(4):
        client.get_overage(demo.READY_CUSTOMER_ID)
    rival.get_overage(demo.HELD_CUSTOMER_ID)

    limited = [c for c in sim.calls.all() if c.fault == 'rate_limit']
    assert [(c.status, c.partner) for c in limited] == [(429, demo.DISTRIBUTOR_TENANT_ID)]
    assert clock.slept == [1.0]


def test_microsofts_limits_throttle_one_busy_customer_and_not_the_others(
        sim, make_client, clock, monkeypatch):
    """conformance: PC-35, PC-36, PC-37"""
    monkeypatch.setattr(sim.faults, 'clock', clock)
    sim.faults.set_rate_limits(f.microsoft_rate_limits(time_scale=60))
    client = make_client(max_attempts=1)
    for _ in range(f.ASSUMED_READS_PER_PARTNER_CUSTOMER):
        client.get_customer(demo.READY_CUSTOMER_ID, include_qualifications=False)

    with pytest.raises(PartnerCenterError) as caught:
        client.list_subscriptions(demo.READY_CUSTOMER_ID)
    assert caught.value.kind == THROTTLED
    assert client.list_subscriptions(demo.ENABLED_CUSTOMER_ID)  # another customer
    assert client.get_overage(demo.READY_CUSTOMER_ID) is None  # the overage path's own budget
    assert client.get_qualifications(demo.READY_CUSTOMER_ID) == []  # not throttled


def test_a_rate_limit_beyond_the_budget_is_a_throttled_error(sim, make_client, clock, monkeypatch):
    monkeypatch.setattr(sim.faults, 'clock', clock)
    sim.faults.set_rate_limit(f.RateLimit(1))
    client = make_client(retry_budget_seconds=5)
    client.get_customer(demo.READY_CUSTOMER_ID)  # the customer read; qualifications is free

    with pytest.raises(PartnerCenterError) as caught:
        client.list_subscriptions(demo.READY_CUSTOMER_ID)

    assert (caught.value.kind, caught.value.retry_after) == (THROTTLED, 60.0)
    assert clock.slept == []


# ---------------------------------------------------------------------- propagation
def test_a_write_shows_in_get_only_after_the_propagation_delay(sim, client, monkeypatch):
    """conformance: PC-33"""
    world_clock = FakeClock(start=time.monotonic())
    monkeypatch.setattr(sim.world, 'clock', world_clock)
    sim.world.propagation_delay = 5.0

    written = enable_ready(client)

    assert client.get_overage(demo.READY_CUSTOMER_ID) is None
    world_clock.advance(5.0)
    assert client.get_overage(demo.READY_CUSTOMER_ID) == written


# ---------------------------------------------------------------------- HTTP controls
def control(sim, method, name, **kwargs):
    response = requests.request(method, f'{sim.api_url}/_simulator/{name}',
                                verify=sim.ca_bundle, timeout=5, **kwargs)
    return response.status_code, response.json()


def test_faults_configured_over_http_apply_and_report_their_use(sim, client, clock):
    status, config = control(sim, 'PUT', 'faults', json={
        'seed': 5, 'rules': [{'kind': 'throttle', 'method': 'GET', 'path': OVERAGE_PATH,
                              'retry_after': 0.5, 'times': 1}]})
    assert status == 200
    assert config['rules'][0]['fired'] == 0

    client.get_overage(demo.READY_CUSTOMER_ID)

    assert clock.slept == [0.5]
    assert control(sim, 'GET', 'faults')[1]['rules'][0]['fired'] == 1
    assert control(sim, 'DELETE', 'faults')[1]['rules'] == []


def test_invalid_fault_configuration_is_400(sim):
    status, body = control(sim, 'PUT', 'faults', json={'rules': [{'kind': 'explode'}]})

    assert status == 400
    assert 'explode' in body['error']


def test_rate_limit_configured_over_http(sim):
    status, config = control(sim, 'PUT', 'faults', json={
        'rate_limit': {'requests_per_minute': 500, 'time_scale': 60}})

    assert status == 200
    assert config['rate_limit']['requests_per_minute'] == 500
    assert sim.faults.rate_limit.window == 1.0


def test_call_log_over_http(sim, client):
    correlation = str(uuid.uuid4())
    client.get_overage(demo.READY_CUSTOMER_ID, correlation_id=correlation)

    status, calls = control(sim, 'GET', 'calls')

    assert status == 200
    mine = [c for c in calls if c['correlation_id'] == correlation]
    assert [(c['method'], c['status'], c['partner']) for c in mine] == [
        ('GET', 200, demo.DISTRIBUTOR_TENANT_ID)]
    assert mine[0]['request_id']
    assert mine[0]['at'] > 0
    assert control(sim, 'DELETE', 'calls')[1] == []
    assert control(sim, 'GET', 'calls')[1] == []


def test_reset_over_http_restores_the_world(sim, client):
    enable_ready(client)
    sim.faults.add(f.throttle())

    assert control(sim, 'POST', 'reset')[0] == 200

    assert sim.world.overage_state(demo.READY_CUSTOMER_ID) is None
    assert sim.faults.rules == []


def test_world_over_http_shows_state_and_tunes_delays(sim, client):
    enable_ready(client)

    world = control(sim, 'GET', 'world')[1]
    tuned = control(sim, 'PATCH', 'world', json={'propagation_delay': 2.5})

    ready = next(c for c in world['customers'] if c['id'] == demo.READY_CUSTOMER_ID)
    assert ready['overage']['azureEntitlementId'] == demo.READY_ENTITLEMENT_ID
    assert ready['overage']['holder'] == demo.DISTRIBUTOR_TENANT_ID
    assert {p['mpn_id'] for p in world['partners']} == {demo.DISTRIBUTOR_MPN_ID, demo.OTHER_PARTNER_MPN_ID}
    assert tuned == (200, {'propagation_delay': 2.5, 'token_lifetime': 3599.0,
                           'enforce_mfa': True, 'refresh_token_lifetime': 90 * 86400.0,
                           'revoke_rotated_refresh_tokens': False})
    assert world['enforce_mfa'] is True
    assert control(sim, 'PATCH', 'world', json={'enforce_mfa': 'yes'})[0] == 400
    assert control(sim, 'PATCH', 'world', json={'propagation_delay': 'soon'})[0] == 400
