"""The Connect public API over HTTP, for the endpoints the extension calls.

Paths are Connect's (``/public/v1/...``); the sandbox mounts this app under ``/connect``, so a
client's endpoint is ``http://127.0.0.1:<port>/connect/public/v1``. What it keeps of Connect:

* ``Authorization: <API key>`` on every call; the key decides what the caller sees
  (:meth:`ConnectWorld.visible`); an unknown key is 401, an object it may not see is 404;
* RQL filters, ``select``, ``ordering``, ``search`` and ``limit``/``offset`` paging with a
  ``Content-Range: items first-last/total`` header (:mod:`sandbox.connect.rql`);
* errors as ``{"error_code": "...", "errors": ["..."]}``, which ``connect-openapi-client`` turns
  into ``ClientError(status_code, error_code, errors)``.

:class:`Faults` injects latency and failures for the reliability tests and the benchmarks;
:class:`CallLog` records each call.
"""
import asyncio
import json
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.connect import rql
from sandbox.connect.world import (
    ASSETS,
    CONVERSATIONS,
    INSTALLATIONS,
    ITEMS,
    MESSAGES,
    PRODUCTS,
    REQUESTS,
    TIER_ACCOUNTS,
    TIER_CONFIGS,
    ConnectWorld,
    NotFound,
    Principal,
    Refused,
)


PREFIX = '/public/v1'

_TIMES = ('events.created.at', 'events.updated.at')
_TIERS = ('tiers.customer.id', 'tiers.tier1.id', 'tiers.tier2.id')

# The filters each collection accepts (connect-platform.md §1-§4, plus the ids of the objects
# they embed). Anything else is refused with 400, as Connect refuses an unknown filter.
COLLECTIONS: Dict[str, rql.Collection] = {
    TIER_ACCOUNTS: rql.Collection.of(
        ('id', 'name', 'external_id', 'external_uid', 'environment', 'scopes', 'tax_id',
         'hub.id', 'marketplace.id', 'contact_info.country', *_TIMES),
        search_fields=('id', 'name', 'external_id', 'external_uid'),
    ),
    ASSETS: rql.Collection.of(
        ('id', 'status', 'external_id', 'external_uid', 'product.id', 'product.name',
         'connection.id', 'connection.type', 'connection.hub.id', 'connection.provider.id',
         'connection.vendor.id', *_TIERS, 'marketplace.id', 'contract.id', 'params.id',
         'params.value', 'items.global_id', *_TIMES),  # items.global_id: conformance CX-13
        search_fields=('id', 'external_id', 'product.name', 'tiers.customer.name'),
    ),
    REQUESTS: rql.Collection.of(
        ('id', 'type', 'status', 'created', 'updated', 'asset.id', 'asset.external_id',
         'asset.status', 'asset.product.id', 'asset.connection.type', 'asset.connection.hub.id',
         'asset.connection.provider.id', 'asset.connection.vendor.id',
         *('asset.' + name for name in _TIERS), 'asset.params.id', 'asset.params.value',
         'marketplace.id'),
        search_fields=('id', 'asset.id', 'asset.product.name', 'asset.tiers.customer.name'),
    ),
    TIER_CONFIGS: rql.Collection.of(
        ('id', 'status', 'tier_level', 'account.id', 'account.external_id', 'product.id',
         'marketplace.id', 'connection.type', 'connection.hub.id', 'params.id', 'params.value',
         *_TIMES),
        search_fields=('id', 'name', 'account.name'),
    ),
    PRODUCTS: rql.Collection.of(('id', 'name', 'status', 'owner.id', *_TIMES)),
    ITEMS: rql.Collection.of(
        ('id', 'local_id', 'name', 'display_name', 'mpn', 'type', 'item_type', 'period',
         'status', 'unit.title', 'position'),
        search_fields=('id', 'name', 'display_name', 'mpn'),
    ),
    CONVERSATIONS: rql.Collection.of(
        ('id', 'instance_id', 'type', 'status', 'topic', 'created', 'creator.id'),
        search_fields=('id', 'topic', 'instance_id'),
    ),
    MESSAGES: rql.Collection.of(
        ('id', 'type', 'created', 'account.id', 'creator.id', 'conversation'),
        search_fields=('id', 'text'),
    ),
}


def error(status: int, error_code: str, *messages: str, headers=None) -> JSONResponse:
    return JSONResponse({'error_code': error_code, 'errors': list(messages)}, status_code=status,
                        headers=headers)


# -- faults and the call log -------------------------------------------------------------------

@dataclass
class Fault:
    """Answer ``status`` (after ``delay`` seconds) to the next ``times`` matching calls."""

    method: str
    path_contains: str
    status: int
    times: int = 1
    delay: float = 0.0
    error_code: str = 'SIM_001'
    message: str = 'Injected by the Connect simulator.'


