"""Connect faked over HTTP (``responses``) with state: its conversations, so a test sees every
note as Connect would hold it and every call the extension made; and the Connect client the
tests point at it.
"""
import json
import re
import threading
import time
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import responses
from connect.client import ConnectClient

from testkit.callers import OWNER_ACCOUNT


CONNECT_URL = 'https://connect.example.org/public/v1'
# The installation the events application runs in, the extension owner's.
INSTALLATION = {'id': 'EIN-000-000-001', 'owner': {'id': OWNER_ACCOUNT, 'name': 'ACME'}}


def connect_client(endpoint: str = CONNECT_URL) -> ConnectClient:
    """A Connect client without retries: a miss must fail fast (a retry would sleep a second)."""
    return ConnectClient('ApiKey SU-000:XXX', endpoint=endpoint, use_specs=False, max_retries=0)


class FakeConnect:
    """Connect's conversations, over HTTP, with state; any other call is recorded as unexpected.

    One ``responses`` callback per method dispatches by path (overlapping registrations would be
    consumed one by one by ``responses``).
    """

    def __init__(self, base_url: str, passthru: Tuple[str, ...] = ()):
        self.base_path = urlsplit(base_url).path
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for prefix in passthru:
            self.mock.add_passthru(prefix)
        self.conversations: Dict[str, str] = {}
        self.messages: Dict[str, List[Dict[str, Any]]] = {}
        self.calls: List[Tuple[str, str]] = []
        self.faults: List[Tuple[str, re.Pattern, int, List[str]]] = []
        # Seconds each call waits before it is answered (outside the lock: calls overlap).
        self.latency = 0.0
        self._lock = threading.Lock()
        pattern = re.compile(re.escape(base_url) + r'/.*')
        for method in ('GET', 'POST', 'PUT', 'DELETE'):
            self.mock.add_callback(method, pattern, callback=self._dispatch,
                                   content_type='application/json')

    # -- test API --------------------------------------------------------------------------------

    def add_conversation(self, request_id: str, messages: Optional[List[str]] = None) -> str:
        conversation_id = f'CO-{len(self.conversations) + 100:03d}-{request_id[3:]}'
        self.conversations[request_id] = conversation_id
        self.messages[conversation_id] = [
            {'id': f'ME-{index:03d}', 'text': text, 'type': 'message'}
            for index, text in enumerate(messages or [])
        ]
        return conversation_id

    def notes(self, request_id: str) -> List[str]:
        conversation_id = self.conversations[request_id]
        return [message['text'] for message in self.messages[conversation_id]]

    def fail_next(self, method: str, path: str, status: int, errors: Optional[List[str]] = None) -> None:
        """The next ``method`` call whose path matches ``path`` answers ``status`` (with Connect's
        ``errors`` texts, ``["down"]`` unless given)."""
        self.faults.append((method, re.compile(path), status, errors or ['down']))

    def unexpected_calls(self) -> List[Tuple[str, str]]:
        return [(m, p) for m, p in self.calls if not p.startswith('/conversations')]

    # -- HTTP ------------------------------------------------------------------------------------

    def _dispatch(self, request):
        if self.latency:
            time.sleep(self.latency)
        url = urlsplit(request.url)
        path = url.path[len(self.base_path):]
        query = parse_qs(url.query)
        with self._lock:
            self.calls.append((request.method, path))
            for fault in list(self.faults):
                method, pattern, status, errors = fault
                if method == request.method and pattern.search(path):
                    self.faults.remove(fault)
                    return status, {}, json.dumps({'error_code': 'SYS_001', 'errors': errors})
            match = re.fullmatch(r'/conversations/(CO-[\w-]+)/messages', path)
            if path == '/conversations' and request.method == 'GET':
                return self._list_conversations(url.query, query)
            if match and request.method == 'GET':
                return self._page(self.messages.get(match.group(1), []), query)
            if match and request.method == 'POST':
                return self._create_message(match.group(1), json.loads(request.body))
        return 404, {}, json.dumps({'error_code': 'NFND_000', 'errors': ['not faked']})

    def _list_conversations(self, raw_query, query):
        wanted = re.search(r'eq\(instance_id,([\w-]+)\)', raw_query)
        found = []
        if wanted and wanted.group(1) in self.conversations:
            request_id = wanted.group(1)
            found = [{'id': self.conversations[request_id], 'instance_id': request_id,
                      'topic': f'Request {request_id}', 'type': 'conversation', 'status': 'open'}]
        return self._page(found, query)

    @staticmethod
    def _page(items, query):
        limit = int(query.get('limit', ['100'])[0])
        offset = int(query.get('offset', ['0'])[0])
        page = items[offset:offset + limit]
        last = offset + len(page) - 1 if page else 0
        headers = {'Content-Range': f'items {offset}-{max(last, 0)}/{len(items)}'}
        return 200, headers, json.dumps(page)

    def _create_message(self, conversation_id, body):
        if conversation_id not in self.messages:
            return 404, {}, json.dumps({'error_code': 'NFND_000', 'errors': ['no conversation']})
        message = {
            'id': f'ME-{len(self.messages[conversation_id]) + 500:03d}',
            'conversation': conversation_id, 'text': body['text'],
            'type': body.get('type', 'message'),
            'account': {'id': OWNER_ACCOUNT}, 'created': '2026-11-20T10:00:00+00:00',
        }
        self.messages[conversation_id].append(message)
        return 201, {}, json.dumps(message)
