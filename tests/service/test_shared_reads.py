"""One Partner Center read per page open (issue 15 item 3): the state and options requests at once
share one read, across threads and across processes (two services, each with its own client and
its own Store over one database); a change reads Microsoft again; the Azure plan ids outlive the
process. Calls are counted in the simulator's log; time is the services' fake clock."""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from connect_ext.config import Settings
from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import OverageFacts
from connect_ext.partner_center.budget import RateBudget, scope_of
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.models import Overage
from connect_ext.service.overage import OverageService
from connect_ext.service.reads import SHARED_READ_SECONDS, shared_reads
from connect_ext.store import Store
from sandbox.partner_center import demo, faults
from testkit import services
from testkit.callers import OWNER_CALLER as OWNER
from testkit.clock import EPOCH, FakeClock, FakeDatetimeClock
from testkit.customers import customer_ref as customer
from testkit.databases import BACKENDS, migrated_database


READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
VARIANT = services.WEB_API
# What one full read of READY asks Partner Center (one Azure plan).
ONE_READ = {
    f'/v1/customers/{demo.READY_CUSTOMER_ID}',
    f'/v1/customers/{demo.READY_CUSTOMER_ID}/qualifications',
    f'/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions',
    f'/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions/overage',
    f'/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions/{demo.READY_PLAN_ID}/azureEntitlements',
}


@pytest.fixture
def now():
    """The services' clock (the shared reads' time): still until a test moves it."""
    return FakeDatetimeClock(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))


@pytest.fixture
def open_services(sim, clock, now):
    """``make(store)``: a service as a process of its own builds it (its own client) on ``store``."""
    made = []

    def make(store, *, window=SHARED_READ_SECONDS, **client_options):
        pc_settings = services.variant_pc_settings(sim, VARIANT)
        client = PartnerCenterClient(pc_settings, sleep=clock.sleep, clock=clock, **client_options)
        service = OverageService(client, store, services.variant_settings(pc_settings, store, VARIANT),
                                 now=now, sleep=clock.sleep, confirm_delays=VARIANT.confirm_delays,
                                 shared_read_seconds=window)
        made.append(service)
        return service

    yield make
    for service in made:
        service.executor.shutdown(wait=False)


def reads(sim):
    """The GETs Partner Center saw on the customer's resources, in order."""
    return [call.path for call in sim.calls.all()
            if call.method == 'GET' and call.path.startswith('/v1/customers/')]


def open_page(service_of_state, service_of_options):
    """The page's two requests at once."""
    with ThreadPoolExecutor(max_workers=2) as pair:
        state = pair.submit(service_of_state.state, READY, OWNER)
        options = pair.submit(service_of_options.options, READY, OWNER)
        return state.result(), options.result()


def test_state_and_options_at_once_read_partner_center_once(sim, store, open_services):
    sim.faults.add(faults.latency(150))  # the two requests overlap, as on a real tenant
    service = open_services(store)

    state, options = open_page(service, service)

    assert sorted(reads(sim)) == sorted(ONE_READ)
    assert state.status == options.state.status == 'disabled'
    assert state.etag == options.state.etag
    assert {sub.entitlement.id for plan in options.azure_plans for sub in plan.azure_subscriptions} \
        == {demo.READY_ENTITLEMENT_ID, demo.READY_SECOND_ENTITLEMENT_ID}


@pytest.mark.parametrize('backend', BACKENDS)
def test_two_processes_opening_at_once_read_once(backend, sim, clock, tmp_path, request, open_services):
    with migrated_database(backend, tmp_path, request) as url:
        stores = [Store(url), Store(url)]
        try:
            sim.faults.add(faults.latency(150))
            first, second = open_services(stores[0]), open_services(stores[1])

            state, options = open_page(first, second)

            assert sorted(reads(sim)) == sorted(ONE_READ)
            assert state.etag == options.state.etag
        finally:
            for store in stores:
                store.close()


