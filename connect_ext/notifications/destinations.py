"""Where a webhook may be delivered: an ``https`` receiver outside every internal network.

Whoever sets ``OVERAGE_WEBHOOK_URL`` decides where the extension POSTs; without these rules that is a
way to make it call the runner's own network (``http://169.254.169.254/…``, ``http://10.0.0.5/…``)
and read the outcome in the history. So:

- the URL is ``https`` with a host (:func:`check_url`, when the notifier is built);
- every address the host resolves to must be globally reachable: no loopback, private, link-local,
  shared (CGNAT), unspecified, multicast, reserved or documentation address, IPv4 ones hidden in
  IPv6 included (:func:`check_address`). The check runs **at connection time**, on the very
  addresses the connection then uses (:class:`GuardedAdapter`), so a name that resolves to a
  public address when checked and to an internal one when connecting cannot get through;
- redirects are never followed (a 3xx is a failed delivery), and the session ignores the
  environment's proxies and ``.netrc``.

A local receiver (``127.0.0.0/8``, ``::1``, over ``http`` too) is allowed only with the notifier's
``local_receiver`` constructor flag, which the sandbox, the tests and the benchmarks set in their own
code. No variable sets it, so no configuration can reopen the internal network.

:func:`display_url` is the URL as the owner's settings page shows it: credentials (userinfo) and the
query (which may carry a token) redacted.
"""
import ipaddress
import socket
from typing import Callable, Iterable, List, Optional, Union
from urllib.parse import SplitResult, urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from connect_ext.redaction import REDACTED


Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
# (host, port) -> the addresses to connect to, as text.
Resolver = Callable[[str, int], List[str]]
# (address, port), timeout, source address, socket options -> a connected socket.
Opener = Callable[..., socket.socket]

_NAT64 = ipaddress.ip_network('64:ff9b::/96')


class DestinationRefused(ValueError):
    """The webhook may not be delivered there (the text says why, naming no address)."""


def resolve(host: str, port: int) -> List[str]:
    """The addresses ``host`` resolves to (the system's resolver), in its order, without repeats."""
    seen: List[str] = []
    for *_rest, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def _embedded(address: Address) -> Iterable[Address]:
    """``address`` and every IPv4 address it carries (mapped, 6to4, Teredo, NAT64)."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def is_local(address: Address) -> bool:
    """A loopback address (what ``local_receiver`` allows)."""
    return any(part.is_loopback for part in _embedded(address))


def check_address(text: str, *, local_receiver: bool = False) -> Address:
    """The address ``text``, when a webhook may be delivered to it; else :class:`DestinationRefused`."""
    try:
        address = ipaddress.ip_address(text.split('%', 1)[0])
    except ValueError:
        raise DestinationRefused('the webhook host resolved to something that is not an address') from None
    if local_receiver and is_local(address):
        return address
    for part in _embedded(address):
        if not part.is_global or part.is_multicast or part.is_reserved or part.is_unspecified:
            raise DestinationRefused(
                'the webhook host is, or resolves to, an internal address (loopback, private, '
                'link-local or reserved)',
            )
    return address


def check_url(url: str, *, local_receiver: bool = False) -> SplitResult:
    """``url`` split, when it may be a webhook destination; else :class:`DestinationRefused`.

    ``https`` with a host and a valid port; a host that is an address (or ``localhost``) is checked
    at once, a name when it is resolved (:class:`GuardedAdapter`).
    """
    try:
        parts = urlsplit((url or '').strip())
        port = parts.port
    except ValueError:
        raise DestinationRefused('OVERAGE_WEBHOOK_URL is not a valid URL') from None
    schemes = ('https', 'http') if local_receiver else ('https',)
    if parts.scheme.lower() not in schemes:
        raise DestinationRefused('OVERAGE_WEBHOOK_URL must be an https URL')
    host = (parts.hostname or '').rstrip('.')
    if not host:
        raise DestinationRefused('OVERAGE_WEBHOOK_URL has no host')
    if port == 0:
        raise DestinationRefused('OVERAGE_WEBHOOK_URL has no valid port')
    if host == 'localhost' or host.endswith('.localhost'):
        if not local_receiver:
            raise DestinationRefused('the webhook host is, or resolves to, an internal address '
                                     '(loopback, private, link-local or reserved)')
        return parts
    try:
        ipaddress.ip_address(host.split('%', 1)[0])
    except ValueError:
        return parts  # a name: checked when it is resolved
    check_address(host, local_receiver=local_receiver)
    return parts


def display_url(url: str) -> Optional[str]:
    """``url`` with its credentials and query redacted (and no fragment); None when empty."""
    url = (url or '').strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ''
        port = f':{parts.port}' if parts.port else ''
    except ValueError:
        return REDACTED
    if ':' in host:
        host = f'[{host}]'
    userinfo = f'{REDACTED}@' if parts.username or parts.password or '@' in parts.netloc else ''
    query = REDACTED if parts.query else ''
    return urlunsplit((parts.scheme, f'{userinfo}{host}{port}', parts.path, query, ''))


class Guard:
    """Resolves a host, checks every address, and connects to the first that answers."""

    def __init__(
        self,
        *,
        local_receiver: bool = False,
        resolver: Resolver = resolve,
        opener: Opener = urllib3_connection.create_connection,
    ):
        self.local_receiver = local_receiver
        self.resolver = resolver
        self.opener = opener

    def addresses(self, host: str, port: int) -> List[str]:
        """Every address of ``host``, each checked; any internal one refuses the whole host."""
        addresses = self.resolver(host.strip('[]').rstrip('.'), port)
        if not addresses:
            raise DestinationRefused('the webhook host resolved to no address')
        return [str(check_address(address, local_receiver=self.local_receiver))
                for address in addresses]

    def connect(self, host: str, port: int, timeout, source_address, socket_options) -> socket.socket:
        last: Optional[OSError] = None
        for address in self.addresses(host, port):
            try:
                return self.opener((address, port), timeout, source_address=source_address,
                                   socket_options=socket_options)
            except OSError as error:
                last = error
        raise last if last is not None else OSError('no address to connect to')


def _guarded(connection_class, guard: Guard):
    class GuardedConnection(connection_class):
        def _new_conn(self) -> socket.socket:
            try:
                return guard.connect(self._dns_host, self.port, self.timeout, self.source_address,
                                     self.socket_options)
            except socket.gaierror as error:
                raise NameResolutionError(self.host, self, error) from error
            except TimeoutError as error:
                raise ConnectTimeoutError(self, f'Connection to {self.host} timed out') from error
            except OSError as error:
                raise NewConnectionError(self, f'Failed to establish a new connection: {error}') from error

    return GuardedConnection


class GuardedAdapter(HTTPAdapter):
    """A ``requests`` transport whose every connection goes through :class:`Guard`."""

    def __init__(self, guard: Guard, **kwargs):
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        guard = self.guard

        class Http(HTTPConnectionPool):
            ConnectionCls = _guarded(HTTPConnection, guard)

        class Https(HTTPSConnectionPool):
            ConnectionCls = _guarded(HTTPSConnection, guard)

        self.poolmanager.pool_classes_by_scheme = {'http': Http, 'https': Https}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise DestinationRefused('webhooks are never sent through a proxy')
