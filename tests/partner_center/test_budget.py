"""The shared Partner Center budget: call counts per minute under a fake clock, on both stores.

Each "replica" is a Store of its own over the same database (what two processes or two runner
replicas are); the fake clock moves only when a caller waits, so every figure here is a count of
calls per window, never a throughput.
"""
import logging
from collections import Counter

import pytest
from sqlalchemy.exc import OperationalError

from connect_ext.partner_center.budget import (
    CONFIRMATIONS,
    NOTES,
    PEOPLE,
    SYNC,
    BudgetExhausted,
    BudgetPolicy,
    RateBudget,
    acting_for,
    current_priority,
    scope_of,
)
from connect_ext.store import Store
from testkit.clock import EPOCH, FakeClock
from testkit.databases import BACKENDS, migrated_database


PARTNER = '11111111-1111-1111-1111-111111111111'
CUSTOMER = '22222222-2222-2222-2222-222222222222'
OVERAGE = f'/v1/customers/{CUSTOMER}/subscriptions/overage'
SUBSCRIPTIONS = f'/v1/customers/{CUSTOMER}/subscriptions'


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    with migrated_database(request.param, tmp_path, request) as url:
        yield url


@pytest.fixture
def replicas(database_url):
    stores = [Store(database_url), Store(database_url)]
    yield stores
    for store in stores:
        store.close()


@pytest.fixture
def clock():
    return FakeClock(start=EPOCH)


def budget_of(store, clock, policy=BudgetPolicy()):
    return RateBudget(store.rate_budgets, PARTNER, policy, clock=clock, sleep=clock.sleep)


