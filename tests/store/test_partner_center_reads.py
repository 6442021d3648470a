"""The ``partner_center_reads`` rows: one lease at a time across processes, a read kept only by its
reader, forgotten by a change; the plan ids kept. Each "process" is a Store of its own over the
same database, on both backends."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from connect_ext.store import Store


TENANT = 'C0570000-0000-4000-8000-00000000AAAA'
FACTS = {'customer': {'id': 'x', 'companyProfile': {'companyName': 'Ünïcode & Co'}},
         'subscriptions': [], 'entitlements': [['PLAN-A', [{'id': 'e1'}]]], 'overage': None,
         'mca_accepted': None}


@pytest.fixture
def other(database_url, clock):
    """Another process on the same database."""
    store = Store(database_url, clock=clock)
    yield store
    store.close()


def test_of_two_processes_asking_at_once_exactly_one_gets_the_lease(store, other):
    rows = [store.partner_center_reads, other.partner_center_reads] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(
            lambda pair: pair[1].lease(TENANT, f'reader-{pair[0]}', now=100.0, until=130.0,
                                       fresh_since=95.0),
            enumerate(rows)))

    assert taken.count(True) == 1
    row = other.partner_center_reads.get(TENANT)
    assert row.lease_owner == f'reader-{taken.index(True)}'
    assert (row.leased_at, row.lease_until) == (100.0, 130.0)


def test_a_kept_read_is_seen_by_the_other_process_and_stops_new_leases_while_fresh(store, other):
    assert store.partner_center_reads.lease(TENANT, 'a', now=100.0, until=130.0, fresh_since=95.0)

    assert store.partner_center_reads.keep(TENANT, 'a', facts=FACTS, read_at=100.0,
                                           plan_ids=['PLAN-A']) is True

    row = other.partner_center_reads.get(TENANT.lower())
    assert (row.facts, row.read_at, row.plan_ids) == (FACTS, 100.0, ('PLAN-A',))
    assert (row.lease_owner, row.leased_at, row.lease_until) == (None, None, None)
    # Fresh for a request that arrived within the window: nobody reads again.
    assert not other.partner_center_reads.lease(TENANT, 'b', now=103.0, until=133.0, fresh_since=98.0)
    # Older than the window of a later request: that one reads.
    assert other.partner_center_reads.lease(TENANT, 'c', now=106.0, until=136.0, fresh_since=101.0)


def test_a_live_lease_holds_others_off_until_it_runs_out(store, other):
    assert store.partner_center_reads.lease(TENANT, 'a', now=100.0, until=130.0, fresh_since=95.0)

    assert not other.partner_center_reads.lease(TENANT, 'b', now=129.0, until=159.0, fresh_since=124.0)
    assert other.partner_center_reads.lease(TENANT, 'b', now=130.0, until=160.0, fresh_since=125.0)
    # The reader whose lease ran out finds its read is not kept: another reads now.
    assert store.partner_center_reads.keep(TENANT, 'a', facts=FACTS, read_at=100.0, plan_ids=[]) is False
    assert store.partner_center_reads.get(TENANT).facts is None


def test_a_released_lease_lets_a_waiter_read_at_once(store, other):
    assert store.partner_center_reads.lease(TENANT, 'a', now=100.0, until=130.0, fresh_since=95.0)

    store.partner_center_reads.release(TENANT, 'a')

    assert other.partner_center_reads.lease(TENANT, 'b', now=101.0, until=131.0, fresh_since=96.0)


def test_forgetting_drops_the_read_and_the_lease_and_keeps_the_plan_ids(store, other):
    store.partner_center_reads.lease(TENANT, 'a', now=100.0, until=130.0, fresh_since=95.0)
    store.partner_center_reads.keep(TENANT, 'a', facts=FACTS, read_at=100.0, plan_ids=['PLAN-A'])
    assert store.partner_center_reads.lease(TENANT, 'b', now=101.0, until=131.0, fresh_since=50.0) is False
    store.partner_center_reads.lease(TENANT, 'late', now=200.0, until=230.0, fresh_since=195.0)

    other.partner_center_reads.forget(TENANT)

    row = store.partner_center_reads.get(TENANT)
    assert (row.facts, row.read_at, row.lease_owner, row.plan_ids) == (None, None, None, ('PLAN-A',))
    # A read that started before the change is not kept after it.
    assert store.partner_center_reads.keep(TENANT, 'late', facts=FACTS, read_at=200.0, plan_ids=[]) is False
    assert store.partner_center_reads.lease(TENANT, 'b', now=201.0, until=231.0, fresh_since=196.0)


def test_the_plan_ids_of_a_read_nobody_shares_are_kept_for_every_process(store, other):
    assert store.partner_center_reads.get(TENANT) is None

    store.partner_center_reads.remember_plans(TENANT, ['PLAN-A', 'PLAN-B'])
    other.partner_center_reads.remember_plans(TENANT, ['PLAN-B'])

    assert store.partner_center_reads.get(TENANT).plan_ids == ('PLAN-B',)
    assert store.partner_center_reads.get(TENANT).facts is None


def test_a_blank_tenant_is_refused(store):
    with pytest.raises(ValueError):
        store.partner_center_reads.lease(' ', 'a', now=1.0, until=2.0, fresh_since=0.0)
    with pytest.raises(ValueError):
        store.partner_center_reads.get('')
