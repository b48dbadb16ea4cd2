"""Outbound HTTP to addresses users typed (webhooks): never into the server's own network.

A URL's host is refused when it is, or resolves to, a loopback, private, link-local, shared,
multicast, reserved or unspecified address, in any spelling (2130706433, 0x7f000001, 127.1,
[::1], [::ffff:127.0.0.1], localhost). The name is resolved once, every address it resolves to is
checked, and the connection goes to the address checked (the Host header and TLS server name stay
the URL's), so a name that changes its answer between the check and the connection (DNS
rebinding) gains nothing. Redirects are never followed. An on-premises install that means to reach
its own network says so with POSTPROD_WEBHOOK_ALLOW_PRIVATE=1 (config.allow_private_targets).
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from postprod.config import allow_private_targets
from postprod.errors import N_, InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_HOST_RE = re.compile(r"^[A-Za-z0-9._:%-]+$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(Exception):
    """The address a URL leads to is inside the server's network (and that is not allowed here)."""


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal stands for, in any form the C library accepts; else None."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and re.search(r"\d", host):
        try:  # the legacy forms: 2130706433, 0x7f000001, 0177.0.0.1, 127.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_internal(ip: IPAddress) -> bool:
    """True for every address that is not a public unicast one (IPv4 inside IPv6 judged as IPv4)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and int(ip) >> 32 == 0:  # the deprecated IPv4-compatible ::a.b.c.d
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and is_internal(embedded):
            return True
    return bool(
        ip.is_multicast
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _is_local_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost") or name in ("localhost.localdomain", "ip6-localhost")


_NOT_HTTP = N_("invalid webhook URL %(url)r: an http:// or https:// address")


def check_url(url: str, field: str = "url") -> str:
    """A URL fit to be stored as an outbound target: http(s), a plain host, not an internal address."""
    url = url.strip()
    if len(url) > 500:
        raise InvalidInput(N_("%(field)s: longer than 500 characters"), field=field, params={"field": field})
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise InvalidInput(_NOT_HTTP, field=field, params={"url": url}) from None
    if parts.scheme not in ("http", "https") or not host or not _HOST_RE.match(host) or parts.username is not None:
        raise InvalidInput(_NOT_HTTP, field=field, params={"url": url})
    if not allow_private_targets():
        ip = literal_address(host)
        if _is_local_name(host) or (ip is not None and is_internal(ip)):
            raise InvalidInput(
                N_("%(field)s: %(host)s is an address inside the server's network, not allowed for webhooks"),
                field=field,
                params={"field": field, "host": host},
            )
    return url


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (a seam for tests that pretend a name points elsewhere)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve once; refuse when any address is internal (unless allowed); the addresses to connect to."""
    allowed = allow_private_targets()
    if not allowed and _is_local_name(host):
        raise TargetRefused("internal address")
    ip = literal_address(host)
    addresses = [str(ip)] if ip is not None else resolve(host, port)
    if not addresses:
        raise TargetRefused("no address")
    if not allowed:
        for a in addresses:
            if is_internal(ipaddress.ip_address(a.split("%", 1)[0])):
                raise TargetRefused("internal address")
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address already checked; the Host header stays the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to an address already checked; SNI and the certificate check use the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to a checked address of the URL's host; the HTTP status (a redirect is a status, not followed).

    Raises TargetRefused for an internal address, TimeoutError, or OSError / http.client errors.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = checked_addresses(host, port)[0]
    conn: Any = (_PinnedHTTPS if https else _PinnedHTTP)(host, port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", target, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read(65536)  # a little of the answer, never all of a large one
        return int(resp.status)
    finally:
        conn.close()


def error_class(exc: BaseException) -> str:
    """What is stored about a failed delivery: a class of failure, never the details of the far end."""
    if isinstance(exc, TargetRefused):
        return "address not allowed"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    return "connection failed"
