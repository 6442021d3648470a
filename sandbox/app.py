"""The sandbox's one ASGI app: the extension as the runner serves it, inside a mock Connect.

What answers where (one port):

- ``/api/...``, ``/static/...`` (and ``/guest``, ``/unauthorized``): the real
  :class:`~connect_ext.webapp.OverageWebApplication`, built the way the runner builds it
  (:func:`build_webapp`). Each call gets the ``X-Connect-*`` headers Connect would add for the
  chosen persona (:class:`ConnectHeaders`): the call context, the variables (``X-Connect-Config``)
  and the installation's API key and the Connect API URL, which point at the simulator below.
  Headers of that name sent by the browser are dropped, as Connect drops them. A call with an
  ``Authorization`` API key (automation) is made as that key's account, with call source ``api``.
- ``/connect/public/v1/...``: the Connect API simulator (:mod:`sandbox.connect.app`).
- ``/``: the Connect portal (persona switch, the extension's page in an iframe, the
  ``connect-ui-toolkit`` bridge host: :mod:`sandbox.connect.portal`).
- ``/sandbox/persona`` (POST), ``/sandbox/replay`` (POST), ``/sandbox/notes`` (+ ``.json``):
  choose who you are, push the sample orders through the real events application, read the
  notes it wrote on the requests' conversations.

A browser opening a page of the extension directly (a note's Manage Overage link) is sent to the
portal showing that page, since the page needs the portal's bridge to start.
"""
import base64
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Dict, List, Mapping, Tuple
from urllib.parse import parse_qsl, urlencode

from connect.client import ClientError, ConnectClient
from connect.eaas.core.utils import client_error_exception_handler
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount, Route

from sandbox import seed
from sandbox.connect.app import CallLog, Faults
from sandbox.connect.app import create_app as create_connect_app
from sandbox.connect.portal import pages_for, render_notes, render_portal, shared_context
from sandbox.connect.world import ConnectWorld


logger = logging.getLogger(__name__)

PERSONA_COOKIE = 'sandbox_persona'
PERSONA_HEADER = 'x-sandbox-persona'
CONNECT_PREFIX = '/connect'
CONNECT_API_PATH = CONNECT_PREFIX + '/public/v1'
USER_AGENT = 'connect-extension-sandbox/1.0'
# Add this query parameter to open an extension page outside the portal.
STANDALONE_PARAM = 'sandbox_standalone'


def build_webapp(webapp_class) -> FastAPI:
    """The web application's ASGI app as the runner (and eaas-core's test client) builds it:
    authenticated routes under ``/api``, ``@unauthorized`` ones under ``/guest`` and
    ``/unauthorized``, ``/static`` from the package, the ``ClientError`` handler, and the class's
    own exception handlers and middlewares when it declares them."""
    handlers: Dict[Any, Any] = {ClientError: client_error_exception_handler}
    if hasattr(webapp_class, 'get_exception_handlers'):
        handlers = webapp_class.get_exception_handlers(handlers)
    app = FastAPI(exception_handlers=handlers, openapi_url='/openapi/spec.json', docs_url=None,
                  redoc_url=None)
    auth_router, no_auth_router = webapp_class.get_routers()
    app.include_router(auth_router, prefix='/api')
    app.include_router(no_auth_router, prefix='/guest')
    app.include_router(no_auth_router, prefix='/unauthorized')
    static_root = webapp_class.get_static_root()
    if static_root:
        app.mount('/static', StaticFiles(directory=static_root), name='static')
    for middleware in getattr(webapp_class, 'get_middlewares', lambda: [])():
        if isinstance(middleware, tuple):
            app.add_middleware(middleware[0], **middleware[1])
        elif isinstance(middleware, type):
            app.add_middleware(middleware)
        else:
            app.add_middleware(BaseHTTPMiddleware, dispatch=middleware)
    return app


def default_webapp_class():
    from connect_ext.webapp import OverageWebApplication

    return OverageWebApplication


