"""The sync within the shared budget: every call it makes takes from the budget, at the sync's cap,
on a fake clock (counts per window, never throughput)."""
import pytest

from connect_ext.orders.pacing import BudgetPacer
from connect_ext.partner_center.budget import BudgetPolicy, scope_of
from connect_ext.wiring import overage_sync
from sandbox.partner_center import demo
from testkit import services


# Small figures so a handful of customers spans several minutes of the fake clock.
POLICY = BudgetPolicy(limit_per_minute=40, people_share=0.2, sync_share=0.95, people_burst=2)


@pytest.fixture
def budget(store, pc_settings, clock):
    return services.shared_budget(store, pc_settings, clock=clock, sleep=clock.sleep, policy=POLICY)


@pytest.fixture
def pc_client(pc_settings, budget, clock):
    return services.budgeted_client(pc_settings, budget, sleep=clock.sleep, clock=clock)


@pytest.fixture
def recorded(store):
    tenants = [demo.READY_CUSTOMER_ID, demo.ENABLED_CUSTOMER_ID, demo.HELD_CUSTOMER_ID,
               demo.NO_AZURE_PLAN_CUSTOMER_ID, demo.NO_AZURE_SUBSCRIPTION_CUSTOMER_ID,
               demo.LEGACY_AZURE_CUSTOMER_ID]
    for number, tenant in enumerate(tenants, start=1):
        store.upsert_customer(f'TA-2100-0000-{number:04d}', tenant_id=tenant, name=str(number))
    return tenants


def limited_calls(sim):
    return [call for call in sim.calls.all() if scope_of(call.method, call.path).limited]


def test_the_wiring_paces_the_sync_on_the_clients_shared_budget(dependencies, budget, clock):
    sync = overage_sync(dependencies, clock=clock, sleep=clock.sleep, time_budget_seconds=100.0)

    assert isinstance(sync.pacer, BudgetPacer)
    assert sync.pacer.budget is budget


def test_every_call_of_the_sync_takes_from_the_budget_at_the_syncs_cap(
    dependencies, budget, recorded, sim, clock,
):
    sim.calls.clear()
    # The budget counts this minute and the last one: start at a minute's start, so a run of under
    # two minutes is counted whole whatever the clock read before.
    clock.sleep(60.0 - clock() % 60.0)
    start = clock()

    report = overage_sync(dependencies, clock=clock, sleep=clock.sleep, time_budget_seconds=3600).run()

    assert clock() - start < 120.0

    assert sorted(report.refreshed) == sorted(f'TA-2100-0000-{n:04d}' for n in range(1, 7))
    state = budget.state()
    calls = limited_calls(sim)
    assert state.used_this_minute + state.used_last_minute == len(calls) >= len(recorded)
    # Paced at the sync's cap of what people leave: the budget lets the sync run one interval ahead
    # (its tolerance), so len(calls) - 2 intervals at least; which call uses that slack depends on
    # how the read's parallel calls interleave.
    assert clock() - start >= (len(calls) - 2) * 60.0 / POLICY.sync_per_minute - 1e-6
