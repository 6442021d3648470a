"""An order event records when it touched the customer (``last_order_at``), which puts the
customer first in the sync's next claims (issue 16; store/sync_claims.py)."""
from datetime import UTC, datetime

import pytest
from connect.eaas.core.enums import ResultType

from connect_ext.store import Store
from connect_ext.store.sync_claims import PRIORITY_READ_EVERY_HOURS
from sandbox.partner_center import demo
from testkit.clock import FakeDatetimeClock
from testkit.connect_requests import load_request, set_param
from testkit.stores import copied_sqlite


CONTOSO = 'TA-1000-0000-0001'  # the customer of purchase_ovg_existing_tenant
FABRIKAM = 'TA-1000-0000-0002'  # the customer of cancel_ovg
CANCELLED_ASSET = 'AS-6610-2207-1184'


@pytest.fixture
def store_clock():
    # From now: the service records its reads at the real time.
    return FakeDatetimeClock(datetime.now(UTC))


@pytest.fixture
def store(store_template, tmp_path, store_clock):
    store = Store(copied_sqlite(store_template, tmp_path / 'store.sqlite3'), clock=store_clock)
    yield store
    store.close()


def _others(store, count):
    for number in range(count):
        store.upsert_customer(f'TA-9000-0000-{number:04d}', name=f'Other {number}',
                              tenant_id=f'9000{number:04d}-0000-0000-0000-000000000000')


def _first_claimed(store):
    return store.claim_customers_for_sync(worker_id='w', batch_size=1, lease_seconds=60)[0]


def test_a_purchase_records_its_order_and_puts_the_customer_first(app, connect, store,
                                                                  store_clock):
    _others(store, 3)  # never read: the longest unread, first without the order
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])
    ordered_at = store_clock.now

    assert app.handle_purchase_request(payload).status == ResultType.SUCCESS

    record = store.get_customer(CONTOSO)
    assert record.last_order_at == ordered_at
    # The note read it just now; once that read is PRIORITY_READ_EVERY_HOURS old, it comes first.
    store_clock.advance(PRIORITY_READ_EVERY_HOURS * 3600 + 60)
    assert _first_claimed(store).customer_id == CONTOSO


def test_a_cancel_records_its_order_too(app, connect, store, sim):
    store.upsert_customer(FABRIKAM, tenant_id=demo.ENABLED_CUSTOMER_ID, name='Fabrikam Calling',
                          ovg_asset_ids=[CANCELLED_ASSET, 'AS-0000-0000-0002'])
    payload = set_param(load_request('cancel_ovg'), 'subscription_id', 'any')
    connect.add_conversation(payload['id'])

    assert app.handle_cancel_request(payload).status == ResultType.SUCCESS

    assert store.get_customer(FABRIKAM).last_order_at == store.now()