class Faults:
    """Latency for every call and one-shot failures, set by tests and benchmarks."""

    def __init__(self, latency: float = 0.0):
        self.latency = latency
        self._lock = threading.Lock()
        self._pending: List[Fault] = []

    def fail(self, method: str, path_contains: str, status: int = 503, *, times: int = 1,
             delay: float = 0.0, error_code: str = 'SIM_001',
             message: str = 'Injected by the Connect simulator.') -> Fault:
        fault = Fault(method.upper(), path_contains, status, times, delay, error_code, message)
        with self._lock:
            self._pending.append(fault)
        return fault

    def take(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            for fault in self._pending:
                if fault.method in (method, '*') and fault.path_contains in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
        self.latency = 0.0


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: str
    account_id: Optional[str]
    status: int


class CallLog:
    """Every call the simulator answered, in order (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: List[Call] = []

    def add(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def all(self) -> List[Call]:
        with self._lock:
            return list(self._calls)

    def matching(self, method: str, path_contains: str = '') -> List[Call]:
        return [call for call in self.all()
                if call.method == method.upper() and path_contains in call.path]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


# -- the app -------------------------------------------------------------------------------------

class _Api:
    def __init__(self, world: ConnectWorld, faults: Faults, calls: CallLog):
        self.world, self.faults, self.calls = world, faults, calls

    async def __call__(self, request: Request):
        """Every route lands here: auth, faults, then the handler named by the route."""
        principal = self.world.principals.get(request.headers.get('authorization', '').strip())
        response = await self._answer(request, principal)
        self.calls.add(Call(request.method, request.url.path,
                            request.scope.get('query_string', b'').decode('latin-1'),
                            principal.account_id if principal else None, response.status_code))
        return response

    async def _answer(self, request: Request, principal: Optional[Principal]):
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        fault = self.faults.take(request.method, request.url.path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return error(fault.status, fault.error_code, fault.message)
        if principal is None:
            return error(401, 'AUTH_001', 'Unauthorized: a valid API key is required.')
        handler = getattr(self, request.scope['route_handler'])
        try:
            return await handler(request, principal, **request.path_params)
        except NotFound as missing:
            return error(404, 'OBJ_404', f'Object {missing} not found.')
        except rql.RqlError as bad_query:
            return error(400, 'RQL_001', str(bad_query))
        except Refused as refused:
            return error(refused.status, refused.error_code, refused.message)

    # -- handlers ---------------------------------------------------------------------------

    def _page(self, request: Request, name: str, objects: List[Dict[str, Any]]) -> JSONResponse:
        collection = COLLECTIONS[name]
        query = collection.parse(request.scope.get('query_string', b'').decode('utf-8'))
        page = rql.run(objects, query, collection)
        return JSONResponse(page.items, headers={'Content-Range': page.content_range})

    async def list_objects(self, request, principal, *, name, parent_id=None):
        return self._page(request, name, self.world.collection(name, principal, parent_id))

    async def get_object(self, request, principal, *, name, object_id, parent_id=None):
        return JSONResponse(self.world.get(name, object_id, principal, parent_id))

    async def create_message(self, request, principal, *, parent_id):
        try:
            body = json.loads(await request.body() or b'null')
        except ValueError:
            raise Refused(400, 'VAL_001', 'The body is not valid JSON.') from None
        text = body.get('text') if isinstance(body, dict) else None
        message_type = body.get('type', 'message') if isinstance(body, dict) else 'message'
        if message_type not in ('message', 'private'):
            raise Refused(400, 'VAL_001', 'type: must be message or private.')
        message = self.world.post_message(parent_id, text, principal, message_type)
        return JSONResponse(message, status_code=201)

    async def auth_context(self, request, principal):
        return JSONResponse({
            'account': {'id': principal.account_id, 'name': principal.name,
                        'role': principal.role},
            'user': {'id': principal.user_id, 'name': principal.name},
            'tier_account_id': principal.tier_account_id,
        })


def _route(api: _Api, path: str, handler: str, methods=('GET',), **fixed):
    """A route whose path params are renamed to the handler's (``id`` → ``object_id``…)."""

    async def endpoint(request: Request):
        request.scope['route_handler'] = handler
        params = dict(request.path_params)
        renamed = {'object_id': params.pop('id', None), 'parent_id': params.pop('parent', None)}
        request.scope['path_params'] = {**{k: v for k, v in renamed.items() if v is not None},
                                        **fixed}
        return await api(request)

    return Route(PREFIX + path, endpoint, methods=list(methods))


def create_app(world: ConnectWorld, faults: Optional[Faults] = None,
               calls: Optional[CallLog] = None) -> Starlette:
    api = _Api(world, faults if faults is not None else Faults(),
               calls if calls is not None else CallLog())
    routes = [
        _route(api, '/auth/context', 'auth_context'),
        _route(api, '/conversations/{parent}/messages', 'list_objects', name=MESSAGES),
        _route(api, '/conversations/{parent}/messages', 'create_message', methods=('POST',)),
        _route(api, '/products/{parent}/items', 'list_objects', name=ITEMS),
        _route(api, '/products/{parent}/items/{id}', 'get_object', name=ITEMS),
    ]
    for path, name in (('/tier/accounts', TIER_ACCOUNTS), ('/tier/configs', TIER_CONFIGS),
                       ('/assets', ASSETS), ('/subscriptions/assets', ASSETS),
                       ('/requests', REQUESTS), ('/products', PRODUCTS),
                       ('/conversations', CONVERSATIONS),
                       ('/devops/installations', INSTALLATIONS)):
        routes.append(_route(api, path, 'list_objects', name=name))
        routes.append(_route(api, path + '/{id}', 'get_object', name=name))

    async def not_found(request, exc):
        status = getattr(exc, 'status_code', 404)
        if status == 405:
            return error(405, 'API_405', f'Method {request.method} is not allowed here.')
        return error(404, 'API_404', f'No such endpoint: {request.url.path}')

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    app.state.world, app.state.faults, app.state.calls = world, api.faults, api.calls
    return app
