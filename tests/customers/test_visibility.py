"""A reseller sees what Connect shows its own installation (conformance: CX-01, CX-02, CX-03).

The checks run against the Connect simulator over the tests' customers
(``testkit.customers.connect_world``), with each reseller's own installation API key.
"""
import pytest
from connect.client import ConnectClient

from connect_ext.customers.visibility import ConnectVisibility
from sandbox.connect.app import Faults
from testkit import customers, simulators
from testkit.callers import (
    RESELLER_A_ACCOUNT,
    RESELLER_A_API_KEY,
    RESELLER_B_ACCOUNT,
    RESELLER_B_API_KEY,
    RESELLER_B_TIER,
)
from testkit.customers import ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, NO_TENANT, READY


A_CUSTOMERS = {READY, ENABLED, INDIRECT, NO_TENANT}


class Seconds:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def connect():
    """A fresh Connect world per test (tests move customers), and its faults."""
    world = customers.connect_world()
    faults = Faults()
    with simulators.running_connect(world, faults) as client:
        yield world, faults, client.endpoint


def installation_client(endpoint, api_key):
    return ConnectClient(api_key, endpoint=endpoint, use_specs=False, max_retries=0)


@pytest.fixture
def seconds():
    return Seconds()


@pytest.fixture
def visibility(store, seconds):
    return ConnectVisibility(store, clock=seconds)


def test_a_reseller_sees_the_customers_of_its_chains_and_no_other(connect, visibility, store):
    _world, _faults, endpoint = connect
    client_a = installation_client(endpoint, RESELLER_A_API_KEY)

    assert visibility.check(RESELLER_A_ACCOUNT, READY, client_a) is True
    assert visibility.check(RESELLER_A_ACCOUNT, INDIRECT, client_a) is True
    assert visibility.check(RESELLER_A_ACCOUNT, HELD, client_a) is False
    assert store.seen_at(RESELLER_A_ACCOUNT, READY) is not None
    assert store.seen_at(RESELLER_A_ACCOUNT, HELD) is None


def test_the_refresh_records_every_customer_connect_shows_and_the_overview_lists_them(
        connect, visibility, store):
    _world, _faults, endpoint = connect
    customers.seed(store)

    assert visibility.refresh(RESELLER_A_ACCOUNT, installation_client(endpoint, RESELLER_A_API_KEY))
    assert visibility.refresh(RESELLER_B_ACCOUNT, installation_client(endpoint, RESELLER_B_API_KEY))

    listed_a = {c.customer_id for c in store.list_customers(visible_to=RESELLER_A_ACCOUNT).items}
    listed_b = {c.customer_id for c in store.list_customers(visible_to=RESELLER_B_ACCOUNT).items}
    assert listed_a == A_CUSTOMERS
    assert listed_b == {HELD, NO_AZURE_PLAN}


def test_a_moved_customer_stops_being_visible_to_its_former_reseller(connect, visibility, store,
                                                                     seconds):
    world, _faults, endpoint = connect
    customers.seed(store)
    client_a = installation_client(endpoint, RESELLER_A_API_KEY)
    visibility.refresh(RESELLER_A_ACCOUNT, client_a)
    assert visibility.check(RESELLER_A_ACCOUNT, READY, client_a) is True

    # Connect moves READY's subscription to reseller B's chain.
    world.assets[customers.asset_of(READY)]['tiers']['tier1'] = world._tier(RESELLER_B_TIER)

    # Within the check age the recent answer stands; past it Connect is asked again.
    assert visibility.check(RESELLER_A_ACCOUNT, READY, client_a) is True
    seconds.now += 301
    assert visibility.check(RESELLER_A_ACCOUNT, READY, client_a) is False
    assert store.seen_at(RESELLER_A_ACCOUNT, READY) is None

    # The overview drops it at the next refresh, the other reseller gets it.
    store.record_seen(RESELLER_A_ACCOUNT, [READY])
    seconds.now += 601
    assert visibility.refresh(RESELLER_A_ACCOUNT, client_a) is True
    assert READY not in {c.customer_id for c in
                         store.list_customers(visible_to=RESELLER_A_ACCOUNT).items}
    assert visibility.check(RESELLER_B_ACCOUNT, READY,
                            installation_client(endpoint, RESELLER_B_API_KEY)) is True


def test_a_refresh_runs_at_most_once_per_interval(connect, visibility, seconds):
    _world, _faults, endpoint = connect
    client_a = installation_client(endpoint, RESELLER_A_API_KEY)

    assert visibility.refresh(RESELLER_A_ACCOUNT, client_a) is True
    assert visibility.refresh(RESELLER_A_ACCOUNT, client_a) is False
    seconds.now += 601
    assert visibility.refresh(RESELLER_A_ACCOUNT, client_a) is True


def test_a_truncated_refresh_only_adds(connect, store, seconds):
    _world, _faults, endpoint = connect
    store.record_seen(RESELLER_A_ACCOUNT, ['TA-GONE-0001'])
    visibility = ConnectVisibility(store, clock=seconds, max_refresh_assets=2)

    visibility.refresh(RESELLER_A_ACCOUNT, installation_client(endpoint, RESELLER_A_API_KEY))

    assert store.seen_at(RESELLER_A_ACCOUNT, 'TA-GONE-0001') is not None


def test_a_complete_refresh_drops_what_connect_no_longer_shows(connect, visibility, store):
    _world, _faults, endpoint = connect
    store.record_seen(RESELLER_A_ACCOUNT, ['TA-GONE-0001'])

    visibility.refresh(RESELLER_A_ACCOUNT, installation_client(endpoint, RESELLER_A_API_KEY))

    assert store.seen_at(RESELLER_A_ACCOUNT, 'TA-GONE-0001') is None


def test_connect_failing_refuses_the_check_and_keeps_what_the_refresh_knew(
        connect, visibility, store):
    _world, faults, endpoint = connect
    client_a = installation_client(endpoint, RESELLER_A_API_KEY)
    store.record_seen(RESELLER_A_ACCOUNT, [READY])

    faults.fail('GET', '/subscriptions/assets', 503, times=2)
    with pytest.raises(Exception) as raised:
        visibility.check(RESELLER_A_ACCOUNT, READY, client_a)
    assert getattr(raised.value, 'status_code', None) == 503
    assert visibility.refresh(RESELLER_A_ACCOUNT, client_a) is False
    assert store.seen_at(RESELLER_A_ACCOUNT, READY) is not None


def test_an_unknown_installation_key_is_not_let_through(connect, visibility):
    _world, _faults, endpoint = connect
    with pytest.raises(Exception) as raised:
        visibility.check(RESELLER_A_ACCOUNT, READY, installation_client(endpoint, 'ApiKey nobody'))
    assert getattr(raised.value, 'status_code', None) == 401
