"""Run the simulator: uvicorn over TLS in a daemon thread (tests) or in the foreground (CLI).

One port serves both the token authority (``login_url``) and Partner Center (``api_url``); both
are ``https://127.0.0.1:<port>``. Starting marks the world's baseline, so ``/_simulator/reset``
and :meth:`World.reset` come back to the state the server started with.
"""
import socket
import threading
import time
from typing import Optional

import uvicorn

from sandbox.partner_center.app import create_app
from sandbox.partner_center.faults import CallLog, Faults
from sandbox.partner_center.tls import LocalTls, create_local_tls
from sandbox.partner_center.world import World


STARTUP_TIMEOUT = 10.0


class SimulatorServer:
    """The simulator over TLS on one port.

    ``with SimulatorServer(world) as server:`` then call ``server.api_url + '/v1/…'`` with
    ``verify=server.ca_bundle``.
    """

    def __init__(self, world: World, faults: Optional[Faults] = None, host: str = '127.0.0.1',
                 port: int = 0, *, calls: Optional[CallLog] = None, tls_dir: Optional[str] = None):
        self.world = world
        self.faults = faults if faults is not None else Faults()
        self.calls = calls if calls is not None else CallLog()
        self.host = host
        self.requested_port = port
        self.tls_dir = tls_dir
        self.tls: Optional[LocalTls] = None
        self.port: Optional[int] = None
        self._socket: Optional[socket.socket] = None
        self._server: Optional[uvicorn.Server] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ addresses
    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError('the simulator is not started')
        host = f'[{self.host}]' if ':' in self.host else self.host
        return f'https://{host}:{self.port}'

    @property
    def api_url(self) -> str:
        """Partner Center's base URL (the client appends ``/v1/…``)."""
        return self.base_url

    @property
    def login_url(self) -> str:
        """The token authority's base URL (MSAL's authority is ``{login_url}/{tenant}``)."""
        return self.base_url

    @property
    def ca_bundle(self) -> str:
        if self.tls is None:
            raise RuntimeError('the simulator is not started')
        return self.tls.ca_bundle

    # ------------------------------------------------------------------ lifecycle
    def prepare(self) -> uvicorn.Server:
        """Bind the port and write the TLS files (the URLs are known from here on)."""
        self.world.mark_baseline()
        self.tls = create_local_tls(self.tls_dir)
        family = socket.AF_INET6 if ':' in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says TCP, and without it every keep-alive answer waits ~40 ms (Nagle
        # against delayed ACKs).
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((self.host, self.requested_port))
        self._socket.listen(128)  # connections queue from now on, before uvicorn accepts them
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.world, self.faults, self.calls), host=self.host, port=self.port,
            ssl_certfile=self.tls.certfile, ssl_keyfile=self.tls.keyfile, http='h11',
            loop='asyncio', lifespan='off', access_log=False, log_config=None,
            log_level='warning', timeout_graceful_shutdown=1, timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        return self._server

    def start(self) -> 'SimulatorServer':
        """Serve in a daemon thread; return once the server accepts connections."""
        server = self.prepare()
        self._thread = threading.Thread(target=server.run, kwargs={'sockets': [self._socket]},
                                        name=f'pc-simulator-{self.port}', daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('the Partner Center simulator did not start')
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Serve in this (main) thread until Ctrl-C / SIGTERM, then clean up."""
        server = self._server or self.prepare()
        try:
            server.run(sockets=[self._socket])
        finally:
            self._release()

    def stop(self) -> None:
        """Stop serving (in-flight held answers are cut after a second) and delete the TLS files."""
        self.faults.release_holds()
        if self._server is not None:
            # force_exit: do not wait for idle keep-alive TLS connections to say goodbye.
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._release()

    def _release(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self.tls is not None:
            self.tls.cleanup()
        self._thread = None

    def __enter__(self) -> 'SimulatorServer':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
