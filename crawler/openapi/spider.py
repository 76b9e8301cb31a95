"""The keyword-search spider shared by taobao_api, jd_api and pdd_api.

Per keyword: page 1, 2, ... until the platform's total is reached, a short page, or
`-a max_pages=`. Rate-limit answers wait as long as the platform asks (or back off
exponentially) and re-send the request freshly stamped and signed; a signature,
credentials, timestamp or permission error stops the crawl with one line naming it and
sets the `markwatch/fatal` stat, which `markwatch crawl` turns into a non-zero exit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.components import injected
from crawler.health import FATAL_STAT
from crawler.keywords import keywords_from, parse_keywords_arg
from crawler.openapi.api import ApiError, PlatformClient
from crawler.openapi.credentials import SETTING as CREDENTIALS_SETTING
from crawler.openapi.credentials import Credentials, MissingCredentials, resolve
from crawler.parsers.errors import ParseError

NOT_CAPTURED = "found by API, page not captured"
_MAX_RATE_RETRIES = 8
_MAX_WAIT_S = 60.0


class OpenApiSpider(scrapy.Spider):
    """Subclasses set `name`, `default_base_url` and build their client in `make_client`."""

    default_base_url: ClassVar[str] = ""
    custom_settings = {  # noqa: RUF012 (Scrapy's own attribute)
        # A gateway serves signed calls under the platform's quota rules, not pages for
        # crawlers: robots.txt does not apply, the rate-limit answers do (see _back_off).
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        # Quotas are calls per second per app key. Pace under them (5/s) rather than lean
        # on refusals: with hundreds of catalog keywords, calls that kept meeting a full
        # quota ran out of waits and their listings were lost. `-s DOWNLOAD_DELAY` tunes it.
        "DOWNLOAD_DELAY": 0.2,
    }

    def __init__(
        self,
        base_url: str | None = None,
        keywords: str = "",
        max_pages: str | int = 50,
        page_size: str | int = 20,
        **kwargs: Any,
    ) -> None:
        extra = {k: v for k, v in kwargs.items() if k not in ("_job",)}
        super().__init__(**extra)
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.keyword_arg = parse_keywords_arg(keywords)
        self.max_pages = int(max_pages)
        self.client: PlatformClient = self.make_client(int(page_size), extra)
        self.seen: set[str] = set()
        # The API answer each listing came from: its evidence when no page is captured.
        self.answers: dict[str, Response] = {}
        self.creds: Credentials | None = None

    def make_client(self, page_size: int, options: dict[str, Any]) -> PlatformClient:
        raise NotImplementedError

    # -- start ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            self.creds = resolve(
                self.client.credentials_name, self.settings.getdict(CREDENTIALS_SETTING)
            )
        except MissingCredentials as exc:
            self._fatal(str(exc))
            return
        keywords = self.keyword_arg or self.default_keywords()
        self.logger.info("%s: %d keywords, gateway %s", self.name, len(keywords), self._gateway)
        for keyword in keywords:
            yield self._request(keyword, 1, 0)

    def default_keywords(self) -> list[str]:
        """The catalog's marks and the active watchlists' marks and keywords."""
        components = injected(self.crawler) if hasattr(self, "crawler") else None
        catalog = getattr(getattr(components, "detector", None), "catalog", None)
        if catalog is None:
            from detectors import load_catalog  # a bare `scrapy crawl`: the built-in catalog

            catalog = load_catalog()
        names = [m.name for m in catalog.marks]
        alerts = getattr(components, "alerts", None)
        watched: list[str] = []
        if alerts is not None:
            watched = [k for w in alerts.watchlists() if w.active for k in (*w.marks, *w.keywords)]
        return keywords_from(names, watched)

    @property
    def _gateway(self) -> str:
        return f"{self.base_url}{self.client.path}"

    def _request(self, keyword: str, page: int, attempt: int) -> scrapy.Request:
        assert self.creds is not None
        params = self.client.params(self.creds, keyword, page, datetime.now(UTC))
        return scrapy.FormRequest(
            self._gateway,
            formdata=params,
            callback=self.parse_answer,
            cb_kwargs={"keyword": keyword, "page": page, "attempt": attempt},
            dont_filter=True,
            meta={"dont_retry": False},
        )

    # -- answers -------------------------------------------------------------------------
    async def parse_answer(
        self, response: Response, keyword: str, page: int, attempt: int
    ) -> AsyncIterator[Any]:
        try:
            result = self.client.parse(response.body, page)
        except ApiError as exc:
            if exc.kind == "rate_limit":
                async for request in self._back_off(exc, keyword, page, attempt):
                    yield request
                return
            if exc.fatal:
                self._fatal(f"{self.name}: {exc}")
                raise CloseSpider(f"api_{exc.kind}_error") from None
            self.logger.error("%s: page %d of %r skipped: %s", self.name, page, keyword, exc)
            return
        except ParseError as exc:
            self.logger.error("parse failure on %s (%r page %d): %s", self.name, keyword, page, exc)
            return
        for listing in result.listings:
            if listing.id in self.seen:
                continue  # found again by another keyword
            self.seen.add(listing.id)
            self.answers[listing.id] = response
            self.crawler.stats.inc_value("markwatch/api_listings")
            yield listing.to_dict()
        if result.has_more and page < self.max_pages:
            yield self._request(keyword, page + 1, 0)

    async def _back_off(
        self, exc: ApiError, keyword: str, page: int, attempt: int
    ) -> AsyncIterator[scrapy.Request]:
        self.crawler.stats.inc_value("markwatch/api_rate_limited")
        if attempt >= _MAX_RATE_RETRIES:
            self.logger.error(
                "%s: still rate limited after %d waits, %r page %d given up: %s",
                self.name,
                attempt,
                keyword,
                page,
                exc,
            )
            return
        wait = min(_MAX_WAIT_S, max(exc.retry_after or 0.0, 0.5 * 2**attempt))
        self.logger.info("%s: rate limited (%s), waiting %.1fs", self.name, exc.code, wait)
        from twisted.internet import reactor  # the running one; importing earlier installs one

        await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        yield self._request(keyword, page, attempt + 1)

    def _fatal(self, message: str) -> None:
        """One line for the operator; the stat makes `markwatch crawl` exit non-zero."""
        self.logger.error(message)
        self.crawler.stats.set_value(FATAL_STAT, message)

    def api_capture(self, listing_id: str) -> Response | None:
        """The API answer that listed `listing_id`: the evidence pipeline stores it (marked
        "found by API, page not captured") in place of the item page this spider never
        fetches, and takes no screenshot of it."""
        return self.answers.get(listing_id)
