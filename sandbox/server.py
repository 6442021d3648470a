"""Start the whole sandbox in-process: ``with SandboxServer() as sandbox: open(sandbox.url)``.

Started in this order, all on localhost:

1. the Partner Center simulator over TLS on its own port (MSAL only trusts ``https``
   authorities), seeded with :func:`~sandbox.partner_center.demo.demo_world`;
2. the Connect world built from it (:func:`sandbox.seed.build_connect_world`);
3. the store: a fresh SQLite file in the data directory, migrated and seeded, so each start
   shows the demo as it is in Microsoft's world (which lives in memory);
4. the sandbox app (:func:`sandbox.app.create_app`) on ``port`` (0: a free one);
5. the background confirmation pass and handover watch, every ``confirm_every`` seconds
   (:class:`ConfirmationLoop`): what the scheduled sync does in Connect, run here often, so a
   change that answered "waiting for Microsoft to confirm" is confirmed soon after Microsoft shows
   it, and a handover request completes by itself once the other partner releases the overage.

Microsoft's change takes a while to show, so the simulator here lags like it
(:data:`SANDBOX_LAG`: each write shows after a few seconds to most of a minute; ``pc_lag``
replaces it, 0 for none).

The variables point the extension at the simulators (:func:`sandbox_variables`). ``API_KEY`` is
set in the environment while the sandbox runs, as the runner sets it: eaas-core's extension
client reads it there.
"""
import logging
import os
import shutil
import tempfile
import threading
from typing import Any, Dict, Mapping, Optional

from sandbox import seed
from sandbox.app import CONNECT_API_PATH, Sandbox, create_app
from sandbox.connect.app import CallLog
from sandbox.connect.app import Faults as ConnectFaults
from sandbox.connect.server import ThreadedServer
from sandbox.partner_center import demo
from sandbox.partner_center.faults import Faults as PartnerCenterFaults
from sandbox.partner_center.server import SimulatorServer
from sandbox.partner_center.world import Lag, World


logger = logging.getLogger(__name__)

DATABASE_FILE = 'overage-manager.sqlite3'
# Seconds a change takes to show in the sandbox's Partner Center: drawn per write in this range, so
# some changes are confirmed while the user waits and others later, in the background.
SANDBOX_LAG = (3.0, 45.0)
# How often the sandbox runs the confirmation pass (seconds).
CONFIRM_EVERY_SECONDS = 3.0


class ConfirmationLoop:
    """A thread running the extension's confirmation pass every ``every`` seconds until
    :meth:`stop`, on the store and service the web app of these variables uses."""

    def __init__(self, variables: Dict[str, str], every: float):
        self.variables = variables
        self.every = every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name='sandbox-confirmations', daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run_once(self):
        """One pass now (what the thread does each time); its report."""
        from connect_ext import wiring

        dependencies = wiring.events_dependencies_for(self.variables)
        return wiring.confirmation_pass(
            dependencies, time_budget_seconds=max(self.every, 5.0), logger=logger,
        ).run()

    def run_handovers_once(self):
        """One handover watch now (the thread runs one after each confirmation pass); its report."""
        from connect_ext import wiring

        dependencies = wiring.events_dependencies_for(self.variables)
        return wiring.handover_watch(
            dependencies, time_budget_seconds=max(self.every, 5.0), logger=logger,
        ).run()

    def _run(self) -> None:
        while not self._stopping.wait(self.every):
            passes = ((self.run_once, 'confirmation pass'), (self.run_handovers_once, 'handover watch'))
            for run, what in passes:
                try:
                    run()
                except Exception:  # a failed pass must not end the loop
                    logger.exception('The sandbox %s failed', what)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the pass under way, if any (waits at most ``timeout`` seconds)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


def sandbox_variables(pc: SimulatorServer, database_url: str, base_url: str) -> Dict[str, str]:
    """The extension's variables in the sandbox: the demo distributor's Partner Center app on
    the simulator, its local CA, the sandbox's SQLite store, and no webhook."""
    return {
        'PARTNER_CENTER_API_URL': pc.api_url,
        'PARTNER_CENTER_LOGIN_URL': pc.login_url,
        'PARTNER_CENTER_TENANT_ID': demo.DISTRIBUTOR_TENANT_ID,
        'PARTNER_CENTER_CLIENT_ID': demo.DISTRIBUTOR_CLIENT_ID,
        'PARTNER_CENTER_CLIENT_SECRET': demo.DISTRIBUTOR_CLIENT_SECRET,
        'PARTNER_CENTER_REFRESH_TOKEN': demo.DISTRIBUTOR_REFRESH_TOKEN,
        'PARTNER_CENTER_CA_BUNDLE': pc.ca_bundle,
        'DATABASE_URL': database_url,
        'OVERAGE_WEBHOOK_URL': '',
        'OVERAGE_WEBHOOK_SECRET': '',
        'PRODUCT_IDS': seed.M365_PRODUCT_ID,
        'MANAGE_OVERAGE_BASE_URL': base_url,
    }


