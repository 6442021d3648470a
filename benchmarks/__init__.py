"""Benchmarks and reliability runs of the Overage Manager (issue 8): ``python -m benchmarks``.

Every figure is measured against a baseline taken in the same run, on the same machine, through
the real code: the Partner Center client over HTTPS against the Partner Center simulator, the
overage service, the store (SQLite, PostgreSQL), the events application against the Connect
simulator, and the web app served by uvicorn. Nothing is mocked in between.

This module holds what the rows share: the result of a row (:class:`Row`) and its verdict, the
per-row peak-memory probe, percentiles, and builders for the simulators' worlds, the store, the
client, the service and the web app. Each row lives in its own module with a ``run(options)``
that returns its rows; :mod:`benchmarks.__main__` prints them as one table.
"""
import json
import logging
import os
import platform
import re
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from connect_ext.config import PartnerCenterSettings, Settings
from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.service.overage import OverageService
from connect_ext.store import Store
from connect_ext.vocabulary import OWNER
from sandbox.partner_center import demo
from sandbox.partner_center.world import World


# ------------------------------------------------------------------------------------ options


@dataclass(frozen=True)
class Options:
    """How a row runs: ``quick`` shrinks the sizes; ``heap`` also traces Python allocations."""

    quick: bool = False
    heap: bool = False
    postgres_url: Optional[str] = None


# ------------------------------------------------------------------------------------ results


@dataclass
class Row:
    """One line of the table: a figure, its baseline measured in the same run, and a verdict."""

    key: str
    title: str
    figure: str
    baseline: str
    target: str = ''
    verdict: str = 'n/a'
    seconds: float = 0.0
    peak_rss_mb: Optional[float] = None
    heap_peak_mb: Optional[float] = None
    notes: List[str] = field(default_factory=list)


def at_most(value: float, limit: float, unit: str = '') -> str:
    """``met`` or ``missed by X`` for a figure that must not exceed ``limit``."""
    if value <= limit:
        return 'met'
    return f'missed by {_number(value - limit)}{unit}'


def at_least(value: float, limit: float, unit: str = '') -> str:
    """``met`` or ``missed by X`` for a figure that must reach ``limit``."""
    if value >= limit:
        return 'met'
    return f'missed by {_number(limit - value)}{unit}'


def _number(value: float) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return f'{value:.0f}'
    return f'{value:.2f}'.rstrip('0').rstrip('.')


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; ``nan`` for no values."""
    if not values:
        return float('nan')
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(min(rank, len(ordered))) - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> str:
    return f'{seconds * 1000:.0f} ms'


# ------------------------------------------------------------------------------------ machine


def machine() -> str:
    """Platform, CPU count and model, Python version: the table header."""
    model = ''
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as cpuinfo:
            found = re.search(r'^model name\s*:\s*(.+)$', cpuinfo.read(), re.MULTILINE)
            model = f' ({found.group(1).strip()})' if found else ''
    except OSError:
        pass
    return (f'{platform.platform()}; {os.cpu_count()} CPU{model}; '
            f'Python {platform.python_version()} ({platform.python_implementation()})')


# ------------------------------------------------------------------------------------ memory


_STATUS = '/proc/self/status'
_CLEAR_REFS = '/proc/self/clear_refs'


def _vm_hwm_kb() -> Optional[int]:
    try:
        with open(_STATUS, encoding='ascii') as status:
            found = re.search(r'^VmHWM:\s+(\d+)\s+kB', status.read(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _reset_vm_hwm() -> bool:
    """Linux resets the process's peak RSS when ``5`` is written to its ``clear_refs``."""
    try:
        with open(_CLEAR_REFS, 'w', encoding='ascii') as clear_refs:
            clear_refs.write('5')
    except OSError:
        return False
    return True


def _maxrss_kb() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == 'darwin' else usage  # bytes on macOS, kB elsewhere