def default_events_class():
    from connect_ext.events import OverageEventsApplication

    return OverageEventsApplication


@dataclass
class Sandbox:
    """Everything the app serves from: the Connect world, the variables and the app classes."""

    connect_world: ConnectWorld
    variables: Dict[str, str]
    webapp_class: Any = field(default_factory=default_webapp_class)
    events_class: Any = field(default_factory=default_events_class)
    personas: Mapping[str, seed.Persona] = field(default_factory=lambda: dict(seed.PERSONAS))
    connect_faults: Faults = field(default_factory=Faults)
    connect_calls: CallLog = field(default_factory=CallLog)
    extension_id: str = seed.EXTENSION_ID
    environment_id: str = seed.ENVIRONMENT_ID

    @property
    def extension_name(self) -> str:
        try:
            return self.webapp_class.get_descriptor().get('name') or 'Extension'
        except Exception:  # noqa: BLE001 - a broken descriptor must not take the portal down
            return 'Extension'


# -- the call context ----------------------------------------------------------------------------

def persona_key(headers: Mapping[str, str], personas: Mapping[str, Any]) -> str:
    """The persona of a call: the ``X-Sandbox-Persona`` header, else the cookie, else the
    distributor; an unknown name falls back to the distributor too."""
    wanted = headers.get(PERSONA_HEADER)
    if not wanted:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get('cookie', ''))
        except Exception:  # noqa: BLE001 - a malformed cookie header means "no choice"
            cookie = SimpleCookie()
        wanted = cookie[PERSONA_COOKIE].value if PERSONA_COOKIE in cookie else None
    return wanted if wanted in personas else seed.DEFAULT_PERSONA


def unsigned_jwt(claims: Mapping[str, Any]) -> str:
    """A JWT-shaped token (not signed) like the ``connect-auth`` header Connect adds."""
    def part(data: Mapping[str, Any]) -> str:
        raw = json.dumps(data, separators=(',', ':')).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip('=')

    return f'{part({"alg": "none", "typ": "JWT"})}.{part(claims)}.sandbox'


def connect_headers(persona: seed.Persona, sandbox: Sandbox, gateway_url: str, *,
                    call_source: str = 'ui') -> Dict[str, str]:
    """The headers Connect's runner adds to a web call made by ``persona`` (lower-case names)."""
    headers = {
        'x-connect-api-gateway-url': gateway_url,
        'x-connect-user-agent': USER_AGENT,
        'x-connect-extension-id': sandbox.extension_id,
        'x-connect-environment-id': sandbox.environment_id,
        'x-connect-environment-type': 'production',
        'x-connect-logging-level': 'INFO',
        'x-connect-config': json.dumps(sandbox.variables),
        'x-connect-installation-api-key': persona.api_key,
        'x-connect-installation-id': persona.installation_id,
        'x-connect-correlation-id': f'00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01',
        'x-connect-user-id': persona.user_id,
        'x-connect-account-id': persona.account_id,
        'x-connect-account-role': persona.account_role,
        'x-connect-call-type': persona.call_type,
        'x-connect-call-source': call_source,
        'connect-auth': unsigned_jwt({'u': {'oid': persona.user_id, 'name': persona.user_name}}),
    }
    if persona.tier_account_id:
        headers['x-connect-tier-account-id'] = persona.tier_account_id
    return headers


def base_url_of(scope: Mapping[str, Any]) -> str:
    """This server's own address as the connection reached it (for calls back into it)."""
    server = scope.get('server') or ('127.0.0.1', 80)
    host, port = server[0], server[1]
    host = f'[{host}]' if ':' in str(host) else host
    return f'{scope.get("scheme", "http")}://{host}:{port}'


