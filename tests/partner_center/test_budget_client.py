"""Every rate-limited attempt the client sends takes from the shared budget, and a 429 pauses it
for every process (``responses`` for Partner Center, the store on SQLite, a fake clock)."""
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import responses

from connect_ext.partner_center.budget import (
    NOTES,
    SYNC,
    BudgetPolicy,
    RateBudget,
    acting_for,
    current_priority,
)
from connect_ext.partner_center.client import POOL_CONNECTIONS, PartnerCenterClient
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.service.gathering import FactsGatherer
from connect_ext.store import Store
from testkit.microsoft_payloads import THROTTLED_BODY
from testkit.partner_center_mock import (
    API_URL,
    CUSTOMER_TENANT,
    OVERAGE_URL,
    PARTNER_TENANT,
    FakeTokens,
    make_settings,
)


OVERAGE_BODY = {'totalCount': 0, 'items': []}


@pytest.fixture
def other_replica(store):
    """A second Store over the same database: what another process or replica sees."""
    other = Store(store.url)
    yield other
    other.close()


def budget_for(store, clock):
    return RateBudget(store.rate_budgets, PARTNER_TENANT, BudgetPolicy(), clock=clock, sleep=clock.sleep)


@pytest.fixture
def make_client(clock, store):
    def build(**overrides):
        budget = budget_for(store, clock)
        client = PartnerCenterClient(
            make_settings(**overrides), token_provider=FakeTokens(), sleep=clock.sleep, clock=clock,
            wall_clock=clock, rng=random.Random(7), budget=budget,
        )
        return client, budget

    return build


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_first_tries_and_retries_each_take_from_the_budget(make_client, mocked):
    client, budget = make_client()
    mocked.add(responses.GET, OVERAGE_URL, status=503, json={})
    mocked.add(responses.GET, OVERAGE_URL, json=OVERAGE_BODY)

    client.get_overage(CUSTOMER_TENANT)

    assert budget.state().used_this_minute == 2


def test_a_429_the_client_absorbed_is_counted_and_paused_for_every_replica(
    make_client, mocked, other_replica, clock,
):
    client, _budget = make_client(max_attempts=1)
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY, headers={'Retry-After': '57'})

    with pytest.raises(PartnerCenterError):
        client.get_overage(CUSTOMER_TENANT)

    elsewhere = budget_for(other_replica, clock)
    assert elsewhere.wait_time(SYNC) == pytest.approx(57.0)
    assert elsewhere.state().throttled_last_hour == 1


def test_a_retried_429_waits_once_and_the_retry_takes_again(make_client, mocked, clock):
    client, budget = make_client()
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY, headers={'Retry-After': '2'})
    mocked.add(responses.GET, OVERAGE_URL, json=OVERAGE_BODY)
    start = clock()

    client.get_overage(CUSTOMER_TENANT)

    assert clock() - start == pytest.approx(2.0)  # Retry-After, not Retry-After twice
    state = budget.state()
    assert (state.used_this_minute + state.used_last_minute, state.throttled_last_hour) == (2, 1)


def test_calls_that_are_not_rate_limited_take_nothing(make_client, mocked):
    client, budget = make_client()
    mocked.add(responses.GET, f'{API_URL}/v1/customers/{CUSTOMER_TENANT}/qualifications', json=[])

    client.get_qualifications(CUSTOMER_TENANT)

    assert budget.state().used_this_minute == 0


def test_no_room_within_the_retry_budget_sends_nothing_and_says_throttled(make_client, mocked, clock):
    client, budget = make_client(retry_budget_seconds=10.0)
    budget.throttled('GET', '/v1/customers/x/subscriptions/overage', retry_after=45.0)

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)  # nothing registered: a call would fail the mock

    assert caught.value.kind == 'throttled'
    assert caught.value.retry_after == pytest.approx(45.0)
    assert clock.slept == []


def test_the_priority_follows_the_calls_into_the_service_threads():
    seen = []

    def call(*, correlation_id):
        seen.append(current_priority())

    with ThreadPoolExecutor(max_workers=4) as executor:
        gatherer = FactsGatherer(client=None, executor=executor)
        with acting_for(NOTES):
            gatherer._in_parallel({key: (call, (), {}) for key in range(4)}, 'c', customer=None)

    assert seen == [NOTES] * 4


def test_the_connection_pool_fits_the_service_threads():
    client = PartnerCenterClient(make_settings(), token_provider=FakeTokens())
    adapter = client._http._session.get_adapter(API_URL)

    assert adapter._pool_maxsize == POOL_CONNECTIONS >= 16
