"""The scheduled sync over 1,000 customers while Partner Center throttles it: it completes, and
the store ends up telling Microsoft's truth for every customer, including the changes made outside
the extension since the store last looked."""
from datetime import UTC, datetime, timedelta

import pytest

from connect_ext.orders.pacing import TokenBucket
from connect_ext.orders.sync import OverageSync
from connect_ext.store import Store
from sandbox.partner_center import demo, faults
from sandbox.partner_center.faults import RateLimit
from sandbox.partner_center.testing import running_simulator
from testkit.services import make_service
from testkit.simulators import partner_center_client, partner_center_settings
from testkit.world import add_ready_customer, customer_id, distributor_world, entitlement_id, tenant_id


CUSTOMERS = 1000
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
# Partner Center's 500 requests a minute, with a "minute" of three seconds; the sync is let run
# faster than that, so a fast machine meets the limit's 429s. A slow one may not reach the limit,
# so one read in twenty is also answered 429 (seeded), whatever the machine.
LIMIT = RateLimit(500, time_scale=20)
SYNC_RATE = 250.0  # calls per second, above the limit's 166
THROTTLING = [faults.throttle(retry_after=0.05, probability=0.05, path=r'/subscriptions/overage$')]


def known_before(number):
    """What the store last saw: on to our subscription, off, or never set."""
    return ('enabled', 'disabled', 'never')[number % 3]


def truth_after(number):
    """What Microsoft shows now: every tenth customer was changed outside the extension, and every
    fiftieth (from the fifth) was taken by another partner."""
    if number % 50 == 5:
        return 'other_partner'
    before = known_before(number)
    if number % 10 == 0:
        return 'disabled' if before == 'enabled' else 'enabled'
    return 'disabled' if before == 'never' else before


def rival_entitlement(world, number):
    plan = world.add_azure_plan(tenant_id(number), demo.OTHER_PARTNER_TENANT_ID)
    return world.add_entitlement(tenant_id(number), plan, name='Rival subscription')


def build_world():
    world = distributor_world()
    world.add_partner(
        demo.OTHER_PARTNER_TENANT_ID, demo.OTHER_PARTNER_MPN_ID, demo.OTHER_PARTNER_NAME,
        client_id=demo.OTHER_PARTNER_CLIENT_ID, client_secret=demo.OTHER_PARTNER_CLIENT_SECRET,
        refresh_token=demo.OTHER_PARTNER_REFRESH_TOKEN,
    )
    expected = {}
    for number in range(CUSTOMERS):
        add_ready_customer(world, number, entitlements=1)
        ours = entitlement_id(number, 0)
        truth = truth_after(number)
        if truth == 'other_partner':
            rival = rival_entitlement(world, number)
            world.set_overage(tenant_id(number), demo.OTHER_PARTNER_TENANT_ID, rival.id)
            expected[number] = ('other_partner', rival.id)
        elif truth == 'enabled':
            world.set_overage(tenant_id(number), demo.DISTRIBUTOR_TENANT_ID, ours)
            expected[number] = ('enabled', ours)
        elif known_before(number) == 'never' and number % 10:
            expected[number] = ('disabled', None)
        else:
            world.set_overage(tenant_id(number), demo.DISTRIBUTOR_TENANT_ID, ours, enabled=False)
            expected[number] = ('disabled', ours)
    return world, expected


def seed_store(store):
    for number in range(CUSTOMERS):
        before = known_before(number)
        store.upsert_customer(customer_id(number), tenant_id=tenant_id(number), name=f'Customer {number}')
        store.record_overage_state(
            customer_id(number),
            status='disabled' if before == 'never' else before,
            azure_entitlement_id=None if before == 'never' else entitlement_id(number, 0),
            partner_id=None if before == 'never' else demo.DISTRIBUTOR_MPN_ID,
            checked_at=LONG_AGO + timedelta(seconds=number),
        )


@pytest.mark.slow
def test_a_thousand_customers_sync_through_throttling_to_microsofts_truth(tmp_path):
    world, expected = build_world()
    store = Store.migrated(f'sqlite:///{tmp_path}/sync.sqlite3')
    seed_store(store)

    with running_simulator(world, rules=THROTTLING, rate_limit=LIMIT, seed=1000) as sim:
        settings = partner_center_settings(sim, read_timeout=10.0, max_attempts=6)
        service = make_service(partner_center_client(settings), store, settings)
        sync = OverageSync(store, service, pacer=TokenBucket(SYNC_RATE, 20.0),
                           time_budget_seconds=600.0, worker_id='sync-at-scale', batch_size=50)
        report = sync.run()
        throttled = [call for call in sim.calls.all() if call.status == 429]

    assert not report.cut_off
    assert report.failed == {}
    assert len(report.refreshed) == CUSTOMERS
    assert throttled, 'the simulator was meant to throttle the sync'
    seen = {}
    for number in range(CUSTOMERS):
        record = store.get_customer(customer_id(number))
        seen[number] = (record.overage_status, record.azure_entitlement_id)
        assert record.checked_at > LONG_AGO + timedelta(days=1)
    assert seen == expected
    store.close()
