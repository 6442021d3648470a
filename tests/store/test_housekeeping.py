"""The purge of what the store keeps only for a while (connect_ext.store.housekeeping), on both
backends: only what outlived its keeping goes, in bounded batches, and nothing else is touched."""
import threading

import pytest
from sqlalchemy import update

from connect_ext.store.housekeeping import (
    ORDER_NOTES_KEPT_DAYS,
    PROCESSED_EVENTS_KEPT_DAYS,
    Housekeeping,
    Purged,
)
from connect_ext.store.models import OrderNote
from testkit.threads import at_once


DAY = 86400


def _answer(store, key, ttl_seconds):
    return store.save_idempotent_response('TA-0001', key, 'sha-a', 200, {'ok': True}, None,
                                          ttl_seconds=ttl_seconds)


def _note(store, request_id):
    return store.order_notes.record(request_id, conversation_id='CO-1', fingerprint='aaaa0001',
                                    message_id='ME-1')


def test_an_empty_store_has_nothing_to_purge(store):
    purged = store.housekeeping.purge()

    assert purged == Purged()
    assert (purged.total, purged.summary()) == (0, 'nothing to purge')


def test_only_expired_idempotent_answers_go(store, clock):
    _answer(store, 'short', ttl_seconds=10)
    _answer(store, 'long', ttl_seconds=1000)
    clock.advance(10)

    assert store.housekeeping.purge().idempotency_keys == 1
    assert store.housekeeping.purge().idempotency_keys == 0
    assert store.get_idempotent_response('TA-0001', 'long') is not None
    clock.advance(1000)
    assert store.housekeeping.purge().idempotency_keys == 1
    # The key is free again: a new answer can be saved under it.
    assert _answer(store, 'long', ttl_seconds=60) is True


def test_processed_event_keys_go_after_their_keeping_and_the_event_counts_as_new(store, clock):
    store.mark_event_processed('PR-1:pending:note', {'note': 'posted'})
    clock.advance(DAY)
    store.mark_event_processed('PR-2:pending:note')
    clock.advance(PROCESSED_EVENTS_KEPT_DAYS * DAY - DAY)

    # PR-1's key is exactly as old as its keeping: it stays until it is older.
    assert store.housekeeping.purge() == Purged()
    clock.advance(1)
    assert store.housekeeping.purge() == Purged(processed_events=1)

    assert not store.is_event_processed('PR-1:pending:note')
    assert store.is_event_processed('PR-2:pending:note')
    assert store.mark_event_processed('PR-1:pending:note') is True


def test_order_note_records_go_after_their_last_note_not_their_first(store, clock):
    _note(store, 'PR-OLD')
    _note(store, 'PR-KEPT')
    clock.advance(ORDER_NOTES_KEPT_DAYS * DAY - 60)
    # PR-KEPT gets a later note: its keeping counts from that one.
    _note(store, 'PR-KEPT')
    clock.advance(61)

    purged = store.housekeeping.purge()

    assert purged == Purged(order_notes=1)
    assert purged.summary() == ('purged 0 expired idempotent answer(s), 0 processed event key(s), '
                                '1 order note record(s)')
    assert store.order_notes.last('PR-OLD') is None
    assert store.order_notes.last('PR-KEPT').message_ids == ('ME-1',)


def test_the_purge_leaves_the_audit_trail_and_the_customers(store, clock):
    store.upsert_customer('TA-0001', name='Contoso')
    store.record_audit(customer_id='TA-0001', actor_type='owner', action='enable', outcome='succeeded')
    store.mark_event_processed('PR-1:pending:note')
    clock.advance((PROCESSED_EVENTS_KEPT_DAYS + 1) * DAY)

    assert store.housekeeping.purge() == Purged(processed_events=1)

    assert store.get_customer('TA-0001') is not None
    assert store.list_audit(customer_id='TA-0001').total == 1


def test_a_purge_deletes_at_most_its_batches_and_the_next_one_goes_on(store, clock):
    for number in range(5):
        store.mark_event_processed(f'PR-{number}:approved:note')
    clock.advance((PROCESSED_EVENTS_KEPT_DAYS + 1) * DAY)
    housekeeping = Housekeeping(store.session, store.now, batch=2, max_batches=2)

    assert housekeeping.purge().processed_events == 4
    assert housekeeping.purge().processed_events == 1
    assert housekeeping.purge().processed_events == 0


@pytest.mark.parametrize(('batch', 'max_batches'), [(0, 1), (1, 0), (-5, 20)])
def test_a_batch_or_a_count_of_batches_below_one_is_refused(store, batch, max_batches):
    with pytest.raises(ValueError, match='must be positive'):
        Housekeeping(store.session, store.now, batch=batch, max_batches=max_batches)


def test_a_note_record_being_written_is_left_to_a_later_purge_not_waited_for(postgres_store, clock):
    """PostgreSQL: a delivery is writing the request's next note while the purge runs; the purge
    neither waits for it (a replica's write never stalls behind it, nor it behind the write) nor
    deletes it, and what was written stays."""
    store = postgres_store
    _note(store, 'PR-1')
    _note(store, 'PR-2')
    clock.advance((ORDER_NOTES_KEPT_DAYS + 1) * DAY)
    purged = {}
    with store.engine.connect() as connection:
        writing = connection.begin()
        connection.execute(update(OrderNote).where(OrderNote.request_id == 'PR-1')
                           .values(written_at=store.now()))
        purge = threading.Thread(target=lambda: purged.update(result=store.housekeeping.purge()))
        purge.start()
        purge.join(timeout=20)
        finished_while_written = not purge.is_alive()
        writing.commit()
    purge.join(timeout=20)

    assert finished_while_written
    assert purged['result'] == Purged(order_notes=1)
    assert store.order_notes.last('PR-2') is None
    assert store.order_notes.last('PR-1').written_at == store.now()


def test_two_replicas_purging_at_once_share_the_rows_and_both_finish(store, clock):
    for number in range(40):
        store.mark_event_processed(f'PR-{number}:approved:note')
    clock.advance((PROCESSED_EVENTS_KEPT_DAYS + 1) * DAY)
    replicas = [Housekeeping(store.session, store.now, batch=3, max_batches=20) for _ in range(2)]

    purges, errors = at_once([replica.purge for replica in replicas])

    assert errors == []
    assert sum(purged.processed_events for purged in purges) == 40
    assert store.housekeeping.purge() == Purged()
