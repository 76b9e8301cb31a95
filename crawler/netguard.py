"""SSRF guard for crawls: refuse requests to internal addresses, redirects included.

Crawled pages are attacker-controlled: a link or a redirect to 127.0.0.1:9200 or to
169.254.169.254 must not make the crawler reach our own services. The policy itself
lives in netpolicy (every channel and fetch uses the same one).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from netpolicy import AddressPolicy, is_internal, literal_address
from netpolicy import BlockedAddress as Refused

logger = logging.getLogger(__name__)


class BlockedAddress(IgnoreRequest):
    """A refused request; carries the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url}: {reason}")
        self.url = url
        self.reason = reason


class SsrfGuardMiddleware:
    """Downloader middleware: checks every request (redirects pass through it again)."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.trusted_names: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        allowed = crawler.settings.getlist("MARKWATCH_ALLOWED_HOSTS")
        middleware = cls(AddressPolicy.from_hosts(allowed))
        middleware.trusted_names = trusted_names(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        # The operator chose the spider's start site (-a base_url=...), so it is trusted;
        # links and redirects found on pages are not.
        base_url = getattr(spider, "base_url", None)
        if base_url:
            self.policy = self.policy.allowing(base_url)
            self.trusted_names.add((urlsplit(base_url).hostname or "").lower())

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            self.policy.check_url(request.url)
        except Refused as exc:
            # Scrapy drops IgnoreRequest silently: the operator must see what a page tried.
            referer = (request.headers.get("Referer") or b"").decode("latin-1")
            logger.warning("SSRF guard: %s (linked or redirected from %s)", exc, referer or "?")
            raise BlockedAddress(exc.url, exc.reason) from exc


def trusted_names(crawler: Crawler) -> set[str]:
    """Host names the operator trusts (allow-list, start sites), shared with the resolver."""
    names: set[str] = crawler.__dict__.setdefault("_markwatch_trusted_names", set())
    for entry in crawler.settings.getlist("MARKWATCH_ALLOWED_HOSTS"):
        names.add((urlsplit(entry if "//" in entry else f"//{entry}").hostname or "").lower())
    return names


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver, refusing internal answers for names nobody trusted.

    The middleware checks each URL before the download; this checks the very address the
    download then connects to, so a name that answers differently the second time (DNS
    rebinding) cannot reach inside either.
    """

    trusted: set[str]

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Any:
        resolver = super().from_crawler(crawler, reactor)
        resolver.trusted = trusted_names(crawler)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        answer = super().getHostByName(name, timeout)
        answer.addCallback(self._checked, name)
        return answer

    def _checked(self, address: str, name: str) -> str:
        if literal_address(name) or name.lower() in self.trusted or not is_internal(address):
            return address
        logger.warning("SSRF guard: refused %s: resolves to internal address %s", name, address)
        raise DNSLookupError(f"refused {name}: resolves to internal address {address}")
