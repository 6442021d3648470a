"""The sync purges what the store keeps only for a while before it reads (store/housekeeping.py),
and a purge that fails costs the run nothing but a warning."""
import logging
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from connect_ext.store.housekeeping import PROCESSED_EVENTS_KEPT_DAYS, Purged
from connect_ext.store.models import ProcessedEvent
from sandbox.partner_center import demo
from testkit.syncs import clocked_sync


CUSTOMER = 'TA-2000-0000-0001'


def _processed(store, key, days_ago):
    with store.session() as session:
        session.add(ProcessedEvent(key=key, processed_at=store.now() - timedelta(days=days_ago)))


def test_a_run_purges_old_event_keys_first_then_reads_the_customers(store, service, clock):
    store.upsert_customer(CUSTOMER, tenant_id=demo.READY_CUSTOMER_ID, name='Contoso')
    _processed(store, 'PR-OLD:approved:note', PROCESSED_EVENTS_KEPT_DAYS + 1)
    _processed(store, 'PR-NEW:approved:note', 1)

    report = clocked_sync(store, service, clock, worker_id='w').run()

    assert report.purged == Purged(processed_events=1)
    assert report.purge_failed is None
    assert not store.is_event_processed('PR-OLD:approved:note')
    assert store.is_event_processed('PR-NEW:approved:note')
    assert report.refreshed == [CUSTOMER]
    assert report.summary().startswith(
        'overage sync w: purged 0 expired idempotent answer(s), 1 processed event key(s), '
        '0 order note record(s); awaited changes: ')


def test_a_purge_that_fails_is_logged_and_the_customers_are_still_read(
        store, service, clock, monkeypatch, caplog):
    store.upsert_customer(CUSTOMER, tenant_id=demo.READY_CUSTOMER_ID, name='Contoso')

    def fail():
        raise OperationalError('DELETE FROM processed_events', {}, OSError('disk I/O error'))

    monkeypatch.setattr(store.housekeeping, 'purge', fail)

    with caplog.at_level(logging.WARNING):
        report = clocked_sync(store, service, clock, worker_id='w').run()

    assert report.refreshed == [CUSTOMER]
    assert report.purged == Purged()
    assert 'disk I/O error' in report.purge_failed
    assert report.summary().startswith(f'overage sync w: purge failed ({report.purge_failed}); ')
    assert any('could not purge' in message and 'disk I/O error' in message
               for message in caplog.messages)
