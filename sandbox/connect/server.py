"""Serve an ASGI app with uvicorn in a daemon thread, and the Connect simulator alone on it.

    with ConnectServer(world) as connect:
        client = ConnectClient(api_key, endpoint=connect.endpoint, use_specs=False)

:class:`ThreadedServer` binds its socket before starting, so the port (``0``: a free one) is known
at once; ``start`` returns when uvicorn accepts connections, ``stop`` does not wait for idle
keep-alive connections.
"""
import socket
import threading
import time
from typing import Any, Optional

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from sandbox.connect.app import CallLog, Faults, create_app
from sandbox.connect.world import ConnectWorld


STARTUP_TIMEOUT = 15.0


class ThreadedServer:
    """uvicorn on ``host:port`` in a daemon thread."""

    def __init__(self, app: Any, host: str = '127.0.0.1', port: int = 0, *,
                 access_log: bool = False, name: str = 'asgi'):
        self.app = app
        self.host = host
        self.name = name
        self.access_log = access_log
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says TCP; without it every keep-alive answer waited ~40 ms for the
        # client's delayed ACK (Nagle), as the Partner Center simulator's server already avoids.
        self._socket: Optional[socket.socket] = socket.socket(
            family, socket.SOCK_STREAM, socket.IPPROTO_TCP,
        )
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.port: int = self._socket.getsockname()[1]
        self._server: Optional[uvicorn.Server] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        host = '127.0.0.1' if self.host in ('0.0.0.0', '') else self.host
        host = f'[{host}]' if ':' in host else host
        return f'http://{host}:{self.port}'

    def start(self) -> 'ThreadedServer':
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, http='h11', loop='asyncio',
            lifespan='off', access_log=self.access_log, log_config=None,
            log_level='info' if self.access_log else 'warning', timeout_graceful_shutdown=2,
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={'sockets': [self._socket]},
                                        name=f'{self.name}-{self.port}', daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f'the {self.name} server did not start')
            time.sleep(0.01)
        return self

    def wait(self) -> None:
        """Block until the server thread ends.

        Sleeps instead of ``Thread.join``: a Ctrl-C that interrupts ``join`` makes Python (3.11)
        mark the thread as finished while it still runs, and the next ``join`` in :meth:`stop`
        would then return at once.
        """
        while self._thread is not None and self._thread.is_alive():
            time.sleep(0.2)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> 'ThreadedServer':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class ConnectServer(ThreadedServer):
    """The Connect simulator alone, mounted under ``/connect`` as in the sandbox."""

    def __init__(self, world: ConnectWorld, faults: Optional[Faults] = None,
                 calls: Optional[CallLog] = None, host: str = '127.0.0.1', port: int = 0):
        self.world = world
        self.faults = faults if faults is not None else Faults()
        self.calls = calls if calls is not None else CallLog()
        app = Starlette(routes=[Mount('/connect', app=create_app(world, self.faults, self.calls))])
        super().__init__(app, host, port, name='connect-simulator')

    @property
    def endpoint(self) -> str:
        """What ``ConnectClient(endpoint=...)`` takes."""
        return self.url + '/connect/public/v1'
