"""SSRF guard for crawls: refuse requests to internal addresses, redirects included.

Crawled pages are attacker-controlled: a link or a redirect to 127.0.0.1:9200 or to
169.254.169.254 must not make the crawler reach our own services. The policy itself
lives in netpolicy (every channel and fetch uses the same one).
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from netpolicy import AddressPolicy
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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        allowed = crawler.settings.getlist("MARKWATCH_ALLOWED_HOSTS")
        middleware = cls(AddressPolicy.from_hosts(allowed))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        # The operator chose the spider's start site (-a base_url=...), so it is trusted;
        # links and redirects found on pages are not.
        base_url = getattr(spider, "base_url", None)
        if base_url:
            self.policy = self.policy.allowing(base_url)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            self.policy.check_url(request.url)
        except Refused as exc:
            # Scrapy drops IgnoreRequest silently: the operator must see what a page tried.
            referer = (request.headers.get("Referer") or b"").decode("latin-1")
            logger.warning("SSRF guard: %s (linked or redirected from %s)", exc, referer or "?")
            raise BlockedAddress(exc.url, exc.reason) from exc
