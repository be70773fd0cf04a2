"""Posting a webhook: signed, bounded in time, never redirected, never to metadata addresses.

The standard library's ``http.client`` is used rather than a client library because the
connection has to be made to the address that was checked: the host name is resolved once,
every address is checked, and the socket is opened to a checked address (a second lookup could
answer another one: DNS rebinding). No proxy from the environment is used, no redirect is
followed. Loopback and private addresses stay allowed (tests and self-hosted receivers use
them); link-local ones (169.254.0.0/16, where clouds serve instance credentials) never are.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_READ = 64 * 1024  # of a receiver's answer; the log keeps less
SIGNATURE_PREFIX = "sha256="
# Never reached, whatever the settings add: link-local (cloud metadata), "this host",
# multicast and broadcast, and the metadata addresses clouds serve outside link-local.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",
        "fe80::/10",
        "0.0.0.0/8",
        "::/128",
        "224.0.0.0/4",
        "ff00::/8",
        "255.255.255.255/32",
        "fd00:ec2::254/128",
        "100.100.100.200/32",
    )
)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class DeliveryError(Exception):
    """A post that did not get an answer; ``retryable`` says whether trying later may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # the start of it (MAX_READ bytes), decoded leniently


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` keyed by the secret."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def _blocked_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    extra = getattr(settings, "WEBHOOK_BLOCKED_NETWORKS", ())
    return BLOCKED_NETWORKS + tuple(ipaddress.ip_network(n, strict=False) for n in extra)


def address_refused(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _blocked_networks())


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks (in English, for the caller to translate), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "invalid"
    if parts.scheme not in ("http", "https"):
        return "scheme"
    if not parts.hostname:
        return "invalid"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if port == 0:
        return "invalid"
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return None
    return "address" if address_refused(literal) else None


def _resolve(host: str, port: int) -> list[tuple[int, tuple]]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError(f"could not resolve {host}: {exc}", retryable=True) from None
    found: list[tuple[int, tuple]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address_refused(address):
            raise DeliveryError(
                f"{host} resolves to a refused address ({address})", retryable=False
            )
        found.append((family, sockaddr))
    return found


def _open_socket(host: str, port: int, timeout: float) -> socket.socket:
    last: OSError | None = None
    for family, sockaddr in _resolve(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last or OSError(f"no address for {host}")


class _HTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _open_socket(self.host, self.port, float(self.timeout or 5))


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)

    def connect(self) -> None:
        raw = _open_socket(self.host, self.port, float(self.timeout or 5))
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def _abort(connection: http.client.HTTPConnection, fired: threading.Event) -> None:
    """The total time is up: cut the socket under whatever read or write is blocked on it."""
    fired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _connection(url: str, connect_timeout: float) -> tuple[http.client.HTTPConnection, str]:
    problem = url_problem(url)
    if problem:
        raise DeliveryError(f"refused address ({problem})", retryable=False)
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        return _HTTPSConnection(host, parts.port, connect_timeout), path
    return _HTTPConnection(host, parts.port, timeout=connect_timeout), path


def _exchange(
    connection: http.client.HTTPConnection,
    path: str,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
) -> tuple[int, bytes]:
    connection.connect()
    if connection.sock is not None:  # the rest of the total time for each read and write
        connection.sock.settimeout(max(0.05, deadline - time.monotonic()))
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(MAX_READ)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``; the receiver's answer, whatever its status, or DeliveryError."""
    connect_timeout = float(getattr(settings, "WEBHOOK_CONNECT_TIMEOUT", 5))
    total_timeout = float(getattr(settings, "WEBHOOK_TOTAL_TIMEOUT", 10))
    connection, path = _connection(url, min(connect_timeout, total_timeout))
    fired = threading.Event()
    watchdog = threading.Timer(total_timeout, _abort, args=(connection, fired))
    started = time.monotonic()
    watchdog.start()
    try:
        status, raw = _exchange(connection, path, body, headers, started + total_timeout)
    except DeliveryError:
        raise
    except TimeoutError:
        raise DeliveryError("timed out", retryable=True) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if fired.is_set():
            raise DeliveryError("timed out", retryable=True) from None
        raise DeliveryError(_describe(exc), retryable=True) from None
    finally:
        watchdog.cancel()
        connection.close()
    return Answer(status, raw.decode("utf-8", errors="replace"))


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
