"""One note per request unless what it says changed (connect_ext.orders.note_posting), on a real
store and a conversation that records what is asked of it."""
from datetime import timedelta

import pytest

from connect_ext.orders import notes
from connect_ext.orders.note_posting import (
    ALREADY_WRITTEN,
    FOUND,
    POSTED,
    UNCHANGED,
    NotePosting,
)
from connect_ext.store.housekeeping import ORDER_NOTES_KEPT_DAYS, Housekeeping, Purged


REQUEST = 'PR-1000-0001-0001-001'
OFF = notes.with_marker('Overage Manager: ...\nOverage: OFF.\nNext step: enable it.')
ON = notes.with_marker('Overage Manager: ...\nOverage: ON.\nNext step: none for this order.')


class Conversation:
    def __init__(self, *texts):
        self.messages = [{'id': f'ME-{n}', 'text': text} for n, text in enumerate(texts, 1)]
        self.calls = []

    def conversation_id(self, request_id):
        self.calls.append('conversation')
        return 'CO-1'

    def find_message(self, conversation_id, marker, ignore=()):
        self.calls.append('find')
        return next((m for m in self.messages if m['id'] not in ignore and marker in m['text']),
                    None)

    def post(self, conversation_id, text, message_type):
        self.calls.append(('post', message_type))
        message = {'id': f'ME-{len(self.messages) + 1}', 'text': text}
        self.messages.append(message)
        return message

    def texts(self):
        return [message['text'] for message in self.messages]


def post(store, conversation, status, text, request_id=REQUEST):
    posting = NotePosting(store, conversation, lock_timeout_seconds=5, message_type='private')
    return posting.post_once(request_id, f'{request_id}:{status}:note', text)


def test_the_first_note_is_posted_and_recorded_then_its_key(store):
    conversation = Conversation('Order received.')

    assert post(store, conversation, 'pending', OFF) == POSTED

    assert conversation.texts() == ['Order received.', OFF]
    assert conversation.calls == ['conversation', 'find', ('post', 'private')]
    last = store.order_notes.last(REQUEST)
    assert (last.fingerprint, last.message_id, last.message_ids) == (
        notes.marker_of(OFF)[len('Ref. OM-'):], 'ME-2', ('ME-2',))
    assert store.is_event_processed(f'{REQUEST}:pending:note')


def test_a_status_that_would_say_the_same_asks_connect_nothing(store):
    conversation = Conversation()
    post(store, conversation, 'pending', OFF)
    conversation.calls.clear()

    assert post(store, conversation, 'approved', OFF) == UNCHANGED
    assert post(store, conversation, 'approved', ON) == ALREADY_WRITTEN

    assert conversation.calls == []
    assert conversation.texts() == [OFF]


def test_a_changed_situation_gets_a_new_note_and_a_change_back_another(store):
    """Off, on, off again: each note says what changed; the first "off" note, recorded, is not
    taken for one a crashed delivery posted."""
    conversation = Conversation()

    outcomes = [post(store, conversation, status, text)
                for status, text in (('pending', OFF), ('approved', ON), ('cancel', OFF))]

    assert outcomes == [POSTED, POSTED, POSTED]
    assert conversation.texts() == [OFF, ON, OFF]
    assert store.order_notes.last(REQUEST).message_ids == ('ME-1', 'ME-2', 'ME-3')


def test_a_note_a_crashed_delivery_posted_is_found_and_recorded_not_posted_again(store):
    conversation = Conversation('Order received.', OFF)  # posted; the store never heard of it

    assert post(store, conversation, 'pending', OFF) == FOUND

    assert conversation.texts() == ['Order received.', OFF]
    assert ('post', 'private') not in conversation.calls
    assert store.order_notes.last(REQUEST).message_ids == ('ME-2',)
    assert store.is_event_processed(f'{REQUEST}:pending:note')


def test_a_delivery_after_the_purge_of_the_requests_records_posts_no_second_note(store):
    """The key and the note record of a request outlived their keeping and went
    (store/housekeeping.py); the note's marker in the conversation still stops a second copy."""
    conversation = Conversation()
    post(store, conversation, 'approved', OFF)
    later = Housekeeping(store.session, lambda: store.now() + timedelta(days=ORDER_NOTES_KEPT_DAYS + 1))
    assert later.purge() == Purged(processed_events=1, order_notes=1)

    assert post(store, conversation, 'approved', OFF) == FOUND

    assert conversation.texts() == [OFF]
    assert store.order_notes.last(REQUEST).message_ids == ('ME-1',)


def test_a_human_reply_without_the_marker_is_not_taken_for_the_note(store):
    conversation = Conversation(OFF.rsplit('\n', 1)[0])  # quoted without its marker line

    assert post(store, conversation, 'pending', OFF) == POSTED
    assert len(conversation.messages) == 2


def test_notes_of_two_requests_are_apart(store):
    first, second = Conversation(), Conversation()

    assert post(store, first, 'pending', OFF) == POSTED
    assert post(store, second, 'pending', OFF, request_id='PR-2000-0001-0001-001') == POSTED


def test_a_failed_post_records_nothing_so_the_next_delivery_posts(store):
    class Failing(Conversation):
        def post(self, conversation_id, text, message_type):
            raise ConnectionError('Connect is down')

    with pytest.raises(ConnectionError):
        post(store, Failing(), 'pending', OFF)

    assert store.order_notes.last(REQUEST) is None
    assert not store.is_event_processed(f'{REQUEST}:pending:note')
    conversation = Conversation()
    assert post(store, conversation, 'pending', OFF) == POSTED


def test_a_text_without_its_marker_is_refused_before_anything_is_done(store):
    conversation = Conversation()

    with pytest.raises(ValueError, match='marker'):
        post(store, conversation, 'pending', 'Overage Manager: no marker')

    assert conversation.calls == []
    assert store.order_notes.last(REQUEST) is None
