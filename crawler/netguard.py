"""SSRF guard: refuse requests to loopback, private, link-local and other internal addresses.

Crawled pages are attacker-controlled: a link or a redirect to 127.0.0.1:9200 or to
169.254.169.254 must not make the crawler reach our own services. The local testbed
(and nothing else) is allowed by an explicit allow-list of host:port pairs.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

Resolver = Callable[[str], list[str]]


class BlockedAddress(IgnoreRequest):
    """The URL points at an address we never contact; carries the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url}: {reason}")
        self.url = url
        self.reason = reason


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return []  # unresolvable: the download itself will fail with a clear DNS error
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


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs may be fetched. `allowed` holds "host:port" pairs exempt from the check."""

    allowed: frozenset[str] = frozenset()
    resolver: Resolver = _resolve

    @classmethod
    def from_urls(cls, urls: Iterable[str], resolver: Resolver = _resolve) -> UrlPolicy:
        return cls(frozenset(_host_port(u) for u in urls if u), resolver)

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedAddress(url, f"scheme {parts.scheme!r} is not http(s)")
        if not parts.hostname:
            raise BlockedAddress(url, "no host")
        if _host_port(url) in self.allowed:
            return
        host = parts.hostname
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self.resolver(host)
        for address in addresses:
            if is_internal(address):
                raise BlockedAddress(url, f"{host} resolves to internal address {address}")


def _host_port(url: str) -> str:
    parts = urlsplit(url if "//" in url else f"http://{url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


class SsrfGuardMiddleware:
    """Downloader middleware: checks every request, redirects included (they pass again)."""

    def __init__(self, policy: UrlPolicy) -> None:
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        allowed = crawler.settings.getlist("MARKWATCH_ALLOWED_HOSTS")
        middleware = cls(UrlPolicy.from_urls(allowed))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        # The operator chose the spider's start site (-a base_url=...), so it is trusted;
        # links and redirects found on pages are not.
        base_url = getattr(spider, "base_url", None)
        if base_url:
            self.policy = replace(self.policy, allowed=self.policy.allowed | {_host_port(base_url)})

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        self.policy.check(request.url)
