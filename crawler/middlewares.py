"""Crawl manners and robustness: URL canonicalisation, Retry-After-aware retries,
imported login cookies, an outbound proxy, AutoThrottle for real sites only, and
incremental crawls that drop listings whose content has not changed.

Each component reads its part of `PolitenessConfig` (parsed once per crawl from the
Scrapy settings, falling back to the MARKWATCH_* environment variables) and switches
itself off (NotConfigured) when its setting is absent.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message
from w3lib.url import canonicalize_url

logger = logging.getLogger(__name__)

# Query parameters that only track clicks (Alibaba's spm/scm/abbucket, Taobao's ns,
# JD's pvid, the usual utm_*): they make one page look like many.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {"spm", "scm", "ns", "abbucket", "pvid", "acm", "trackinfo", "from", "_u",
     "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}
)  # fmt: skip


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class PolitenessConfig:
    """The MarkWatch crawl settings this module acts on."""

    cookies_file: Path | None = None
    proxy: str = ""
    incremental: bool = False
    data_dir: Path = Path("data")
    retry_after_max_s: float = 60.0  # never wait longer than this on one Retry-After
    backoff_base_s: float = 0.5  # 5xx: wait base * 2**(attempt-1)
    throttle_exempt_loopback: bool = True  # the local testbed needs no AutoThrottle

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PolitenessConfig:
        # markwatch's settings layer passes these in (crawling.crawl_overrides); a bare
        # `scrapy crawl` takes them as -s options.
        def pick(name: str) -> str:
            value = settings.get(name)
            return str(value) if value not in (None, "") else ""

        # An explicit cookies file wins over the stored session a spider opted into.
        cookies = pick("MARKWATCH_COOKIES_FILE") or pick("MARKWATCH_SESSION_FILE")
        return cls(
            cookies_file=Path(cookies) if cookies else None,
            proxy=pick("MARKWATCH_PROXY"),
            incremental=_truthy(pick("MARKWATCH_INCREMENTAL")),
            data_dir=Path(pick("MARKWATCH_DATA_DIR") or "data"),
            retry_after_max_s=settings.getfloat("MARKWATCH_RETRY_AFTER_MAX", 60.0),
            backoff_base_s=settings.getfloat("MARKWATCH_BACKOFF_BASE", 0.5),
            throttle_exempt_loopback=settings.getbool("MARKWATCH_THROTTLE_EXEMPT_LOOPBACK", True),
        )


# --- URL canonicalisation ------------------------------------------------------------


def canonical_url(url: str, drop: Iterable[str] = TRACKING_PARAMS) -> str:
    """`url` without tracking parameters or fragment, query sorted, escapes normalised."""
    parts = urlsplit(url)
    dropped = set(drop)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in dropped]
    stripped = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return canonicalize_url(stripped)


class CanonicalUrlMiddleware(BaseSpiderMiddleware):
    """Spider middleware: every followed link is canonicalised before the dupefilter sees
    it, so `?id=1&spm=a` and `?spm=b&id=1` are one page (crawler-trap guard)."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request:
        if request.meta.get("keep_url"):
            return request
        url = canonical_url(request.url)
        return request if url == request.url else request.replace(url=url)


# --- retries ---------------------------------------------------------------------------


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting before each retry: as long as Retry-After asks on
    429/503 (capped), else exponential backoff. Only the retried request waits."""

    def __init__(self, settings: BaseSettings, config: PolitenessConfig) -> None:
        super().__init__(settings)
        self.config = config

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings, PolitenessConfig.from_settings(crawler.settings))
        middleware.crawler = crawler
        return middleware

    def delay_for(self, request: Request, response: Response) -> float:
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            return min(asked, self.config.retry_after_max_s)
        attempt = int(request.meta.get("retry_times", 0)) + 1
        return min(self.config.backoff_base_s * 2 ** (attempt - 1), self.config.retry_after_max_s)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = self.delay_for(request, response)
        if delay > 0:
            self.crawler.stats.inc_value("markwatch/retry/waited_ms", int(delay * 1000))
            await sleep(delay)
        return retry


# --- cookies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedCookie:
    domain: str
    name: str
    value: str
    path: str = "/"

    def applies_to(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        domain = self.domain.lower().lstrip(".")
        host_ok = host == domain or host.endswith("." + domain)
        return host_ok and (parts.path or "/").startswith(self.path or "/")


def load_cookies(path: Path) -> list[ImportedCookie]:
    """Cookies exported from a logged-in browser: Netscape cookies.txt or JSON (a list of
    `{"domain", "name", "value", "path"}` objects, as browser extensions export them)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip()[:1] in ("[", "{"):
        return _json_cookies(json.loads(text))
    cookies = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#HttpOnly_"):  # curl marks HttpOnly cookies this way
            line = line.removeprefix("#HttpOnly_")
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            raise ValueError(f"{path}: not a Netscape cookies.txt line: {line[:60]!r}")
        domain, _sub, cookie_path, _secure, _expires, name, value = fields
        cookies.append(ImportedCookie(domain, name, value, cookie_path or "/"))
    return cookies


