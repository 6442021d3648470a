"""Connect I/O for notes: a request's conversation, its messages, and posting one.

Connect keeps one conversation per request (``GET /conversations?instance_id=PR-...``); a note is
a message in it (``POST /conversations/{CO-id}/messages`` with ``{"text": ...}``). Errors are the
client's ``ClientError``; the handlers decide which of them are worth a retry.
"""
from typing import Any, Collection, Dict, Optional

from connect.client import ConnectClient


class ConversationMissing(LookupError):
    """Connect has no conversation for the request (yet): the note cannot be written now."""

    def __init__(self, request_id: str):
        super().__init__(f'Connect has no conversation for request {request_id}')
        self.request_id = request_id


class RequestConversations:
    """Notes on Connect requests, through the extension's Connect client."""

    def __init__(self, client: ConnectClient):
        self.client = client

    def conversation_id(self, request_id: str) -> str:
        """The request's conversation id (``CO-...``); :class:`ConversationMissing` if none."""
        conversation = self.client.conversations.filter(instance_id=request_id).first()
        conversation_id = conversation.get('id') if isinstance(conversation, dict) else None
        if not conversation_id:
            raise ConversationMissing(request_id)
        return conversation_id

    def find_message(self, conversation_id: str, marker: str,
                     ignore: Collection[str] = ()) -> Optional[Dict[str, Any]]:
        """The first message whose text holds ``marker`` and whose id is not in ``ignore``
        (the notes already recorded), or None."""
        for message in self.client.conversations[conversation_id].messages.all():
            if not isinstance(message, dict) or message.get('id') in ignore:
                continue
            text = message.get('text')
            if isinstance(text, str) and marker in text:
                return message
        return None

    def post(self, conversation_id: str, text: str, message_type: str = 'private') -> Dict[str, Any]:
        """Add a message of Connect's ``type`` (``private``: only the author's account reads it;
        ``message``: every account on the conversation); returns what Connect answered (the
        message, with its ``ME-...`` id)."""
        created = self.client.conversations[conversation_id].messages.create(
            payload={'text': text, 'type': message_type},
        )
        return created if isinstance(created, dict) else {}