# 0: requests one after another never share a read; one arriving during another's still does.
@pytest.mark.parametrize('window', [SHARED_READ_SECONDS, 0.0])
def test_a_request_arriving_while_another_process_reads_waits_for_that_read(
    sim, store, open_services, window,
):
    first = open_services(store, window=window)
    second = open_services(Store(store.url), window=window)
    hold = threading.Event()
    reading = threading.Event()
    original = first.client.get_overage

    def slow_overage(*args, **kwargs):
        reading.set()
        assert hold.wait(10), 'the test never released the first read'
        return original(*args, **kwargs)

    first.client.get_overage = slow_overage
    with ThreadPoolExecutor(max_workers=2) as pair:
        state = pair.submit(first.state, READY, OWNER)
        assert reading.wait(10)
        options = pair.submit(second.options, READY, OWNER)
        # The second process holds off while the first one's read is under way...
        with pytest.raises(TimeoutError):
            options.result(timeout=0.5)
        hold.set()
        state.result(), options.result()

    # ...and answers from it: Partner Center was read once.
    assert sorted(reads(sim)) == sorted(ONE_READ)
    second.store.close()


def test_a_read_answers_requests_within_its_window_only(sim, store, open_services, now):
    service = open_services(store)
    service.state(READY, OWNER)
    sim.calls.clear()

    now.advance(SHARED_READ_SECONDS - 0.5)
    service.options(READY, OWNER)
    assert reads(sim) == []

    now.advance(1.0)  # the kept read started more than the window before this request
    service.state(READY, OWNER)
    assert sorted(reads(sim)) == sorted(ONE_READ)


def test_with_no_window_requests_one_after_another_each_read(sim, store, open_services):
    service = open_services(store, window=0.0)
    service.state(READY, OWNER)
    sim.calls.clear()

    service.options(READY, OWNER)

    assert sorted(reads(sim)) == sorted(ONE_READ)


def test_a_change_never_uses_the_kept_read(sim, store, open_services):
    service = open_services(store)
    opened = service.state(READY, OWNER)
    # Someone changes it outside the extension right after the page opened.
    sim.world.set_overage(demo.READY_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID, demo.READY_ENTITLEMENT_ID)
    sim.calls.clear()

    with pytest.raises(OverageError) as caught:
        service.enable(READY, OWNER, demo.READY_SECOND_ENTITLEMENT_ID, if_match=opened.etag)

    assert caught.value.code == 'STALE_STATE'
    assert f'/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions/overage' in reads(sim)
    assert not [call for call in sim.calls.all() if call.method == 'PUT']


def test_after_a_change_the_next_open_reads_again(sim, store, open_services):
    service = open_services(store)
    service.state(READY, OWNER)  # kept, fresh for a few seconds

    service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
    sim.calls.clear()
    state = service.state(READY, OWNER)

    assert state.status == 'enabled'
    assert sorted(reads(sim)) == sorted(ONE_READ)


@pytest.mark.parametrize('read_by', ['an open', 'a change'])
def test_a_new_process_reads_in_one_round_with_the_plan_ids_in_the_store(
    sim, store, open_services, now, read_by,
):
    open_services(store).state(READY, OWNER)
    now.advance(SHARED_READ_SECONDS + 1)  # the kept read is too old: the new process reads
    restarted = open_services(Store(store.url))  # new objects, the same database
    sim.calls.clear()
    listed = threading.Event()
    rounds = []
    plain_subscriptions = restarted.client.list_subscriptions
    plain_entitlements = restarted.client.list_azure_entitlements

    def subscriptions(*args, **kwargs):
        # One round: the entitlements are asked for before the subscriptions answer.
        rounds.append(1 if listed.wait(3) else 2)
        return plain_subscriptions(*args, **kwargs)

    def entitlements(*args, **kwargs):
        listed.set()
        return plain_entitlements(*args, **kwargs)

    restarted.client.list_subscriptions = subscriptions
    restarted.client.list_azure_entitlements = entitlements

    if read_by == 'an open':
        state = restarted.state(READY, OWNER)
        assert rounds == [1]
        assert sorted(reads(sim)) == sorted(ONE_READ)
        assert state.status == 'disabled'
    else:  # not shared: the read before the write, and the one after it
        result = restarted.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
        assert rounds == [1, 1]
        assert result.state.status == 'enabled'
    restarted.store.close()