class MemoryProbe:
    """The peak memory of the process while one row runs.

    Peak RSS: on Linux the kernel's high-water mark is reset before the row, so the figure is
    this row's own peak (the simulators run in the same process and are included); elsewhere
    the growth of ``getrusage`` maxrss. With ``heap=True``, tracemalloc's peak of Python
    allocations too (it slows Python code down, so times measured with it are inflated).
    """

    def __init__(self, heap: bool = False):
        self.heap = heap
        self.peak_rss_mb: Optional[float] = None
        self.heap_peak_mb: Optional[float] = None
        self._hwm_reset = False
        self._start_maxrss = 0

    def __enter__(self) -> 'MemoryProbe':
        self._hwm_reset = _reset_vm_hwm() and _vm_hwm_kb() is not None
        self._start_maxrss = _maxrss_kb()
        if self.heap:
            tracemalloc.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.heap:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.heap_peak_mb = peak / 2**20
        if self._hwm_reset:
            self.peak_rss_mb = (_vm_hwm_kb() or 0) / 1024
        else:
            self.peak_rss_mb = max(0, _maxrss_kb() - self._start_maxrss) / 1024


# ------------------------------------------------------------------------------------ ids


def guid(kind: int, number: int) -> str:
    """A stable GUID per kind of object and number (readable in the simulator's logs)."""
    return f'{kind:08x}-0000-4000-8000-{number:012x}'


TENANT, PLAN, ENTITLEMENT, OVG_SUBSCRIPTION = 0xC0570BE0, 0xB1A70BE0, 0xE0710BE0, 0x5B5C0BE0


def tenant_id(number: int) -> str:
    return guid(TENANT, number)


def plan_id(number: int) -> str:
    return guid(PLAN, number)


def entitlement_id(number: int, index: int = 0) -> str:
    return guid(ENTITLEMENT, number * 16 + index)


def customer_id(number: int) -> str:
    """The Connect tier account id of benchmark customer ``number``."""
    return f'TA-{number // 10**8 % 10**4:04d}-{number // 10**4 % 10**4:04d}-{number % 10**4:04d}'


OWNER_CALLER = Caller(role=OWNER, account_id='PA-000-001')


def customer_ref(number: int, **extra: Any) -> CustomerRef:
    values = {'customer_id': customer_id(number), 'tenant_id': tenant_id(number),
              'name': f'Benchmark customer {number}', 'country': 'US', 'tier1_id': 'TA-0000-0000-0001'}
    values.update(extra)
    return CustomerRef(**values)


# ------------------------------------------------------------------------------------ worlds


def distributor_world(**world_options: Any) -> World:
    """A Partner Center world with the demo distributor (its app, Admin Agent) and OVG SKU."""
    world = World(**world_options)
    world.add_partner(
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_MPN_ID, demo.DISTRIBUTOR_NAME,
        client_id=demo.DISTRIBUTOR_CLIENT_ID, client_secret=demo.DISTRIBUTOR_CLIENT_SECRET,
        refresh_token=demo.DISTRIBUTOR_REFRESH_TOKEN,
    )
    world.add_sku(demo.OVG_PRODUCT_ID, demo.OVG_SKU_ID, demo.OVG_OFFER_NAME,
                  consumption_type='overage')
    return world


def add_ready_customer(world: World, number: int, *, entitlements: int = 2) -> None:
    """A customer that may get overage: our OVG subscription, our Azure plan with
    ``entitlements`` active Azure subscriptions, overage never set."""
    tenant = tenant_id(number)
    world.add_customer(tenant, f'Benchmark customer {number}')
    world.add_subscription(tenant, demo.DISTRIBUTOR_TENANT_ID, demo.OVG_OFFER_ID,
                           demo.OVG_OFFER_NAME, consumption_type='overage', quantity=10,
                           subscription_id=guid(OVG_SUBSCRIPTION, number))
    plan = world.add_azure_plan(tenant, demo.DISTRIBUTOR_TENANT_ID, subscription_id=plan_id(number))
    for index in range(entitlements):
        world.add_entitlement(tenant, plan, name=f'Azure subscription {index + 1}',
                              entitlement_id=entitlement_id(number, index))


