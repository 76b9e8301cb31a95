"""Outbound URL policy: no loopback, private, link-local or other internal addresses.

Used for everything MarkWatch contacts on someone else's say-so: links and redirects
found on crawled pages, and webhook URLs that rights holders enter in the portal.
Hosts on an explicit allow-list ("host:port") are exempt (the local testbed, a
staff-run receiver).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str], list[str]]


class BlockedUrl(ValueError):
    """The URL points somewhere we never contact; carries the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url}: {reason}")
        self.url = url
        self.reason = reason


def resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return []  # unresolvable: the connection itself will fail with a clear DNS error
    return sorted({str(info[4][0]) for info in infos})


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def host_port(url: str) -> str:
    parts = urlsplit(url if "//" in url else f"http://{url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class UrlPolicy:
    allowed: frozenset[str] = frozenset()
    resolver: Resolver = resolve

    @classmethod
    def from_urls(cls, urls: Iterable[str], resolver: Resolver = resolve) -> UrlPolicy:
        return cls(frozenset(host_port(u) for u in urls if u), resolver)

    def allowing(self, url: str) -> UrlPolicy:
        return UrlPolicy(self.allowed | {host_port(url)}, self.resolver)

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedUrl(url, f"scheme {parts.scheme!r} is not http(s)")
        if not parts.hostname:
            raise BlockedUrl(url, "no host")
        if host_port(url) in self.allowed:
            return
        host = parts.hostname
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self.resolver(host)
        for address in addresses:
            if is_internal(address):
                raise BlockedUrl(url, f"{host} resolves to internal address {address}")
