"""The ``order_notes`` table: what a request's notes said, on both backends; and replicas that
deliver the same note at once post it once (the request's lock is every replica's)."""
import threading

import pytest

from connect_ext.orders import notes
from connect_ext.orders.note_posting import POSTED, UNCHANGED, NotePosting
from connect_ext.store import Store


REQUEST = 'PR-1000-0001-0001-001'


def test_nothing_is_recorded_until_a_note_is(store):
    assert store.order_notes.last(REQUEST) is None


def test_the_last_note_is_kept_and_every_message_of_the_request_remembered(store, clock):
    first = store.order_notes.record(REQUEST, conversation_id='CO-1', fingerprint='aaaa0001',
                                     message_id='ME-1')
    clock.advance(60)
    second = store.order_notes.record(REQUEST, conversation_id='CO-1', fingerprint='bbbb0002',
                                      message_id='ME-2')
    again = store.order_notes.record(REQUEST, conversation_id='CO-1', fingerprint='aaaa0001',
                                     message_id='ME-1')

    assert first.message_ids == ('ME-1',)
    assert (second.fingerprint, second.message_id, second.message_ids) == (
        'bbbb0002', 'ME-2', ('ME-1', 'ME-2'))
    assert second.written_at > first.written_at
    assert store.order_notes.last(REQUEST) == again
    assert (again.fingerprint, again.message_ids) == ('aaaa0001', ('ME-1', 'ME-2'))
    assert store.order_notes.last('PR-OTHER') is None


def test_a_note_without_a_message_id_is_still_the_last(store):
    record = store.order_notes.record(REQUEST, conversation_id='CO-1', fingerprint='aaaa0001',
                                      message_id=None)

    assert (record.fingerprint, record.message_id, record.message_ids) == ('aaaa0001', None, ())


@pytest.mark.parametrize('bad', [
    {'request_id': '', 'conversation_id': 'CO-1', 'fingerprint': 'aaaa0001'},
    {'request_id': REQUEST, 'conversation_id': '', 'fingerprint': 'aaaa0001'},
    {'request_id': REQUEST, 'conversation_id': 'CO-1', 'fingerprint': ' '},
])
def test_bad_input_is_refused_and_writes_nothing(store, bad):
    with pytest.raises(ValueError):
        store.order_notes.record(message_id='ME-1', **bad)

    assert store.order_notes.last(REQUEST) is None


class Conversation:
    """One request's conversation, shared by the replicas (Connect's side), with a delay in the
    post so that every replica is between "no note yet" and "posted" at once."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    def conversation_id(self, request_id):
        return 'CO-' + request_id

    def find_message(self, conversation_id, marker, ignore=()):
        with self.lock:
            return next((m for m in self.messages
                         if m['id'] not in ignore and marker in m['text']), None)

    def post(self, conversation_id, text, message_type):
        threading.Event().wait(0.05)
        with self.lock:
            message = {'id': f'ME-{len(self.messages) + 1}', 'text': text, 'type': message_type}
            self.messages.append(message)
            return message


def test_replicas_delivering_the_same_note_at_once_post_it_once(database_url, clock):
    """Pending and approved of one purchase, each delivered by two replicas at once."""
    conversation = Conversation()
    replicas = [Store(database_url, clock=clock) for _ in range(4)]
    text = notes.with_marker('Overage Manager: this purchase request orders OVG items.')
    start = threading.Barrier(len(replicas))
    outcomes = []

    def deliver(replica, status):
        start.wait()
        posting = NotePosting(replica, conversation, lock_timeout_seconds=30)
        outcomes.append(posting.post_once(REQUEST, f'{REQUEST}:{status}:note', text))

    threads = [threading.Thread(target=deliver, args=(replica, status))
               for replica, status in zip(replicas, ('pending', 'pending', 'approved', 'approved'),
                                          strict=True)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for replica in replicas:
            replica.close()

    assert len(conversation.messages) == 1
    assert sorted(outcomes).count(POSTED) == 1
    assert set(outcomes) <= {POSTED, UNCHANGED, 'already written'}
