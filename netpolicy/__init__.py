"""The one outbound-address policy: where MarkWatch may connect on someone else's say-so.

Crawled links and redirects, webhook URLs, SMTP hosts, chat-robot endpoints and image
fetches all pass `AddressPolicy`. It refuses loopback, private, link-local, CGNAT
(100.64.0.0/10, where cloud metadata services live), multicast, reserved and unspecified
addresses, the same behind IPv4-mapped IPv6, and names that do not resolve. `pin` resolves
a host once and returns the checked address, so the caller connects to exactly what was
checked (a DNS answer that changes between check and connect cannot reach inside).

An explicit allow-list of "host:port" entries (the local testbed, a staff-run receiver,
test receivers on loopback) is exempt. This package imports nothing of ours.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# host, port -> the addresses the host resolves to (empty when it does not resolve)
Resolver = Callable[[str, int], list[str]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class BlockedAddress(ValueError):
    """A target we never contact; carries the target (URL or host:port) and the reason."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"refused {target}: {reason}")
        self.target = target
        self.reason = reason

    @property
    def url(self) -> str:  # the name the crawler's and the webhook's callers use
        return self.target


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    # Keep the resolver's order (it is the order a plain connect would try), without repeats.
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return True
    return bool(
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def host_port(url: str) -> str:
    """ "host:port" of a URL or of a bare "host[:port]" (default port from the scheme)."""
    parts = urlsplit(url if "//" in url else f"http://{url}")
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True, slots=True)
class Pinned:
    """A checked target: connect to `address`, speak to `host` (Host header, TLS name)."""

    host: str
    port: int
    address: str


@dataclass(frozen=True)
class AddressPolicy:
    allowed: frozenset[str] = frozenset()
    resolver: Resolver = system_resolver

    @classmethod
    def from_hosts(
        cls, entries: Iterable[str], resolver: Resolver = system_resolver
    ) -> AddressPolicy:
        """From allow-list entries: URLs or "host:port"."""
        return cls(frozenset(host_port(e) for e in entries if e), resolver)

    def allowing(self, *entries: str) -> AddressPolicy:
        return AddressPolicy(self.allowed | {host_port(e) for e in entries if e}, self.resolver)

    def is_allowed(self, host: str, port: int) -> bool:
        return f"{host.lower().strip('[]')}:{port}" in self.allowed

    def pin(self, host: str, port: int) -> Pinned:
        """Resolve `host` once and check every answer; the address to connect to."""
        target = f"{host}:{port}"
        name = host.strip("[]")
        if not name:
            raise BlockedAddress(target, "no host")
        literal = literal_address(name)
        if self.is_allowed(name, port):
            # Trusted by the operator: connect by name, trying every address as usual.
            return Pinned(name, port, literal or name)
        addresses = [literal] if literal else self.resolver(name, port)
        if not addresses:
            raise BlockedAddress(target, f"{name} does not resolve")
        # Every answer, not only the first: a mixed answer is a rebinding attempt.
        for address in addresses:
            # An allow-listed address ("127.0.0.1:8800") stays allowed under any name.
            if is_internal(address) and not self.is_allowed(address, port):
                raise BlockedAddress(target, f"{name} resolves to internal address {address}")
        return Pinned(name, port, addresses[0])

    def check_host(self, host: str, port: int) -> None:
        self.pin(host, port)

    def pin_url(self, url: str) -> Pinned:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedAddress(url, f"scheme {parts.scheme!r} is not http(s)")
        if not parts.hostname:
            raise BlockedAddress(url, "no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise BlockedAddress(url, "bad port") from None
        try:
            return self.pin(parts.hostname, port)
        except BlockedAddress as exc:
            raise BlockedAddress(url, exc.reason) from None

    def check_url(self, url: str) -> None:
        self.pin_url(url)

    # The crawler and older callers say `check`.
    check = check_url


def connect(pinned: Pinned, timeout: float | None, source: Any = None) -> socket.socket:
    """A TCP connection to the checked address (never a second lookup of the name)."""
    return socket.create_connection((pinned.address, pinned.port), timeout, source)


__all__ = [
    "AddressPolicy",
    "BlockedAddress",
    "Pinned",
    "Resolver",
    "connect",
    "host_port",
    "is_internal",
    "system_resolver",
]
