"""One note per request unless what it says changed: the posting of order notes.

A purchase is delivered pending, then approved, and any delivery may come again (redelivery, a
retry after a crash, two replicas at once). The reader wants one note for one situation, and a
new one only when the situation changed (the tenant became known, overage was switched on, a
blocker went away). So a delivery, under a lock named after the request (threads of a process,
and replicas on PostgreSQL):

1. is done when its own processed-event key (``<request>:<status>:note``) is there;
2. is done, posting nothing, when the request's last recorded note (``Store.order_notes``) has
   the same fingerprint as the note it would write: it says this already;
3. else looks in the request's conversation for a message with the note's marker that is not a
   note recorded before: a delivery that posted it and died (or lost Connect's answer) before
   recording it. That message is recorded instead of posting again;
4. else posts the note, then records it, then writes its key.

Recording after posting means a failed post is retried by the next delivery instead of lost; the
marker search of step 3 is what keeps that retry from posting a second copy. The fingerprint is
the note's marker (:mod:`connect_ext.orders.notes`), so "the same note" means the same text.
"""
from typing import Optional

from connect_ext.orders import notes
from connect_ext.orders.conversations import RequestConversations


POSTED = 'posted'
FOUND = 'found in the conversation'
UNCHANGED = 'unchanged: the last note of the request says this already'
ALREADY_WRITTEN = 'already written'


class NotePosting:
    """Posts a request's note once per situation (see the module docstring)."""

    def __init__(self, store, conversations: RequestConversations, *, lock_timeout_seconds: float,
                 message_type: str = 'private'):
        self.store = store
        self.conversations = conversations
        self.lock_timeout_seconds = lock_timeout_seconds
        self.message_type = message_type

    def post_once(self, request_id: str, key: str, text: str) -> str:
        """Post ``text`` (a note with its marker) unless the request already says it; one of
        :data:`POSTED`, :data:`FOUND`, :data:`UNCHANGED`, :data:`ALREADY_WRITTEN`."""
        marker = notes.marker_of(text)
        if marker is None:
            raise ValueError('an order note must end with its marker')
        fingerprint = marker[len(notes.MARKER_PREFIX):]
        with self.store.customer_lock(f'request-note:{request_id}',
                                      timeout_seconds=self.lock_timeout_seconds):
            if self.store.is_event_processed(key):
                return ALREADY_WRITTEN
            last = self.store.order_notes.last(request_id)
            if last is not None and last.fingerprint == fingerprint:
                self._done(key, last.conversation_id, last.message_id, unchanged=True)
                return UNCHANGED
            conversation_id = self.conversations.conversation_id(request_id)
            recorded = last.message_ids if last is not None else ()
            existing = self.conversations.find_message(conversation_id, marker, ignore=recorded)
            if existing is not None:
                outcome, message = FOUND, existing
            else:
                outcome = POSTED
                message = self.conversations.post(conversation_id, text, self.message_type)
            message_id = _message_id(message)
            self.store.order_notes.record(request_id, conversation_id=conversation_id,
                                          fingerprint=fingerprint, message_id=message_id)
            self._done(key, conversation_id, message_id)
            return outcome

    def _done(self, key: str, conversation_id: str, message_id: Optional[str], *,
              unchanged: bool = False) -> None:
        result = {'conversation_id': conversation_id, 'message_id': message_id}
        if unchanged:
            result['unchanged'] = True
        self.store.mark_event_processed(key, result)


def _message_id(message) -> Optional[str]:
    value = message.get('id') if isinstance(message, dict) else None
    return value if isinstance(value, str) and value else None