class ConnectHeaders:
    """ASGI wrapper of the web app: replaces every ``X-Connect-*`` header with the persona's."""

    def __init__(self, app, sandbox: Sandbox):
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        incoming = {name.decode('latin-1').lower(): value.decode('latin-1')
                    for name, value in scope.get('headers', [])}
        if _is_top_level_page(scope, incoming):
            await _to_portal(scope)(scope, receive, send)
            return
        call_source = 'ui'
        if 'authorization' in incoming:
            # An API key: external automation calling the extension through Connect, which
            # rejects an unknown key itself and passes the key's account as the caller.
            principal = self.sandbox.connect_world.principals.get(incoming['authorization'].strip())
            if principal is None or principal.role not in self.sandbox.personas:
                response = JSONResponse({'error_code': 'AUTH_001',
                                         'errors': ['Unauthorized: a valid API key is required.']},
                                        status_code=401)
                await response(scope, receive, send)
                return
            persona, call_source = self.sandbox.personas[principal.role], 'api'
        else:
            persona = self.sandbox.personas[persona_key(incoming, self.sandbox.personas)]
        added = connect_headers(persona, self.sandbox, base_url_of(scope) + CONNECT_API_PATH,
                                call_source=call_source)
        kept = [(name, value) for name, value in scope.get('headers', [])
                if not _is_connect_header(name.decode('latin-1').lower())
                and name.lower() != b'authorization']
        headers = kept + [(name.encode('latin-1'), value.encode('latin-1'))
                          for name, value in added.items()]
        await self.app(dict(scope, headers=headers), receive, send)


def _is_connect_header(name: str) -> bool:
    return name.startswith('x-connect-') or name == 'connect-auth'


def _is_top_level_page(scope, headers: Mapping[str, str]) -> bool:
    path = scope.get('path', '')
    query = scope.get('query_string', b'').decode('latin-1')
    return (path.startswith('/static/') and path.endswith('.html')
            and headers.get('sec-fetch-dest') == 'document'
            and STANDALONE_PARAM not in query)


def _to_portal(scope) -> RedirectResponse:
    page = scope['path'].rsplit('/', 1)[-1]
    query = parse_qsl(scope.get('query_string', b'').decode('latin-1'))
    return RedirectResponse('/?' + urlencode([('page', page), *query]), status_code=303)


# -- replaying orders through the events application ---------------------------------------------

def deliver(events_class, client: ConnectClient, config: Mapping[str, str],
            installation: Mapping[str, Any], request: Mapping[str, Any]) -> Tuple[str, str]:
    """Hand ``request`` to the events application as the runner would: ``(result, detail)``.

    Only subscribed (event type, status) pairs are delivered; an exception is the runner's
    ``retry``. The result is eaas-core's ``ResultType`` value (``success``, ``skip``...).
    """
    event_type = f'asset_{request["type"]}_request_processing'
    handler = next((info for info in events_class.get_events()
                    if info['event_type'] == event_type), None)
    if handler is None or request['status'] not in handler['statuses']:
        return 'not_subscribed', f'the extension does not subscribe to {event_type} ' \
                                 f'({request["status"]})'
    events_logger = logging.getLogger('sandbox.events')
    application = events_class(client, events_logger, dict(config), installation=installation)
    try:
        response = getattr(application, handler['method'])(request)
    except Exception as error:  # the runner answers "retry" to any exception
        events_logger.exception('The %s handler failed on %s', event_type, request['id'])
        return 'retry', f'{type(error).__name__}: {error}'
    return str(response.status), str(response.output or '')


def replay_orders(sandbox: Sandbox, base_url: str) -> List[Dict[str, Any]]:
    """Create the sample requests once, move them on, and deliver each status as an event.

    The first replay walks every request through its statuses; a later one delivers each
    request again in the status it has, which is what Connect's redelivery looks like.
    """
    world = sandbox.connect_world
    client = ConnectClient(seed.DISTRIBUTOR_API_KEY, endpoint=base_url + CONNECT_API_PATH,
                           use_specs=False, default_headers={'User-Agent': USER_AGENT})
    installation = world.installations[seed.DISTRIBUTOR_INSTALLATION_ID]
    deliveries = []
    for order in seed.SAMPLE_ORDERS:
        created = seed.ensure_sample_order(world, order)
        statuses = order.statuses if created else (world.requests[order.request_id]['status'],)
        for status in statuses:
            world.set_request_status(order.request_id, status)
            # The runner hands a handler the request as the API has it now.
            request = client.requests[order.request_id].get()
            result, detail = deliver(sandbox.events_class, client, sandbox.variables,
                                     installation, request)
            deliveries.append({
                'request_id': order.request_id,
                'type': order.request_type,
                'status': status,
                'customer_id': request['asset']['tiers']['customer']['id'],
                'description': order.description,
                'outcome': result,
                'detail': detail,
                'notes': len(world.notes_of(order.request_id)),
            })
    return deliveries