class SandboxServer:
    """The sandbox on ``host:port`` (0 picks a free port) until :meth:`stop` or the ``with`` ends.

    ``data_dir`` holds the SQLite store and the simulator's TLS files (default: a temporary
    directory removed on stop; a given one is kept, its store replaced on each start).
    ``pc_world``/``pc_faults`` replace the Partner Center simulator's demo world and faults;
    ``connect_latency`` delays every Connect API answer (seconds); ``webapp_class`` and
    ``events_class`` replace the extension's applications (tests). ``pc_lag`` is how long a change
    takes to show in the simulator (seconds or ``(low, high)``; default :data:`SANDBOX_LAG`) and
    ``confirm_every`` how often the confirmation pass runs (seconds; 0: never). ``variables`` are
    set over the sandbox's own (:func:`sandbox_variables`), e.g. ``{'CUSTOMERS_MAY_CHANGE': 'true'}``.
    """

    def __init__(self, port: int = 0, host: str = '127.0.0.1', *,
                 data_dir: Optional[str] = None, pc_port: int = 0,
                 pc_world: Optional[World] = None,
                 pc_faults: Optional[PartnerCenterFaults] = None,
                 connect_latency: float = 0.0,
                 webapp_class: Any = None, events_class: Any = None,
                 access_log: bool = False, pc_lag: Lag = SANDBOX_LAG,
                 confirm_every: float = CONFIRM_EVERY_SECONDS,
                 variables: Optional[Mapping[str, str]] = None):
        self.host = host
        self.extra_variables = dict(variables or {})
        self.requested_port = port
        self.data_dir = data_dir
        self._owns_data_dir = data_dir is None
        self.pc = SimulatorServer(pc_world if pc_world is not None else demo.demo_world(),
                                  pc_faults, host='127.0.0.1', port=pc_port)
        self.pc.world.propagation_delay = pc_lag
        self.confirm_every = confirm_every
        self.confirmations: Optional[ConfirmationLoop] = None
        self.connect_faults = ConnectFaults(latency=connect_latency)
        self.connect_calls = CallLog()
        self._app_classes = {key: value for key, value in
                             (('webapp_class', webapp_class), ('events_class', events_class))
                             if value is not None}
        self.access_log = access_log
        self.sandbox: Optional[Sandbox] = None
        self.store = None
        self._http: Optional[ThreadedServer] = None
        self._previous_api_key: Optional[str] = None
        self._api_key_set = False

    # ------------------------------------------------------------------ addresses
    @property
    def port(self) -> Optional[int]:
        return self._http.port if self._http else None

    @property
    def url(self) -> str:
        """The portal's URL (``/``); the API is ``{url}/api``, the pages ``{url}/static``."""
        if self._http is None:
            raise RuntimeError('the sandbox is not started')
        return self._http.url

    @property
    def connect_url(self) -> str:
        """The Connect simulator's API endpoint (what ``ConnectClient(endpoint=...)`` takes)."""
        return self.url + CONNECT_API_PATH

    @property
    def connect_world(self):
        return self.sandbox.connect_world if self.sandbox else None

    @property
    def pc_world(self) -> World:
        return self.pc.world

    @property
    def variables(self) -> Dict[str, str]:
        if self.sandbox is None:
            raise RuntimeError('the sandbox is not started')
        return self.sandbox.variables

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> 'SandboxServer':
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self._owns_data_dir:
            self.data_dir = tempfile.mkdtemp(prefix='overage-sandbox-')
        os.makedirs(self.data_dir, exist_ok=True)
        database = os.path.abspath(os.path.join(self.data_dir, DATABASE_FILE))
        for path in (database, database + '-wal', database + '-shm', database + '-journal'):
            if os.path.exists(path):
                os.remove(path)
        self.pc.tls_dir = os.path.join(self.data_dir, 'tls')
        self.pc.start()
        # Bound first: the variables need the sandbox's own address (links in notes).
        self._http = ThreadedServer(None, self.host, self.requested_port,
                                    access_log=self.access_log, name='sandbox')
        connect_world = seed.build_connect_world(self.pc.world)
        variables = {**sandbox_variables(self.pc, f'sqlite:///{database}', self._http.url),
                     **self.extra_variables}
        self.store = seed.seed_store(variables['DATABASE_URL'], self.pc.world, connect_world)
        # The work queue as the sync's first full read of each customer leaves it (issue 19).
        seed.judge_customers(variables)
        self.sandbox = Sandbox(connect_world, variables, connect_faults=self.connect_faults,
                               connect_calls=self.connect_calls, **self._app_classes)
        self._http.app = create_app(self.sandbox)
        self._previous_api_key = os.environ.get('API_KEY')
        self._api_key_set = True
        os.environ['API_KEY'] = seed.DISTRIBUTOR_API_KEY
        self._http.start()
        if self.confirm_every > 0:
            self.confirmations = ConfirmationLoop(variables, self.confirm_every)
            self.confirmations.start()

    def stop(self) -> None:
        """Stop the confirmation pass, stop serving, stop the Partner Center simulator, and remove a
        temporary data dir."""
        if self.confirmations is not None:
            self.confirmations.stop()
            self.confirmations = None
        if self._http is not None:
            self._http.stop()
        self.pc.stop()
        if self.store is not None:
            self.store.close()
        if self._api_key_set:
            if self._previous_api_key is None:
                os.environ.pop('API_KEY', None)
            else:
                os.environ['API_KEY'] = self._previous_api_key
            self._api_key_set = False
        if self._owns_data_dir and self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C arrives as KeyboardInterrupt in the caller)."""
        if self._http is not None:
            self._http.wait()

    def __enter__(self) -> 'SandboxServer':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
