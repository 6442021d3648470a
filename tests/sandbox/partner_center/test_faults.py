"""Fault rules and the rate limiter as plain Python: matching, counting, seeded randomness."""
import pytest

from sandbox.partner_center import faults as f
from testkit.clock import FakeClock


OVERAGE = '/v1/customers/c0570000-0000-4000-8000-000000000001/subscriptions/overage'
CUSTOMER = '/v1/customers/c0570000-0000-4000-8000-000000000001'


def test_a_rule_matches_method_and_path_and_defaults_to_the_api_only():
    rule = f.throttle(method='PUT', path='/overage$')

    assert rule.matches('put', OVERAGE)
    assert not rule.matches('GET', OVERAGE)
    assert not rule.matches('PUT', CUSTOMER)
    assert f.server_error().matches('GET', CUSTOMER)
    assert not f.server_error().matches('POST', '/tenant/oauth2/v2.0/token')


def test_times_limits_a_rule_to_the_next_n_matching_calls():
    faults = f.Faults([f.server_error(times=2, path='/overage$')])

    outcomes = [faults.decide('GET', path, 'p').rule for path in
                (CUSTOMER, OVERAGE, CUSTOMER, OVERAGE, OVERAGE)]

    assert [rule is not None for rule in outcomes] == [False, True, False, True, False]
    assert faults.rules[0].exhausted


def test_latency_adds_up_and_the_first_outcome_wins():
    faults = f.Faults([f.latency(100), f.throttle(times=1), f.latency(50), f.server_error()])

    first = faults.decide('GET', OVERAGE, 'p')
    second = faults.decide('GET', OVERAGE, 'p')

    assert (first.delay, first.rule.kind) == (pytest.approx(0.15), 'throttle')
    assert second.rule.kind == 'error'
    assert faults.rules[3].fired == 1  # not consumed while the throttle won


def test_probability_is_reproducible_with_a_seed():
    def fired(seed):
        faults = f.Faults([f.server_error(probability=0.3)], seed=seed)
        return [faults.decide('GET', OVERAGE, 'p').rule is not None for _ in range(200)]

    assert fired(7) == fired(7)
    assert fired(7) != fired(8)
    assert 30 < sum(fired(7)) < 90


def test_jitter_stays_within_bounds_and_repeats_with_the_seed():
    def delays(seed):
        faults = f.Faults([f.latency(100, jitter_ms=40)], seed=seed)
        return [faults.decide('GET', OVERAGE, 'p').delay for _ in range(50)]

    assert delays(1) == delays(1)
    assert all(0.06 <= d <= 0.14 for d in delays(1))
    assert len(set(delays(1))) > 1


def test_rate_limit_counts_each_partner_in_a_sliding_scaled_minute():
    """conformance: PC-38"""
    clock = FakeClock()
    faults = f.Faults(rate_limit=f.RateLimit(2, time_scale=60), clock=clock)

    assert [faults.decide('GET', OVERAGE, 'a').throttled_for for _ in range(2)] == [None, None]
    clock.advance(0.25)
    assert faults.decide('GET', CUSTOMER, 'a').throttled_for == pytest.approx(0.75)
    assert faults.decide('GET', OVERAGE, 'b').throttled_for is None  # another partner
    assert faults.decide('GET', CUSTOMER + '/qualifications', 'a').throttled_for is None
    assert faults.decide('GET', OVERAGE, None).throttled_for is None  # unauthenticated
    clock.advance(0.75)
    assert faults.decide('GET', OVERAGE, 'a').throttled_for is None


@pytest.mark.parametrize('path', [
    CUSTOMER, CUSTOMER + '/subscriptions', CUSTOMER + '/subscriptions/abc',
    CUSTOMER + '/subscriptions/abc/azureEntitlements', OVERAGE,
])
def test_enforced_paths(path):
    assert f.RateLimit(1).applies_to(path)


def test_an_injected_fault_is_not_counted_by_the_rate_limiter():
    faults = f.Faults([f.server_error(times=1)], rate_limit=f.RateLimit(1), clock=FakeClock())

    assert faults.decide('GET', OVERAGE, 'a').rule is not None
    assert faults.decide('GET', OVERAGE, 'a').throttled_for is None
    assert faults.decide('GET', OVERAGE, 'a').throttled_for is not None


# ---------------------------------------------------------------------- Microsoft's throttling
SUBSCRIPTIONS = CUSTOMER + '/subscriptions'
OTHER_CUSTOMER = '/v1/customers/c0570000-0000-4000-8000-000000000002'


@pytest.mark.parametrize(('path', 'documented_read'), [
    (CUSTOMER, True), (SUBSCRIPTIONS, True), (SUBSCRIPTIONS + '/abc', True),
    (SUBSCRIPTIONS + '/abc/azureEntitlements', True),
    (SUBSCRIPTIONS + '/abc/azureentitlements', True),
    (OVERAGE, False), (CUSTOMER + '/qualifications', False), ('/v1/customers', False),
])
def test_the_documented_reads_are_the_customer_its_subscriptions_and_entitlements(
        path, documented_read):
    """conformance: PC-35, PC-37"""
    limits = f.microsoft_rate_limits()

    assert limits[0].applies_to(path) is documented_read
    assert limits[2].applies_to(OVERAGE)
    assert limits[2].applies_to(OVERAGE, 'PUT')
    assert not limits[0].applies_to(CUSTOMER, 'PUT')


