"""Processed events: a key is taken once, even by concurrent deliveries."""
import threading

import pytest
from sqlalchemy import select

from connect_ext.store.models import ProcessedEvent
from testkit.clock import START


def test_a_key_is_new_once_and_then_known(store):
    assert store.is_event_processed('PR-1:pending:note') is False

    assert store.mark_event_processed('PR-1:pending:note', {'note': 'written'}) is True
    assert store.mark_event_processed('PR-1:pending:note', {'note': 'again'}) is False

    assert store.is_event_processed('PR-1:pending:note') is True
    assert store.is_event_processed('PR-1:approved:note') is False
    with store.session(write=False) as session:
        row = session.scalars(select(ProcessedEvent)).one()
        assert (row.result, row.processed_at) == ({'note': 'written'}, START)


def test_a_key_without_a_result_stores_none(store):
    store.mark_event_processed('PR-2:pending:note')

    with store.session(write=False) as session:
        assert session.get(ProcessedEvent, 'PR-2:pending:note').result is None


def test_a_forgotten_key_can_be_taken_again(store):
    store.mark_event_processed('PR-3:pending:note')

    assert store.forget_event_processed('PR-3:pending:note') is True
    assert store.forget_event_processed('PR-3:pending:note') is False
    assert store.is_event_processed('PR-3:pending:note') is False
    assert store.mark_event_processed('PR-3:pending:note') is True


def test_concurrent_deliveries_of_one_event_let_exactly_one_through(store):
    workers = 8
    barrier = threading.Barrier(workers)
    outcomes = []
    errors = []

    def deliver():
        barrier.wait()
        try:
            outcomes.append(store.mark_event_processed('PR-4:pending:note'))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(outcomes) == [False] * (workers - 1) + [True]


@pytest.mark.parametrize('key', ['', '  ', None])
def test_an_event_needs_a_key(store, key):
    with pytest.raises(ValueError, match='key'):
        store.mark_event_processed(key)
