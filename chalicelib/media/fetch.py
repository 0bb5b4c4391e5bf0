"""Fetching a client's audio `url` without letting it reach inside our network.

RULINGS "blastvoice audio": http(s) only, public addresses only (no private,
loopback, link-local or metadata addresses, no redirects to them), 5 MB at most.

How:
* the host is checked before anything is sent: an IP literal must be in canonical
  form (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1` are refused, since
  resolvers and browsers read them as 127.0.0.1), a name is resolved once and every
  address it has must be public;
* the connection goes to the address that was checked, never to the name again, so a
  second DNS answer cannot swap in a private address (DNS rebinding); TLS still
  verifies the certificate against the name;
* redirects are followed by hand, each hop checked the same way, three at most;
* the body is read in chunks and given up as soon as it passes 5,242,880 bytes;
* the whole request, redirects included, ends by one deadline (`TOTAL_SECONDS`): every
  connect, TLS handshake, send and receive of the connection waits at most what is left
  of it (`DeadlineSocket`), so a server dripping a byte at a time, in its headers or its
  body, cannot hold the function for longer (the same connection posts status callbacks,
  events/delivery.py).

`resolve` and `open_` are parameters so that tests check every refusal without any
connection or DNS query being made.
"""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from chalicelib import metrics
from chalicelib.errors import Code, OcpError
from chalicelib.media.audio import MAX_BYTES

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 5.0  # each connect and each read
TOTAL_SECONDS = 20.0  # the whole fetch, redirects included (API Gateway allows 29)
_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)  # HTTP statuses
_DNS_NAME = re.compile(
    r"(?=.{1,253}\.?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
    r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?"
)
# WHATWG URL: a host whose last label is a number is an IPv4 address in some notation
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")


_IP = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """Where one request goes: `ip` was checked; `host` is for Host and TLS only."""

    scheme: str
    host: str
    ip: str
    port: int
    path: str


class Response(Protocol):
    status: int

    def getheader(self, name: str) -> str | None: ...
    def read1(self, amt: int) -> bytes: ...
    def close(self) -> None: ...


Resolver = Callable[[str, int], list[str]]
Opener = Callable[[Target, float], Response]


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str


class Refused(Exception):
    """The URL, or a hop of it, is not one we fetch (the reason is logged, not sent)."""