def _json_cookies(data: Any) -> list[ImportedCookie]:
    rows = data.get("cookies", []) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValueError("JSON cookies must be a list of {domain, name, value} objects")
    return [
        ImportedCookie(str(r["domain"]), str(r["name"]), str(r["value"]), str(r.get("path", "/")))
        for r in rows
        if isinstance(r, dict) and {"domain", "name", "value"} <= r.keys()
    ]


class CookieImportMiddleware:
    """Downloader middleware (before CookiesMiddleware): adds the imported session
    cookies to requests for their domain; cookies a request sets itself win."""

    def __init__(self, cookies: list[ImportedCookie]) -> None:
        self.cookies = cookies

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CookieImportMiddleware:
        config = PolitenessConfig.from_settings(crawler.settings)
        if config.cookies_file is None:
            raise NotConfigured  # no message: Scrapy would warn on every crawl
        cookies = load_cookies(config.cookies_file)
        logger.info("imported %d cookies from %s", len(cookies), config.cookies_file)
        return cls(cookies)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        matching = {c.name: c.value for c in self.cookies if c.applies_to(request.url)}
        if not matching:
            return
        own: Any = request.cookies
        merged: Any
        if isinstance(own, dict):
            merged = {**matching, **own}
        else:  # a list of cookie dicts
            names = {str(c.get("name")) for c in own}
            merged = [
                *own,
                *({"name": n, "value": v} for n, v in matching.items() if n not in names),
            ]
        request.cookies = merged


# --- proxy -----------------------------------------------------------------------------


class ProxyMiddleware:
    """Downloader middleware (before HttpProxyMiddleware): sends every request through
    MARKWATCH_PROXY unless the request names its own proxy."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        proxy = PolitenessConfig.from_settings(crawler.settings).proxy
        if not proxy:
            raise NotConfigured  # no message: Scrapy would warn on every crawl
        return cls(proxy)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.meta.setdefault("proxy", self.proxy)


# --- AutoThrottle for real sites only ------------------------------------------------------


def _is_local_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


class RealSiteAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, except for loopback/private hosts (the local testbed),
    whose download slots keep no delay: real sites get the polite pace, tests don't wait."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        config = PolitenessConfig.from_settings(crawler.settings)
        self.exempt_local = config.throttle_exempt_loopback
        crawler.signals.connect(self._request_reached, signal=signals.request_reached_downloader)

    def _exempt(self, request: Request) -> bool:
        return self.exempt_local and _is_local_host(urlsplit(request.url).hostname or "")

    def _request_reached(self, request: Request, spider: Spider) -> None:
        if self._exempt(request):
            _key, slot = self._get_slot(request, spider)
            if slot is not None:
                slot.delay = self.mindelay

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if not self._exempt(request):
            super()._response_downloaded(response, request, spider)


# --- incremental crawls --------------------------------------------------------------------

# Fields that change without the listing changing (where it was fetched from).
_VOLATILE_FIELDS = ("url",)


def content_hash(item: Mapping[str, Any]) -> str:
    stable = {k: v for k, v in item.items() if k not in _VOLATILE_FIELDS and k != "finding"}
    blob = json.dumps(stable, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ContentHashStore:
    """Listing id -> hash of its content at the last crawl (SQLite)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS listing_hash ("
            " id TEXT PRIMARY KEY, hash TEXT NOT NULL, seen_at REAL NOT NULL)"
        )

    def changed(self, listing_id: str, digest: str) -> bool:
        """True (and remembers `digest`) when the listing is new or its content changed."""
        row = self._db.execute(
            "SELECT hash FROM listing_hash WHERE id = ?", (listing_id,)
        ).fetchone()
        if row is not None and row[0] == digest:
            return False
        self._db.execute(
            "INSERT INTO listing_hash (id, hash, seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, seen_at = excluded.seen_at",
            (listing_id, digest, time.time()),
        )
        return True

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()


def store_path(data_dir: Path) -> Path:
    return data_dir / "crawl" / "content_hashes.sqlite3"


class IncrementalPipeline:
    """Item pipeline (before DetectPipeline): drops listings unchanged since the last
    crawl. Off unless MARKWATCH_INCREMENTAL is set; the store lives in the data dir."""

    COMMIT_EVERY = 200

    def __init__(self, store: ContentHashStore, crawler: Crawler) -> None:
        self.store = store
        self.crawler = crawler
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalPipeline:
        config = PolitenessConfig.from_settings(crawler.settings)
        if not config.incremental:
            raise NotConfigured  # no message: Scrapy would warn on every crawl
        return cls(ContentHashStore(store_path(config.data_dir)), crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        stats = self.crawler.stats
        if not self.store.changed(str(item.get("id", "")), content_hash(item)):
            if stats:
                stats.inc_value("markwatch/incremental/unchanged")
            # Expected on every re-crawl: not worth a warning per listing.
            raise DropItem(f"unchanged since the last crawl: {item.get('id')}", log_level="DEBUG")
        if stats:
            stats.inc_value("markwatch/incremental/changed")
        self._pending += 1
        if self._pending >= self.COMMIT_EVERY:
            self.store.commit()
            self._pending = 0
        return item

    def close_spider(self) -> None:
        self.store.close()
