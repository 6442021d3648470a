"""The events application under test, on real parts: the Partner Center simulator (demo world)
behind the real client and overage service, a temporary migrated SQLite store, and Connect's
conversations API faked over HTTP (``responses``) with state, so a test sees every note as
Connect would hold it and every call the extension made.
"""
import copy
import json
import logging
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from connect.client import ConnectClient

from connect_ext.config import Settings
from connect_ext.events import OverageEventsApplication
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from connect_ext.wiring import EventsDependencies
from sandbox.partner_center import demo
from sandbox.partner_center.testing import FakeClock


CONNECT_URL = 'https://connect.example.org/public/v1'
PAGES_URL = 'https://overage.example.org'
REQUESTS_DIR = Path(__file__).resolve().parent.parent / 'data' / 'requests'
INSTALLATION = {'id': 'EIN-000-000-001', 'owner': {'id': 'PA-000-000', 'name': 'ACME'}}


def load_request(name: str, **changes: Any) -> Dict[str, Any]:
    """A payload from tests/data/requests; ``changes`` set top-level keys (status=...)."""
    payload = json.loads((REQUESTS_DIR / f'{name}.json').read_text())
    payload.update(changes)
    return payload


def set_param(payload: Dict[str, Any], param_id: str, value: str) -> Dict[str, Any]:
    payload = copy.deepcopy(payload)
    for param in payload['asset']['params']:
        if param['id'] == param_id:
            param['value'] = value
    return payload


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
        self.faults: List[Tuple[str, re.Pattern, int]] = []
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

    def fail_next(self, method: str, path: str, status: int) -> None:
        """The next ``method`` call whose path matches ``path`` answers ``status``."""
        self.faults.append((method, re.compile(path), status))

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
                method, pattern, status = fault
                if method == request.method and pattern.search(path):
                    self.faults.remove(fault)
                    return status, {}, json.dumps({'error_code': 'SYS_001', 'errors': ['down']})
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
            'conversation': conversation_id, 'text': body['text'], 'type': 'message',
            'account': {'id': 'PA-000-000'}, 'created': '2026-11-20T10:00:00+00:00',
        }
        self.messages[conversation_id].append(message)
        return 201, {}, json.dumps(message)


@pytest.fixture(scope='session')
def store_template(tmp_path_factory):
    """A migrated empty database; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp('orders-store') / 'template.sqlite3'
    Store.migrated(f'sqlite:///{path}').close()
    return path


@pytest.fixture
def store(store_template, tmp_path):
    path = tmp_path / 'store.sqlite3'
    shutil.copyfile(store_template, path)
    store = Store(f'sqlite:///{path}')
    yield store
    store.close()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def settings(sim, store):
    # One attempt per call: an injected 429 or 5xx reaches the handler at once.
    return Settings(
        partner_center=sim.settings(demo.DISTRIBUTOR_TENANT_ID, read_timeout=5.0, max_attempts=1),
        database_url=store.url,
        pages_url=PAGES_URL,
    )


@pytest.fixture
def service(settings, store, clock):
    client = PartnerCenterClient(settings.partner_center, sleep=clock.sleep, clock=clock)
    service = OverageService(client, store, settings, sleep=clock.sleep, confirm_delays=())
    yield service
    service.executor.shutdown(wait=False)


@pytest.fixture
def dependencies(settings, store, service):
    return EventsDependencies(settings, store=store, service=service)


@pytest.fixture
def connect(sim):
    """Connect, faked; after every test, proof that nothing but conversations was called (the
    extension never approves, fails, inquires or updates a request)."""
    fake = FakeConnect(CONNECT_URL, passthru=(sim.api_url, sim.login_url))
    with fake.mock:
        yield fake
    assert fake.unexpected_calls() == []


@pytest.fixture
def connect_client():
    # No retries: the client would otherwise sleep a second per 5xx.
    return ConnectClient('ApiKey SU-000:XXX', endpoint=CONNECT_URL, use_specs=False,
                         max_retries=0)


@pytest.fixture
def logger():
    return logging.getLogger('tests.orders.events')


@pytest.fixture
def app(connect_client, logger, dependencies):
    application = OverageEventsApplication(
        connect_client, logger, {}, installation_client=connect_client, installation=INSTALLATION,
    )
    application.dependencies = dependencies
    return application