def fetch(
    url: str,
    *,
    variable: str = "url",
    max_bytes: int = MAX_BYTES,
    resolve: Resolver | None = None,
    open_: Opener | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Fetched:
    """The body at `url`; 902 if it is refused or fails, 903 if over `max_bytes`."""
    resolve = resolve or resolve_host
    deadline = monotonic() + TOTAL_SECONDS
    open_ = open_ or functools.partial(open_target, deadline=deadline)
    try:
        return _fetch(url, max_bytes, resolve, open_, monotonic, deadline)
    except _TooBig:
        raise OcpError(Code.BAD_LENGTH, name=variable, value=url, low=1, high=max_bytes) from None
    except (Refused, OSError, ssl.SSLError, http.client.HTTPException, ValueError) as e:
        log.info("audio url not fetched: %s: %s", type(e).__name__, e)
        if isinstance(e, Refused):
            metrics.refused_url()
        raise OcpError(Code.INVALID_VALUE, name=variable, value=url) from None


class _TooBig(Exception):
    pass


def _fetch(
    url: str,
    max_bytes: int,
    resolve: Resolver,
    open_: Opener,
    monotonic: Callable[[], float],
    deadline: float,
) -> Fetched:
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        if monotonic() > deadline:
            raise Refused(f"slower than {TOTAL_SECONDS:.0f} s")
        target = vet(current, resolve)
        response = open_(target, TIMEOUT_SECONDS)
        try:
            if response.status in _REDIRECTS:
                location = (response.getheader("Location") or "").strip()
                if not location:
                    raise Refused(f"HTTP {response.status} without a Location")
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise Refused(f"HTTP {response.status}")
            data = _read_capped(response, max_bytes, monotonic, deadline)
            return Fetched(current, data, response.getheader("Content-Type") or "")
        finally:
            response.close()
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _read_capped(
    response: Response, max_bytes: int, monotonic: Callable[[], float], deadline: float
) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _TooBig()
    chunks: list[bytes] = []
    total = 0
    while True:
        # read1: one recv at most, so a server dripping bytes meets the deadline
        chunk = response.read1(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise _TooBig()
        chunks.append(chunk)
        if monotonic() > deadline:
            raise Refused(f"slower than {TOTAL_SECONDS:.0f} s")


# -- checking a URL ----------------------------------------------------------------


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def vet(url: str, resolve: Resolver, allowed: tuple[Network, ...] = ()) -> Target:
    """The target of one request to `url`, or Refused. Resolves names, once. `allowed`:
    networks exempt from the public-address rule (local development only)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(f"scheme {scheme!r}")
    if parts.username is not None or parts.password is not None:
        raise Refused("credentials in the URL")
    if not parts.hostname:
        raise Refused("no host")
    port = parts.port or (443 if scheme == "https" else 80)  # a bad port: ValueError
    if port not in (80, 443) and port < 1024:
        raise Refused(f"port {port}")  # no mail, ssh or other well-known services
    addresses, host = _addresses(parts.hostname, port, resolve)
    if not addresses:
        raise Refused("no address")
    for address in addresses:
        if not is_public(address) and not any(address in network for network in allowed):
            raise Refused(f"non-public address {address}")
    # IPv4 first: Lambda functions have no IPv6 egress unless their VPC gives them one.
    chosen = sorted(addresses, key=lambda a: a.version)[0]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, str(chosen), port, path)


def _addresses(host: str, port: int, resolve: Resolver) -> tuple[list[_IP], str]:
    """The host's addresses and its name as sent (ASCII). An IP literal is taken as it
    is; a number in any other notation is refused; a name is resolved once."""
    literal = _ip_or_none(host)
    if literal is not None:
        return [literal], host
    try:
        # IDNA also folds look-alikes: fullwidth "\uff11\uff12\uff17.0.0.1" becomes "127.0.0.1".
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise Refused(f"bad host name {host!r}") from None
    literal = _ip_or_none(name)
    if literal is not None:
        return [literal], name
    if _NUMERIC_LABEL.fullmatch(name.rstrip(".").rsplit(".", 1)[-1]):
        # Decimal, octal, hex or shortened IPv4 (2130706433, 0x7f000001, 0177.0.0.1,
        # 127.1): resolvers and browsers read them as addresses, so they are refused.
        raise Refused(f"non-canonical address {host!r}")
    if not _DNS_NAME.fullmatch(name):
        raise Refused(f"bad host name {host!r}")
    return [_parse_ip(a) for a in resolve(name, port)], name


def _ip_or_none(text: str) -> _IP | None:
    try:
        return _parse_ip(text)
    except ValueError:
        return None


def _parse_ip(text: str) -> _IP:
    return ipaddress.ip_address(text.split("%", 1)[0])  # without an IPv6 zone id


def is_public(address: _IP) -> bool:
    """True only for a globally routable unicast address.

    `is_global` alone lets multicast through, so that is checked too; an IPv4 address
    carried inside an IPv6 one (mapped, 6to4, NAT64, Teredo) must be public as well.
    """
    if (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    ):
        return False
    inner = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    return inner is None or is_public(inner)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # (server, client): the client is where it goes
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


# -- the real resolver and connection -----------------------------------------------


def resolve_host(name: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class DeadlineSocket:
    """A connected socket whose every receive and send waits at most `timeout` seconds and
    never past `deadline` (time.monotonic()): then TimeoutError. http.client reads the
    status line, the headers and the body through `makefile`, one receive at a time, each
    with the socket's timeout: alone, that bounds each read, not the request."""

    def __init__(self, sock: socket.socket, timeout: float, deadline: float) -> None:
        self._sock = sock
        self._timeout = timeout
        self._deadline = deadline

    def _arm(self) -> None:
        self._sock.settimeout(remaining(self._timeout, self._deadline))

    def recv_into(self, buffer: bytearray | memoryview, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes, flags)

    def recv(self, size: int, flags: int = 0) -> bytes:
        self._arm()
        return self._sock.recv(size, flags)

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._arm()  # sendall's timeout bounds all of it (Python 3.5+)
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        """What HTTPResponse reads: through this object's receives. The socket stays open
        while the file is (http.client closes the connection before the body is read)."""
        if mode != "rb":
            raise ValueError(f"mode {mode!r}: only 'rb'")
        self._sock._io_refs += 1  # type: ignore[attr-defined]  # socket.makefile's count
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def _decref_socketios(self) -> None:
        self._sock._decref_socketios()  # type: ignore[attr-defined]

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


def remaining(timeout: float, deadline: float | None) -> float:
    """What one operation may wait: `timeout`, or less where the deadline is nearer."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("past the request's deadline")
    return min(timeout, left)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address; Host still names the server."""

    def __init__(self, target: Target, timeout: float, deadline: float | None = None) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._ip = target.ip
        self._per_operation = timeout
        self._deadline = deadline

    def _connected(self) -> socket.socket:
        return socket.create_connection(
            (self._ip, self.port), remaining(self._per_operation, self._deadline)
        )

    def _bounded(self, sock: socket.socket) -> socket.socket:
        if self._deadline is None:
            return sock
        return DeadlineSocket(sock, self._per_operation, self._deadline)  # type: ignore[return-value]

    def connect(self) -> None:
        self.sock = self._bounded(self._connected())


class _PinnedHTTPS(_PinnedHTTP, http.client.HTTPSConnection):
    """Connects to the checked address; SNI and the certificate check use the name."""

    def __init__(self, target: Target, timeout: float, deadline: float | None = None) -> None:
        self._tls = ssl.create_default_context()
        http.client.HTTPSConnection.__init__(
            self, target.host, target.port, timeout=timeout, context=self._tls
        )
        self._ip = target.ip
        self._per_operation = timeout
        self._deadline = deadline

    def connect(self) -> None:
        sock = self._connected()
        # The handshake waits at most the socket's timeout in all (the ssl module's own
        # deadline): what is left of the request's.
        sock.settimeout(remaining(self._per_operation, self._deadline))
        self.sock = self._bounded(self._tls.wrap_socket(sock, server_hostname=self.host))


def connect(
    target: Target, timeout: float, deadline: float | None = None
) -> http.client.HTTPConnection:
    """A connection to the checked address of `target` (nothing is sent yet): each
    operation waits at most `timeout`, and none past `deadline` (time.monotonic())."""
    connection_type = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    return connection_type(target, timeout, deadline)


def open_target(target: Target, timeout: float, deadline: float | None = None) -> Response:
    connection = connect(target, timeout, deadline)
    connection.request(
        "GET",
        target.path,
        headers={
            "User-Agent": "OCP-audio-fetch/1.1",
            "Accept": "audio/mpeg, audio/x-ms-wma, */*",
            "Accept-Encoding": "identity",
            "Connection": "close",
        },
    )
    return connection.getresponse()
