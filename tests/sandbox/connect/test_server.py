"""The sandbox's HTTP server answers keep-alive requests without Nagle's wait."""
import socket

from sandbox.connect.server import ThreadedServer


async def _app(scope, receive, send):
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-length', b'2')]})
    await send({'type': 'http.response.body', 'body': b'ok'})


def test_accepted_connections_send_at_once():
    """asyncio turns TCP_NODELAY on for accepted sockets only when the listening socket says TCP;
    the accepted connection of a real request must have it (else ~40 ms per keep-alive answer)."""
    server = ThreadedServer(_app, '127.0.0.1', 0).start()
    try:
        assert server._socket.proto == socket.IPPROTO_TCP
        with socket.create_connection(('127.0.0.1', server.port), timeout=5) as client:
            client.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
            assert client.recv(1024).startswith(b'HTTP/1.1 200')
            # Read while the client keeps the connection open: once it closes, the server closes
            # its side too and the socket has no descriptor left to ask.
            nodelay = [
                transport.get_extra_info('socket').getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                for connection in list(server._server.server_state.connections)
                for transport in [connection.transport]
            ]
        assert nodelay
        assert all(nodelay)
    finally:
        server.stop()