def ready_world(customers: int, *, entitlements: int = 2, **world_options: Any) -> World:
    world = distributor_world(**world_options)
    for number in range(1, customers + 1):
        add_ready_customer(world, number, entitlements=entitlements)
    return world


# ------------------------------------------------------------------------------------ parts


def partner_center_settings(sim, **overrides: Any) -> PartnerCenterSettings:
    """The distributor's App+User settings on the simulator ``sim`` (a SimulatorHandle)."""
    return sim.settings(demo.DISTRIBUTOR_TENANT_ID, **overrides)


def partner_center_client(settings: PartnerCenterSettings, *,
                          sleep: Callable[[float], None] = time.sleep) -> PartnerCenterClient:
    """The real client; its tokens come with a 10-second time-out whatever ``settings`` say,
    since the token endpoint is never what a run injects faults into or measures."""
    from dataclasses import replace

    from connect_ext.partner_center.auth import MsalTokenProvider

    tokens = MsalTokenProvider(replace(settings, read_timeout=max(10.0, settings.read_timeout)))
    return PartnerCenterClient(settings, token_provider=tokens, sleep=sleep)


@contextmanager
def temporary_sqlite_store() -> Iterator[Store]:
    """A migrated SQLite store in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix='overage-bench-') as directory:
        store = Store.migrated(f'sqlite:///{directory}/store.sqlite3')
        try:
            yield store
        finally:
            store.close()


def make_service(client: PartnerCenterClient, store: Store, pc_settings: PartnerCenterSettings,
                 *, workers: Optional[int] = None, **options: Any) -> OverageService:
    """The overage service as the web app builds it; ``workers`` replaces the size of its own
    thread pool for reads (None keeps the service's default)."""
    from concurrent.futures import ThreadPoolExecutor

    settings = Settings(partner_center=pc_settings, database_url=store.url)
    if workers is not None:
        options['executor'] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='bench-overage')
    return OverageService(client, store, settings, **options)


def record_customers(store: Store, numbers: Sequence[int]) -> None:
    """Bulk-record benchmark customers (with tenant ids) in the store's customer table."""
    bulk_insert_customers(store, [customer_row(number) for number in numbers])


def customer_row(number: int, *, name: Optional[str] = None, status: str = 'unknown',
                 now: Optional[datetime] = None, **extra: Any) -> Dict[str, Any]:
    """A row of the ``customers`` table, every column the store itself would fill."""
    from connect_ext.store.models import search_key

    now = now or datetime.now(timezone.utc)
    name = name or f'Benchmark customer {number}'
    row = {
        'customer_id': customer_id(number), 'tenant_id': tenant_id(number), 'name': name,
        'search_name': search_key(name), 'country': 'US', 'tier1_id': 'TA-0000-0000-0001',
        'tier2_id': None, 'reseller_mpn': None, 'ovg_subscription_count': 1,
        'ovg_asset_ids': [], 'overage_status': status, 'azure_entitlement_id': None,
        'overage_partner_id': None, 'flags': [], 'checked_at': None, 'sync_claimed_until': None,
        'sync_claimed_by': None, 'created_at': now, 'updated_at': now, 'version': 1,
    }
    row.update(extra)
    return row


def bulk_insert_customers(store: Store, rows: Sequence[Dict[str, Any]], chunk: int = 5000) -> None:
    """One multi-row INSERT per ``chunk`` rows through SQLAlchemy Core (executemany), not
    ``upsert_customer`` one by one."""
    from connect_ext.store.models import Customer

    table = Customer.__table__
    with store.engine.begin() as connection:
        for start in range(0, len(rows), chunk):
            connection.execute(table.insert(), list(rows[start:start + chunk]))


# ------------------------------------------------------------------------------------ web app