def max_in_any_minute(times):
    """The most calls in any sliding 60-s window (the simulator's and Microsoft's count)."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 60.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def take_for(budget, clock, priority, seconds, path=OVERAGE, until=None):
    """Take calls at ``priority`` as fast as the budget admits for ``seconds``: their times."""
    times = []
    end = clock() + seconds if until is None else until
    with acting_for(priority):
        while clock() < end:
            budget.take('GET', path, within=3600)
            times.append(clock())
    return times


def test_the_policy_keeps_the_people_share_and_caps_the_sync_within_what_is_left():
    policy = BudgetPolicy(limit_per_minute=500, people_share=0.2, sync_share=0.95)

    assert policy.usable_per_minute == 489  # the people's burst of 10 (+1) kept out of the pace
    assert policy.kept_for_people_per_minute == pytest.approx(489 * 0.2 + 4)
    assert policy.background_per_minute == pytest.approx(489 - (489 * 0.2 + 4))
    assert policy.sync_per_minute == pytest.approx(policy.background_per_minute * 0.95)


def test_only_the_rate_limited_resources_take_from_the_budget_and_reads_spend_the_pair_too():
    assert scope_of('GET', OVERAGE).limited
    assert scope_of('GET', OVERAGE).pair_customer is None
    assert scope_of('PUT', OVERAGE).limited
    assert scope_of('GET', SUBSCRIPTIONS).pair_customer == CUSTOMER
    assert scope_of('GET', f'/v1/customers/{CUSTOMER}').pair_customer == CUSTOMER
    assert not scope_of('GET', f'/v1/customers/{CUSTOMER}/qualifications').limited
    assert not scope_of('GET', '/v1/products/CFQ7TTC0LH18/skus/0001').limited
    assert not scope_of('GET', '/v1/profiles/organization').limited


def test_the_priority_defaults_to_people_and_is_restored_after_a_block():
    assert current_priority() == PEOPLE
    with acting_for(SYNC):
        with acting_for(NOTES):
            assert current_priority() == NOTES
        assert current_priority() == SYNC
    assert current_priority() == PEOPLE
    with pytest.raises(ValueError), acting_for('everyone'):
        pass


def test_two_replicas_syncing_together_share_the_sync_cap_and_never_pass_the_limit(replicas, clock):
    """The small version of the two-replica benchmark: two stores over one database take turns."""
    first, second = (budget_of(store, clock) for store in replicas)
    times = {0: [], 1: []}
    with acting_for(SYNC):
        while clock() < EPOCH + 150:
            for index, budget in enumerate((first, second)):
                budget.take('GET', OVERAGE, within=3600)
                times[index].append(clock())
    every = times[0] + times[1]
    cap = first.policy.sync_per_minute

    assert max_in_any_minute(every) <= int(cap) + 2  # GCRA: the cap, plus its one step of catch-up
    assert len(every) >= 0.99 * cap * 2.5  # 150 s at the sync's cap, between the two
    assert abs(len(times[0]) - len(times[1])) <= 1
    assert first.state().used_last_minute == second.state().used_last_minute >= int(cap) - 1


def test_an_order_burst_and_the_sync_never_take_the_people_share(replicas, clock):
    budget = budget_of(replicas[0], clock)
    background = []
    with acting_for(NOTES):
        # Notes and the sync interleaved, each taking whenever the budget admits it.
        while clock() < EPOCH + 150:
            for priority in (NOTES, SYNC):
                with acting_for(priority):
                    budget.take('GET', OVERAGE, within=3600)
                    background.append(clock())

    policy = budget.policy
    people_share = policy.usable_per_minute * policy.people_share
    assert max_in_any_minute(background) <= policy.usable_per_minute - people_share
    assert max_in_any_minute(background) >= int(policy.background_per_minute) - 1


def test_people_cut_in_front_of_a_busy_background_and_the_total_stays_within_the_limit(
    replicas, clock,
):
    sync_budget, people_budget = (budget_of(store, clock) for store in replicas)
    sync_times, people_times, people_waits = [], [], []
    with acting_for(SYNC):
        for _ in range(800):
            sync_budget.take('GET', OVERAGE, within=3600)
            sync_times.append(clock())
            if len(sync_times) % 40 == 0:
                # A person opens a page: five reads at once, on the other replica.
                with acting_for(PEOPLE):
                    before = clock()
                    for _ in range(5):
                        people_budget.take('GET', SUBSCRIPTIONS, within=60)
                        people_times.append(clock())
                    people_waits.append(clock() - before)

    assert people_waits
    assert max(people_waits) == 0.0
    assert max_in_any_minute(sync_times + people_times) <= sync_budget.policy.limit_per_minute


def test_confirmations_go_before_the_sync_when_both_wait(replicas, clock):
    budget = budget_of(replicas[0], clock)
    take_for(budget, clock, SYNC, 30)  # the sync is at its cap: its due time runs just ahead

    with acting_for(CONFIRMATIONS):
        confirmation_wait = budget.wait_time()

    assert confirmation_wait < budget.wait_time(SYNC)
    assert budget.wait_time(NOTES) <= budget.wait_time(SYNC)


def test_a_429_pauses_every_replica_for_its_retry_after_and_is_counted(replicas, clock):
    first, second = (budget_of(store, clock) for store in replicas)
    first.throttled('GET', OVERAGE, retry_after=30.0)

    assert second.wait_time(PEOPLE) == pytest.approx(30.0)
    with acting_for(SYNC):
        second.take('GET', OVERAGE, within=60)
    assert clock() == pytest.approx(EPOCH + 30.0)
    state = second.state()
    assert state.throttled_last_hour == 1
    assert state.paused_for_seconds == 0.0

    clock.advance(3600)
    assert second.state().throttled_last_hour == 0


def test_a_call_that_would_wait_longer_than_it_may_takes_nothing(replicas, clock):
    budget = budget_of(replicas[0], clock)
    budget.throttled('GET', OVERAGE, retry_after=120.0)

    with pytest.raises(BudgetExhausted) as raised:
        budget.take('GET', OVERAGE, within=60)

    assert raised.value.wait == pytest.approx(120.0)
    assert clock() == EPOCH
    assert budget.state().used_this_minute == 0


def test_one_customer_read_hard_is_held_to_the_pair_limit_while_others_are_not(replicas, clock):
    budget = budget_of(replicas[0], clock)
    with acting_for(NOTES):
        hot = take_for(budget, clock, NOTES, 90, path=SUBSCRIPTIONS)

    assert max_in_any_minute(hot) <= 100
    other = '33333333-3333-3333-3333-333333333333'
    before = clock()
    budget.take('GET', f'/v1/customers/{other}/subscriptions', within=60)
    assert clock() == before


def test_a_store_that_fails_lets_the_call_through_and_says_so(clock, caplog):
    class Failing:
        def take(self, claims, now):
            raise OperationalError('UPDATE', {}, Exception('database is locked'))

    budget = RateBudget(Failing(), PARTNER, clock=clock, sleep=clock.sleep)

    with caplog.at_level(logging.WARNING):
        budget.take('GET', OVERAGE, within=60)

    assert 'calling unpaced' in caplog.text


def test_the_counts_are_per_minute_on_the_settings_view(replicas, clock):
    budget = budget_of(replicas[0], clock)
    clock.advance(60 - clock() % 60)  # the start of a minute
    for _ in range(3):
        budget.take('GET', OVERAGE, within=60)
    assert (budget.state().used_this_minute, budget.state().used_last_minute) == (3, 0)
    clock.advance(60)
    assert (budget.state().used_this_minute, budget.state().used_last_minute) == (0, 3)
    clock.advance(60)
    assert Counter([budget.state().used_this_minute, budget.state().used_last_minute]) == Counter([0, 0])