def test_microsoft_limits_count_per_partner_and_per_partner_and_customer():
    """500 a minute per partner tenant, a smaller share per partner+customer pair, and the
    overage path apart (assumed).

    conformance: PC-35, PC-36, PC-37
    """
    clock = FakeClock()
    faults = f.Faults(rate_limits=f.microsoft_rate_limits(time_scale=60), clock=clock)
    per_pair = f.ASSUMED_READS_PER_PARTNER_CUSTOMER

    assert all(faults.decide('GET', CUSTOMER, 'a').throttled_for is None for _ in range(per_pair))
    assert faults.decide('GET', SUBSCRIPTIONS, 'a').throttled_for is not None  # this pair is full
    assert faults.decide('GET', OTHER_CUSTOMER, 'a').throttled_for is None  # another customer
    assert faults.decide('GET', CUSTOMER, 'b').throttled_for is None  # another partner
    assert faults.decide('PUT', OVERAGE, 'a').throttled_for is None  # the overage path's own
    clock.advance(1.0)
    assert faults.decide('GET', CUSTOMER, 'a').throttled_for is None


def test_a_call_refused_by_one_limit_is_counted_by_none():
    """conformance: PC-36"""
    clock = FakeClock()
    faults = f.Faults(rate_limits=[
        f.RateLimit(1, time_scale=60, per=f.PER_PARTNER_CUSTOMER),
        f.RateLimit(2, time_scale=60)], clock=clock)

    assert faults.decide('GET', CUSTOMER, 'a').throttled_for is None
    assert faults.decide('GET', CUSTOMER, 'a').throttled_for is not None
    assert faults.decide('GET', OTHER_CUSTOMER, 'a').throttled_for is None  # 2nd of the partner's
    assert faults.decide('GET', OTHER_CUSTOMER, 'a').throttled_for is not None


def test_the_partner_limit_waits_for_the_oldest_call_of_the_partner():
    """conformance: PC-35"""
    clock = FakeClock()
    faults = f.Faults(rate_limits=f.microsoft_rate_limits(time_scale=60), clock=clock)
    for index in range(f.DOCUMENTED_READS_PER_PARTNER):
        customer = f'/v1/customers/{index:08d}-0000-4000-8000-000000000000'
        assert faults.decide('GET', customer, 'a').throttled_for is None
    clock.advance(0.5)

    assert faults.decide('GET', OTHER_CUSTOMER, 'a').throttled_for == pytest.approx(0.5)


def test_a_rate_limit_scope_must_be_known():
    with pytest.raises(ValueError):
        f.RateLimit(1, per='customer')


def test_a_408_is_an_error_rule_and_may_follow_an_applied_write():
    """conformance: PC-40"""
    rule = f.request_timeout(applied=True, method='PUT')

    assert (rule.kind, rule.status, rule.applied) == ('error', 408, True)
    assert rule.matches('PUT', OVERAGE)


@pytest.mark.parametrize('bad', [
    {'kind': 'explode'},
    {'kind': 'error', 'status': 418},
    {'kind': 'throttle', 'probability': 1.5},
    {'kind': 'timeout', 'hold_seconds': -1},
    {'kind': 'latency', 'path': '('},
    {'kind': 'throttle', 'times': -1},
])
def test_invalid_rules_are_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        f.FaultRule(**bad)


def test_configuration_round_trips_through_json_shapes():
    faults = f.Faults()
    faults.configure_from({'seed': 3, 'rules': [{'kind': 'lost', 'method': 'PUT',
                                                 'hold_seconds': 0.5, 'fired': 9}],
                           'rate_limit': {'requests_per_minute': 10, 'time_scale': 6}})

    config = faults.to_dict()

    assert config['seed'] == 3
    assert config['rules'][0]['kind'] == 'lost'
    assert config['rules'][0]['fired'] == 0
    assert config['rate_limit'] == {'requests_per_minute': 10, 'time_scale': 6,
                                    'path': f.ENFORCED_PATHS, 'per': 'partner', 'method': '*',
                                    'name': ''}
    assert config['rate_limits'] == [config['rate_limit']]
    faults.configure_from(config)
    assert faults.to_dict()['rate_limits'] == [config['rate_limit']]
    with pytest.raises(ValueError):
        faults.configure_from({'rate_limit': {'requests_per_minute': 0}})


def test_clear_removes_rules_and_the_rate_limit():
    faults = f.Faults([f.throttle()], rate_limit=f.RateLimit(1))

    faults.clear()

    assert faults.to_dict()['rules'] == []
    assert faults.rate_limit is None


def test_call_log_is_bounded_and_filterable():
    log = f.CallLog(limit=3)
    for index, method in enumerate(['GET', 'PUT', 'GET', 'PUT']):
        log.record(f.Call(method, OVERAGE if method == 'PUT' else CUSTOMER, 200, 'p', None,
                          None, float(index)))

    assert [c.at for c in log.all()] == [1.0, 2.0, 3.0]
    assert [c.at for c in log.matching('put', '/overage$')] == [1.0, 3.0]
    log.clear()
    assert log.all() == []