def owner_headers() -> Dict[str, str]:
    """The call context Connect adds to a call by the distributor (the extension's owner)."""
    return {
        'X-Connect-Installation-Id': 'EIN-000-000-001',
        'X-Connect-User-Id': 'UR-000-000-001',
        'X-Connect-Account-Id': OWNER_CALLER.account_id,
        'X-Connect-Account-Role': 'distributor',
        'X-Connect-Call-Source': 'ui',
        'X-Connect-Call-Type': 'admin',
        'X-Connect-Extension-Id': 'SRVC-0000-0001',
        'X-Connect-Environment-Id': 'ENV-0000-0001-03',
        'X-Connect-Environment-Type': 'production',
    }


@contextmanager
def running_webapp(store: Store, service: Optional[Callable[[], OverageService]] = None,
                   settings: Optional[Settings] = None) -> Iterator[str]:
    """The real web app (built as the runner builds it) served by uvicorn on localhost, with
    its store and settings replaced by these, and its overage service by what ``service()``
    returns (when given); yields its base URL (``…/api``)."""
    from connect_ext.api import dependencies
    from connect_ext.customers.directory import CustomerDirectory
    from connect_ext.webapp import OverageWebApplication
    from sandbox.app import build_webapp

    settings = settings or Settings(database_url=store.url)
    app = build_webapp(OverageWebApplication)
    app.dependency_overrides.update({
        dependencies.get_settings: lambda: settings,
        dependencies.get_store: lambda: store,
        dependencies.get_directory: lambda: CustomerDirectory(store, None, settings),
    })
    if service is not None:
        app.dependency_overrides[dependencies.get_overage_service] = service
    with serving(app) as base_url:
        yield base_url + '/api'


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn (h11, one event loop) in a daemon thread; yields its URL.

    The listening socket says TCP explicitly: asyncio sets TCP_NODELAY on accepted connections
    only then, and without it each keep-alive answer can wait ~40 ms for a delayed ACK.
    """
    import socket

    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', 0))
    listener.listen(256)
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, host='127.0.0.1', port=port, http='h11', loop='asyncio',
                            lifespan='off', access_log=False, log_config=None,
                            log_level='warning', timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={'sockets': [listener]}, daemon=True,
                              name=f'bench-http-{port}')
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError('the benchmark web server did not start')
        time.sleep(0.01)
    try:
        yield f'http://127.0.0.1:{port}'
    finally:
        server.should_exit = server.force_exit = True
        thread.join(timeout=5)
        listener.close()


# ------------------------------------------------------------------------------------ Connect


M365_PRODUCT_ID = 'PRD-183-233-565'


def asset_id(number: int, index: int = 0) -> str:
    """The Connect subscription (asset) ``index`` of benchmark customer ``number``."""
    return f'AS-{number // 10**4 % 10**4:04d}-{number % 10**4:04d}-{index:04d}'


def connect_world(customers: Sequence[int]):
    """The Connect side of benchmark customers: the sandbox's distributor (API key,
    installation), its Microsoft 365 product with OVG items, and per customer a tier account."""
    from sandbox import seed
    from sandbox.connect.world import DISTRIBUTOR, ConnectWorld

    world = ConnectWorld(provider=(seed.DISTRIBUTOR_ACCOUNT_ID, demo.DISTRIBUTOR_NAME))
    distributor = world.add_principal(seed.DISTRIBUTOR_API_KEY, seed.DISTRIBUTOR_ACCOUNT_ID,
                                      DISTRIBUTOR, name=demo.DISTRIBUTOR_NAME)
    world.add_installation(seed.DISTRIBUTOR_INSTALLATION_ID, distributor)
    world.add_tier_account(seed.DIRECT_TIER_ACCOUNT_ID, 'Direct channel', scopes=('tier1',))
    world.add_product(seed.M365_PRODUCT_ID, seed.M365_PRODUCT_NAME)
    for local_id, name, display_name, mpn in seed.M365_ITEMS:
        world.add_item(seed.M365_PRODUCT_ID, local_id, name, display_name=display_name, mpn=mpn)
    for number in customers:
        world.add_tier_account(customer_id(number), f'Benchmark customer {number}')
    return world


def add_ovg_purchase(world, number: int, index: int) -> Dict[str, Any]:
    """A pending purchase of a new subscription with an OVG item for customer ``number``."""
    from sandbox import seed

    asset = asset_id(number, index)
    world.add_asset(asset, seed.M365_PRODUCT_ID, customer=customer_id(number),
                    tier1=seed.DIRECT_TIER_ACCOUNT_ID, status='processing',
                    items={seed.OVG_MONTHLY_ITEM_ID: 5, seed.BUSINESS_STANDARD_ITEM_ID: 5},
                    params={'ms_customer_id': tenant_id(number)})
    return world.add_request(asset, 'purchase', status='pending')


@contextmanager
def running_connect(world, faults: Any = None) -> Iterator[Any]:
    """The Connect simulator over ``world`` (with ``faults``, a ``sandbox.connect.app.Faults``)
    on localhost; yields a Connect client of the distributor."""
    from connect.client import ConnectClient
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from sandbox import seed
    from sandbox.connect.app import create_app

    app = Starlette(routes=[Mount('/connect', app=create_app(world, faults))])
    with serving(app) as url:
        yield ConnectClient(seed.DISTRIBUTOR_API_KEY, endpoint=url + '/connect/public/v1',
                            use_specs=False, max_retries=0)


def events_application(connect_client, store: Store, service: OverageService,
                       pc_settings: PartnerCenterSettings):
    """The real events application, on this store and service (as the tests wire it)."""
    from connect_ext.events import OverageEventsApplication
    from connect_ext.wiring import EventsDependencies
    from sandbox import seed

    settings = Settings(partner_center=pc_settings, database_url=store.url,
                        pages_url='https://overage.example.org')
    installation = {'id': seed.DISTRIBUTOR_INSTALLATION_ID,
                    'owner': {'id': seed.DISTRIBUTOR_ACCOUNT_ID, 'name': demo.DISTRIBUTOR_NAME}}
    application = OverageEventsApplication(
        connect_client, logging.getLogger('benchmarks.events'), {},
        installation_client=connect_client, installation=installation,
    )
    application.dependencies = EventsDependencies(settings, store=store, service=service)
    return application


# ------------------------------------------------------------------------------------ webhooks


class WebhookReceiver:
    """A local HTTP endpoint that keeps every delivery it gets (headers and parsed body)."""

    def __init__(self):
        self.deliveries: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                with receiver._lock:
                    receiver.deliveries.append({
                        'headers': dict(self.headers.items()), 'raw': body,
                        'body': json.loads(body or b'null'),
                    })
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args):  # the table is the output, not an access log
                return

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/overage-hook'
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name='bench-webhook-receiver')

    def __enter__(self) -> 'WebhookReceiver':
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------------ logs


class LogCapture(logging.Handler):
    """Every log record of the process, formatted (with its traceback), while installed on the
    root logger at DEBUG: what an operator's log would hold."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []
        self._lock_lines = threading.Lock()
        self.setFormatter(logging.Formatter('%(levelname)s %(name)s %(message)s'))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception as error:  # noqa: BLE001 - a broken record is itself worth seeing
            text = f'unformattable record {record.msg!r}: {error!r}'
        with self._lock_lines:
            self.lines.append(text)

    @contextmanager
    def installed(self) -> Iterator['LogCapture']:
        root = logging.getLogger()
        level = root.level
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        try:
            yield self
        finally:
            root.removeHandler(self)
            root.setLevel(level)


def leaked_secrets(secrets: Dict[str, str], texts: Sequence[str]) -> Dict[str, int]:
    """How many of ``texts`` hold each secret (by name); only secrets found are listed."""
    found: Dict[str, int] = {}
    for name, secret in secrets.items():
        if not secret:
            continue
        hits = sum(1 for text in texts if secret in text)
        if hits:
            found[name] = hits
    return found


def new_secret(prefix: str) -> str:
    return f'{prefix}-{uuid.uuid4().hex}'