def test_the_very_first_read_of_a_tenant_takes_two_rounds_and_keeps_its_plan_ids(sim, store, open_services):
    service = open_services(store)

    service.state(READY, OWNER)

    paths = reads(sim)
    assert paths.index(f'/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions/{demo.READY_PLAN_ID}'
                       '/azureEntitlements') == len(paths) - 1
    assert store.partner_center_reads.get(demo.READY_CUSTOMER_ID).plan_ids == (demo.READY_PLAN_ID,)


def test_a_failed_read_lets_the_waiting_request_read_itself(sim, store, open_services):
    first, second = open_services(store), open_services(Store(store.url))
    sim.faults.add(faults.server_error(503, path='/subscriptions/overage$', times=2))

    with pytest.raises(OverageError):
        first.state(READY, OWNER)

    assert store.partner_center_reads.get(demo.READY_CUSTOMER_ID).lease_owner is None
    assert second.state(READY, OWNER).status == 'disabled'
    second.store.close()


def test_a_store_that_fails_lets_each_request_read_alone(sim, store, open_services, monkeypatch, caplog):
    service = open_services(store)

    def broken(*_args, **_kwargs):
        raise OperationalError('SELECT', {}, Exception('database is down'))

    monkeypatch.setattr(store.partner_center_reads, 'get', broken)
    with caplog.at_level(logging.WARNING, logger='connect_ext.service.reads'):
        assert service.state(READY, OWNER).status == 'disabled'
        assert service.options(READY, OWNER).state.status == 'disabled'

    assert len(reads(sim)) == 2 * len(ONE_READ)  # each read alone
    assert 'reading alone' in caplog.text


def test_a_page_open_of_two_processes_takes_one_read_from_the_shared_budget(
    sim, store, open_services, now,
):
    """A small budget run on a fake clock: the open's calls counted in the budget's minute."""
    sim.faults.add(faults.latency(100))
    time = FakeClock(start=EPOCH)
    budget_of = lambda each: RateBudget(each.rate_budgets, demo.DISTRIBUTOR_TENANT_ID,  # noqa: E731
                                        clock=time, sleep=time.sleep)
    other = Store(store.url)
    first = open_services(store, budget=budget_of(store))
    second = open_services(other, budget=budget_of(other))
    first.state(READY, OWNER)  # the tenant's plan ids are known from here on
    time.advance(60.0)
    now.advance(60.0)
    sim.calls.clear()

    open_page(first, second)

    limited = [path for path in ONE_READ if scope_of('GET', path).limited]
    assert sorted(reads(sim)) == sorted(ONE_READ)
    assert budget_of(store).state().used_this_minute == len(limited) == 4
    other.close()


def test_a_request_after_a_change_never_joins_a_read_that_started_before_it(store, now):
    """Within one process: a read under way when a change ends is not handed to a later request."""
    reads_ = shared_reads(store, Settings(database_url=store.url), now)
    started, release = threading.Event(), threading.Event()
    gathered = []

    def gather(_known):
        gathered.append(threading.current_thread().name)
        first = len(gathered) == 1
        if first:
            started.set()
            assert release.wait(10)
        return OverageFacts(customer=READY, caller=OWNER, overage=Overage(overage_enabled=not first))

    with ThreadPoolExecutor(max_workers=2) as pool:
        before = pool.submit(reads_.read, READY, OWNER, gather)
        assert started.wait(10)
        reads_.forget(READY)  # a change ended meanwhile
        after = pool.submit(reads_.read, READY, OWNER, gather)
        assert after.result(10).overage.overage_enabled is True  # its own read, after the change
        release.set()
        assert before.result(10).overage.overage_enabled is False

    assert len(gathered) == 2