def conversations_overview(world: ConnectWorld) -> List[Dict[str, Any]]:
    """Every request's conversation with its messages, newest request first."""
    with world.lock:
        requests = sorted(world.requests.values(), key=lambda r: (r['created'], r['id']),
                          reverse=True)
        return [{
            'request_id': request['id'],
            'type': request['type'],
            'status': request['status'],
            'customer': request['asset']['tiers']['customer']['name'],
            'conversation_id': world.conversation_for(request['id'])['id'],
            'messages': world.notes_of(request['id']),
        } for request in requests]


# -- the app -------------------------------------------------------------------------------------

def _static_files(webapp_class) -> List[str]:
    root = webapp_class.get_static_root()
    return sorted(os.listdir(root)) if root else []


def create_app(sandbox: Sandbox) -> Starlette:
    webapp = ConnectHeaders(build_webapp(sandbox.webapp_class), sandbox)
    connect_app = create_connect_app(sandbox.connect_world, sandbox.connect_faults,
                                     sandbox.connect_calls)

    async def portal(request: Request):
        persona = sandbox.personas[persona_key(request.headers, sandbox.personas)]
        pages = pages_for(persona, sandbox.webapp_class.get_ui_modules(),
                          _static_files(sandbox.webapp_class))
        query = dict(request.query_params)
        selected = query.pop('page', '')
        page = render_portal(
            persona=persona, personas=sandbox.personas, pages=pages, selected=selected,
            forwarded_query=query, extension_name=sandbox.extension_name,
            context=shared_context(persona, extension_id=sandbox.extension_id,
                                   extension_name=sandbox.extension_name,
                                   environment_id=sandbox.environment_id),
        )
        return HTMLResponse(page)

    async def choose_persona(request: Request):
        form = parse_qsl((await request.body()).decode('utf-8'))
        wanted = dict(form).get('persona') or request.query_params.get('persona')
        if wanted not in sandbox.personas:
            return JSONResponse({'error': f'unknown persona {wanted!r}',
                                 'personas': sorted(sandbox.personas)}, status_code=400)
        response = RedirectResponse('/', status_code=303)
        response.set_cookie(PERSONA_COOKIE, wanted, httponly=True, samesite='lax')
        return response

    async def replay(request: Request):
        deliveries = await run_in_threadpool(replay_orders, sandbox, base_url_of(request.scope))
        return JSONResponse({'deliveries': deliveries})

    async def notes_page(request: Request):
        return HTMLResponse(render_notes(conversations_overview(sandbox.connect_world)))

    async def notes_json(request: Request):
        return JSONResponse({'conversations': conversations_overview(sandbox.connect_world)})

    app = Starlette(routes=[
        Route('/', portal, methods=['GET']),
        Route('/sandbox/persona', choose_persona, methods=['POST']),
        Route('/sandbox/replay', replay, methods=['POST']),
        Route('/sandbox/notes', notes_page, methods=['GET']),
        Route('/sandbox/notes.json', notes_json, methods=['GET']),
        Mount(CONNECT_PREFIX, app=connect_app),
    ])
    # Everything else is the extension's, as under the runner (a Mount('') would miss a path with a
    # newline in it, its pattern being '.*', and answer Starlette's text 404 instead of the API's).
    app.router.default = webapp
    app.state.sandbox = sandbox
    return app
