"""Local HTTP servers on 127.0.0.1: an ASGI app under uvicorn, and a webhook receiver."""
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List


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
            raise RuntimeError('the local web server did not start')
        time.sleep(0.01)
    try:
        yield f'http://127.0.0.1:{port}'
    finally:
        server.should_exit = server.force_exit = True
        thread.join(timeout=5)
        listener.close()


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

            def log_message(self, *_args):  # the deliveries are the output, not an access log
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
