"""The token bucket and the SYNC_RATE_SHARE variable, on a fake clock."""
import pytest

from connect_ext.config import DEFAULT_SYNC_RATE_SHARE as DEFAULT_RATE_SHARE
from connect_ext.config import Settings
from connect_ext.orders.pacing import PARTNER_CENTER_REQUESTS_PER_MINUTE, TokenBucket


@pytest.fixture
def clock_start():
    """The bucket's figures count from zero."""
    return 0.0


def test_a_full_bucket_bursts_its_capacity_then_paces_at_its_rate(clock):
    bucket = TokenBucket(2.0, capacity=3, clock=clock, sleep=clock.sleep)

    times = []
    for _ in range(7):
        assert bucket.acquire()
        times.append(clock())

    assert times == [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0]


def test_idle_time_refills_up_to_the_capacity_only(clock):
    bucket = TokenBucket(1.0, capacity=2, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.acquire()
    clock.advance(100)

    for _ in range(3):
        bucket.acquire()

    assert clock() == 101.0


def test_a_pause_holds_every_token_for_its_length(clock):
    bucket = TokenBucket(10.0, capacity=10, clock=clock, sleep=clock.sleep)

    bucket.pause(30)
    bucket.acquire()

    assert clock() == pytest.approx(30.0)
    assert bucket.wait_time() == pytest.approx(0.1)


def test_a_wait_past_the_deadline_is_not_started(clock):
    bucket = TokenBucket(0.1, capacity=1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire(deadline=5.0)

    assert not bucket.acquire(deadline=5.0)
    assert clock.slept == []
    assert bucket.acquire(deadline=10.0)
    assert clock() == 10.0


def test_float_rounding_never_makes_it_spin(clock):
    bucket = TokenBucket.for_partner_center(0.8, clock=clock, sleep=clock.sleep)
    clock.advance(1e9)

    for _ in range(5000):
        assert bucket.acquire()

    # One real wait per token beyond the burst, never a run of rounding-sized ones.
    assert len(clock.slept) == 5000 - int(bucket.capacity)
    assert min(clock.slept) > 0.01


def test_the_partner_center_bucket_is_a_share_of_500_a_minute():
    bucket = TokenBucket.for_partner_center(0.5)

    assert bucket.rate == pytest.approx(PARTNER_CENTER_REQUESTS_PER_MINUTE * 0.5 / 60)
    assert bucket.capacity == pytest.approx(bucket.rate)
    assert TokenBucket.for_partner_center(0.01).capacity == 1


@pytest.mark.parametrize(('config', 'share'), [
    ({'SYNC_RATE_SHARE': '0.5'}, 0.5),
    ({'SYNC_RATE_SHARE': ' 1 '}, 1.0),
    ({'SYNC_RATE_SHARE': '0'}, DEFAULT_RATE_SHARE),
    ({'SYNC_RATE_SHARE': '1.5'}, DEFAULT_RATE_SHARE),
    ({'SYNC_RATE_SHARE': '-0.2'}, DEFAULT_RATE_SHARE),
    ({'SYNC_RATE_SHARE': 'nan'}, DEFAULT_RATE_SHARE),
    ({'SYNC_RATE_SHARE': 'lots'}, DEFAULT_RATE_SHARE),
    ({'SYNC_RATE_SHARE': ''}, DEFAULT_RATE_SHARE),
    ({}, DEFAULT_RATE_SHARE),
    (None, DEFAULT_RATE_SHARE),
])
def test_the_rate_share_variable(config, share):
    assert Settings.from_config(config).sync_rate_share == share


@pytest.mark.parametrize(('rate', 'capacity'), [(0, 1), (-1, 1), (1, 0.5)])
def test_a_bucket_that_could_never_give_a_token_is_refused(rate, capacity):
    with pytest.raises(ValueError):
        TokenBucket(rate, capacity)


@pytest.mark.parametrize(('value', 'share'), [
    ('0.3', 0.3),
    (' 0 ', 0.0),
    ('0.9', 0.9),
    ('0.95', 0.2),
    ('-0.1', 0.2),
    ('nan', 0.2),
    ('some', 0.2),
    ('', 0.2),
    (None, 0.2),
])
def test_the_people_rate_share_variable(value, share):
    config = None if value is None else {'PEOPLE_RATE_SHARE': value}

    assert Settings.from_config(config).people_rate_share == share


def test_the_wiring_shares_the_limit_as_the_variables_say():
    from connect_ext.wiring import budget_policy

    policy = budget_policy(Settings.from_config({'PEOPLE_RATE_SHARE': '0.5', 'SYNC_RATE_SHARE': '0.5'}))

    assert (policy.people_share, policy.sync_share) == (0.5, 0.5)
    assert policy.kept_for_people_per_minute > policy.background_per_minute > policy.sync_per_minute
