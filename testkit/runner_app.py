"""The web app as Connect's runner serves it: no dependency replaced, the configuration in
``X-Connect-Config`` on every call, and a Connect that lists each reseller's subscriptions.

:func:`testkit.services.running_webapp` replaces the store, the settings and the directory with
``app.dependency_overrides``. FastAPI then rebuilds the dependency graph of every route on every
call (``solve_dependencies`` calls ``get_dependant`` for each dependency while any override is set),
which costs several milliseconds of CPU per request that the runner never pays. The benchmarks
measure the runner's path: :func:`serving_as_the_runner`.
"""
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

from testkit.servers import serving
from testkit.services import owner_headers


RUNNER_USER_AGENT = 'connect-extension-runner/benchmark'
# Connect's largest page of a listing.
MAX_PAGE = 1000


class ListingConnect:
    """Connect's ``GET /public/v1/subscriptions/assets`` for reseller installations: the
    subscriptions of each API key's customers (one OVG asset per customer), paged by
    ``limit``/``offset`` with Connect's ``Content-Range``. Any other call answers 404."""

    def __init__(self, customers_by_key: Mapping[str, Sequence[str]]):
        assets = {key: [{'id': f'AS-{number:04d}-{index // 10000:04d}-{index % 10000:04d}',
                         'tiers': {'customer': {'id': customer_id}}}
                        for index, customer_id in enumerate(customer_ids)]
                  for number, (key, customer_ids) in enumerate(customers_by_key.items(), start=1)}
        self.calls: List[str] = []
        listing = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_GET(self):
                parts = urlsplit(self.path)
                listing.calls.append(parts.path)
                known = assets.get(self.headers.get('Authorization') or '')
                if parts.path != '/public/v1/subscriptions/assets' or known is None:
                    return self._answer(404, {'error_code': 'NOT_FOUND', 'errors': ['not found']})
                query = parse_qs(parts.query)
                limit = min(MAX_PAGE, int((query.get('limit') or ['100'])[0]))
                offset = int((query.get('offset') or ['0'])[0])
                page = known[offset:offset + limit]
                last = offset + len(page) - 1
                shown = f'items {offset}-{last}/{len(known)}' if page else f'items */{len(known)}'
                return self._answer(200, page, {'Content-Range': shown})

            def _answer(self, status, body, headers=None):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args):
                return

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/public/v1'
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name='bench-listing-connect')

    def __enter__(self) -> 'ListingConnect':
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class RunnerApp:
    """The served app: its ``/api`` URL and the headers Connect's runner adds to each call."""

    api_url: str
    connect_url: str
    variables: Dict[str, str]
    reseller_keys: Dict[str, str] = field(default_factory=dict)

    def _common(self) -> Dict[str, str]:
        return {'X-Connect-Config': json.dumps(self.variables),
                'X-Connect-Api-Gateway-Url': self.connect_url,
                'X-Connect-User-Agent': RUNNER_USER_AGENT}

    def owner_headers(self) -> Dict[str, str]:
        return {**owner_headers(), **self._common()}

    def reseller_headers(self, account_id: str) -> Dict[str, str]:
        """A call from reseller ``account_id``'s own installation (its key lists its customers)."""
        return {
            'X-Connect-Installation-Id': f'EIN-{account_id[3:]}',
            'X-Connect-User-Id': 'UR-000-000-002',
            'X-Connect-Account-Id': account_id,
            'X-Connect-Account-Role': 'reseller',
            'X-Connect-Call-Source': 'ui',
            'X-Connect-Call-Type': 'user',
            'X-Connect-Installation-Api-Key': self.reseller_keys[account_id],
            **self._common(),
        }


@contextmanager
def serving_as_the_runner(database_url: str,
                          resellers: Mapping[str, Sequence[str]] = ()) -> Iterator[RunnerApp]:
    """The real web app on ``database_url`` under uvicorn with no dependency replaced; each of
    ``resellers`` (account id -> the customer ids Connect shows it) gets an installation key that
    the local Connect answers with those customers' subscriptions."""
    from connect_ext.webapp import OverageWebApplication
    from sandbox.app import build_webapp

    resellers = dict(resellers or {})
    keys = {account: f'ApiKey SU-{account[3:]}:bench' for account in resellers}
    app = build_webapp(OverageWebApplication)
    assert not app.dependency_overrides  # the point of this app
    with ListingConnect({keys[account]: ids for account, ids in resellers.items()}) as connect, \
            serving(app) as base_url:
        yield RunnerApp(base_url + '/api', connect.url, {'DATABASE_URL': database_url}, keys)
