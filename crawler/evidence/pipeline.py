"""Item pipeline: WARC + images (+ a screenshot batch at the end) for non-clear listings.

Raw responses are only available while they are being downloaded, but only the listings
the detector flags need evidence. So the pipeline listens to `response_downloaded` (the
bytes as the download handler got them, before any middleware) and keeps the most recent
HTML responses in a small bounded buffer keyed by URL; when a flagged item arrives (after
DetectPipeline, so `item["finding"]` is there) it takes its page from the buffer, fetches
the images through the engine and writes everything to the evidence store. Clear listings
cost a dictionary insert and an eviction.

Switched on by MARKWATCH_EVIDENCE_DIR; runs between detect (300) and alert (700), and adds
`item["evidence"]` (kind, path, sha256, entry_hash per file) for the alert stage to link.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import mimetypes
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.evidence.config import DIR_SETTING, EvidenceConfig
from crawler.evidence.log import LogEntry
from crawler.evidence.screenshots import ScreenshotTarget, take_screenshots
from crawler.evidence.store import EvidenceStore, PlacedFile
from crawler.evidence.timestamps import TimestampError, Timestamps
from crawler.evidence.warc import CapturedExchange, CaptureNote, build_warc

logger = logging.getLogger(__name__)
_MAX_BUFFERED_BODY = 4 * 1024 * 1024


class RawResponseBuffer:
    """The last N HTML exchanges by URL; the oldest is dropped first."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, CapturedExchange] = OrderedDict()
        self.evicted = 0

    def put(self, exchange: CapturedExchange) -> None:
        self._items[exchange.url] = exchange
        self._items.move_to_end(exchange.url)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
            self.evicted += 1

    def take(self, url: str) -> CapturedExchange | None:
        # Read, not pop: one search page can carry many listings (1688 offers), and each
        # flagged one needs that page in its evidence.
        return self._items.get(url)

    def __len__(self) -> int:
        return len(self._items)


_LOGIN_MARKERS = (b"login", b"passport", b"signin")


def is_login_wall(response: Response) -> bool:
    """A redirect to a login URL, or a page whose form asks for a password."""
    location = (response.headers.get(b"Location") or b"").lower()
    if 300 <= response.status < 400 and any(m in location for m in _LOGIN_MARKERS):
        return True
    if any(m.decode() in response.url.lower() for m in _LOGIN_MARKERS):
        return True
    head = response.body[:50_000].lower()
    return b'type="password"' in head or b'id="j_loginform"' in head


def exchange_of(response: Response, request: Request, capture: str = "") -> CapturedExchange:
    # Why a copy was made outside the crawl's own download is told in a header of ours.
    extra = [("X-MarkWatch-Capture", capture)] if capture else []
    return CapturedExchange(
        url=response.url,
        method=request.method,
        request_headers=_pairs(request.headers),
        status=response.status,
        response_headers=_pairs(response.headers) + extra,
        body=response.body,
        protocol=str(response.protocol or "HTTP/1.1").upper(),
    )


def _pairs(headers: Any) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        for value in values:
            out.append((key.decode("latin-1"), value.decode("latin-1")))
    return out


def entry_ref(entry: LogEntry) -> dict[str, str]:
    return {
        "kind": entry.kind,
        "path": entry.path,
        "sha256": entry.sha256,
        "entry_hash": entry.entry_hash,
    }


@dataclasses.dataclass(frozen=True, slots=True)
class _Job:
    """One flagged listing's evidence, to be written: its images, then its WARC."""

    listing_id: str
    images: list[CapturedExchange]
    exchanges: list[CapturedExchange]
    notes: list[CaptureNote]
    warc_suffix: str


Written = tuple[list[dict[str, str]], OSError | None]


class GroupWriter:
    """Evidence writes on one thread, in submission order, as a group commit: each round
    takes every listing that queued up while the last one was writing, places their files
    and logs them with one append (one log fsync for the round, each folder fsynced once).

    A listing's future resolves only once its files and log entries are durable, so the
    alert stage never links evidence that a crash could lose. Latency stays one round.
    """

    def __init__(self, store: EvidenceStore, max_round: int = 64) -> None:
        self.store = store
        self.max_round = max(1, max_round)
        self.rounds = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence")
        self._lock = threading.Lock()
        self._queued: list[tuple[_Job, Future[Written]]] = []

    def submit(self, job: _Job) -> Future[Written]:
        done: Future[Written] = Future()
        with self._lock:
            self._queued.append((job, done))
        self._thread.submit(self._round)
        return done

    def close(self) -> None:
        self._thread.shutdown(wait=True)

    def _round(self) -> None:
        with self._lock:
            batch, self._queued = self._queued[: self.max_round], self._queued[self.max_round :]
        if not batch:
            return  # an earlier round took these jobs
        self.rounds += 1
        try:
            self._write(batch)
        except BaseException as exc:  # a bug must not leave a listing waiting forever
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            raise

    def _write(self, batch: list[tuple[_Job, Future[Written]]]) -> None:
        placed: list[tuple[list[PlacedFile], OSError | None]] = []
        for job, _ in batch:
            files: list[PlacedFile] = []
            error: OSError | None = None
            try:
                for fetched in job.images:
                    files.append(
                        self.store.place(job.listing_id, "image", fetched.body, _suffix(fetched))
                    )
                if job.exchanges or job.notes:
                    warc = build_warc(job.exchanges, job.notes)
                    files.append(self.store.place(job.listing_id, "warc", warc, job.warc_suffix))
            except OSError as exc:
                # What was placed before the error is still logged and referenced.
                error = exc
            placed.append((files, error))
        try:
            entries = iter(self.store.commit([f for files, _ in placed for f in files]))
        except OSError as exc:
            for _, done in batch:
                done.set_result(([], exc))
            return
        for (files, error), (_, done) in zip(placed, batch, strict=True):
            refs = [entry_ref(next(entries)) for _ in files]
            if files and files[-1].kind == "warc":
                refs.insert(0, refs.pop())  # the WARC first, as the alert page lists it
            done.set_result((refs, error))


class EvidencePipeline:
    def __init__(self, crawler: Crawler, store: EvidenceStore, config: EvidenceConfig) -> None:
        self.crawler = crawler
        self.store = store
        self.config = config
        self.buffer = RawResponseBuffer(config.buffer_size)
        self.screenshot_targets: list[ScreenshotTarget] = []
        self._writes = GroupWriter(store)
        crawler.signals.connect(self._on_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidencePipeline:
        root = crawler.settings.get(DIR_SETTING)
        if not root:
            raise NotConfigured(f"{DIR_SETTING} not set: no evidence capture")
        return cls(crawler, EvidenceStore(Path(root)), EvidenceConfig.from_scrapy(crawler.settings))

    def _on_downloaded(self, response: Response, request: Request) -> None:
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        # Pages and API answers; images come from the media pipeline's store instead.
        wanted = b"html" in content_type or b"json" in content_type
        if wanted and len(response.body) <= _MAX_BUFFERED_BODY:
            self.buffer.put(exchange_of(response, request))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        finding = item.get("finding") or {}
        if finding.get("verdict", "clear") == "clear":
            return item
        listing_id = str(item["id"])
        url = str(item.get("url", ""))
        exchanges: list[CapturedExchange] = []
        notes: list[CaptureNote] = []
        stats = self.crawler.stats
        page = self.buffer.take(url)
        api_answer = _api_answer(self.crawler, listing_id)
        if page is None and api_answer is not None:
            # Found through an open-platform API: the answer is the record of the listing
            # (its URL is the real platform's page, which only a browser session may fetch).
            exchanges.append(api_answer)
            item["evidence_note"] = API_NOT_CAPTURED
        elif page is None:
            # Not seen during the crawl (an API-sourced expo exhibit) or gone from the buffer:
            # fetch the listing's own page now, so evidence never depends on the buffer.
            page, note = await self._capture_page(url)
            if note is not None:
                notes.append(note)
                logger.info("evidence: %s: %s (%s)", listing_id, note.text, note.reason)
                if stats:
                    stats.inc_value("evidence/page_not_capturable")
            elif stats:
                stats.inc_value("evidence/page_fetched")
        if page is not None:
            exchanges.append(page)
        images: list[CapturedExchange] = []
        if self.config.images:
            for image_url in list(item.get("images") or [])[: self.config.max_images]:
                fetched = (
                    self.buffer.take(str(image_url))
                    or self._from_media_store(item, str(image_url))
                    or await self._fetch(str(image_url))
                )
                if fetched is not None:
                    exchanges.append(fetched)
                    images.append(fetched)
        # Writing (fsync'd files, the hash-chained log) is the costliest part: on the
        # writer thread, in order, many listings per log append (GroupWriter).
        suffix = API_WARC_SUFFIX if api_answer is not None else ".warc"
        refs, error = await asyncio.wrap_future(
            self._writes.submit(_Job(listing_id, images, exchanges, notes, suffix))
        )
        if error is not None:
            # Disk full, read-only or gone: the listing still goes on to the alert stage
            # (losing the alert would be worse than losing its evidence), loudly.
            logger.error("evidence: not stored for %s (%s): %s", listing_id, self.store.root, error)
            if stats:
                stats.inc_value("evidence/store_errors")
        if self.config.screenshots and url and api_answer is None:
            self.screenshot_targets.append(ScreenshotTarget(listing_id, url))
        if stats:
            stats.inc_value("evidence/listings")
            stats.inc_value("evidence/files", len(refs))
        item["evidence"] = refs
        return item

    def _from_media_store(self, item: dict[str, Any], url: str) -> CapturedExchange | None:
        """The copy the media pipeline already downloaded, so the site is not asked twice."""
        root = self.crawler.settings.get("MARKWATCH_IMAGES_STORE")
        entry = next((f for f in item.get("image_files") or [] if f.get("url") == url), None)
        if not root or entry is None:
            return None
        try:
            body = (Path(root) / entry["path"]).read_bytes()
        except OSError:
            return None
        kind = mimetypes.guess_type(entry["path"])[0] or "application/octet-stream"
        return CapturedExchange(
            url=url,
            method="GET",
            request_headers=[],
            status=200,
            response_headers=[
                ("Content-Type", kind),
                ("Content-Length", str(len(body))),
                ("X-MarkWatch-Capture", "media-pipeline copy"),
            ],
            body=body,
        )

    async def _capture_page(self, url: str) -> tuple[CapturedExchange | None, CaptureNote | None]:
        """The listing page fetched for evidence, or a note saying why it cannot be had.

        Redirects are not followed: a redirect to a login form is itself the record of the
        wall (the session of MARKWATCH_COOKIES_FILE, when imported, is sent by the cookies
        middleware and gets the real page)."""
        if not url.startswith(("http://", "https://")):
            return None, CaptureNote(url, "page not capturable: no URL", "listing has no web URL")
        engine = self.crawler.engine
        if engine is None:
            return None, CaptureNote(url, "page not capturable: crawl stopped", "engine closed")
        request = Request(
            url,
            dont_filter=True,
            meta={"markwatch_evidence": True, "dont_redirect": True, "handle_httpstatus_all": True},
        )
        try:
            response = await engine.download_async(request)
        except (IgnoreRequest, Exception) as exc:
            # The download failed (refused, timeout, robots, guard): say so in the evidence.
            return None, CaptureNote(url, "page not capturable: download failed", str(exc))
        exchange = exchange_of(response, request, capture="fetched for evidence")
        if is_login_wall(response):
            host = urlsplit(url).hostname or ""
            reason = (
                f"{host} answers with its login form (HTTP {response.status}); "
                "no logged-in session imported (MARKWATCH_COOKIES_FILE)"
            )
            return exchange, CaptureNote(url, "page not capturable: login", reason)
        if response.status != 200:
            return exchange, CaptureNote(
                url, f"page not capturable: HTTP {response.status}", "the site refused the page"
            )
        return exchange, None

    async def _fetch(self, url: str) -> CapturedExchange | None:
        if not url.startswith(("http://", "https://")):
            return None
        engine = self.crawler.engine
        if engine is None:
            return None
        request = Request(url, dont_filter=True, meta={"markwatch_evidence": True})
        try:
            response = await engine.download_async(request)
        except (IgnoreRequest, Exception) as exc:
            # Any download failure (DNS, timeout, refused, guard) loses one image, not the item.
            logger.warning("evidence: image %s not fetched: %s", url, exc)
            return None
        if response.status != 200:
            return None
        return exchange_of(response, request)

    async def close_spider(self) -> None:
        # Every item has been through process_item by now: nothing is left to write but
        # the screenshots, which this (reactor) thread adds to the log from here on.
        self._writes.close()
        if self.crawler.stats:
            self.crawler.stats.set_value("evidence/write_rounds", self._writes.rounds)
        await self._screenshots()
        if self.config.tsa_url:
            await self._stamp()

    async def _stamp(self) -> None:
        """One RFC 3161 token over the log head: dates everything this crawl logged."""
        stamps = Timestamps(self.store.root)
        try:
            stamp = await maybe_deferred_to_future(
                deferToThread(stamps.stamp_head, self.config.tsa())
            )
        except (TimestampError, OSError) as exc:
            # The evidence stays (hash-chained); the next crawl or `evidence stamp` dates it.
            logger.error("evidence: log head not timestamped: %s", exc)
            return
        if stamp and self.crawler.stats:
            self.crawler.stats.set_value("evidence/timestamped_seq", stamp.seq)

    async def _screenshots(self) -> None:
        if not self.screenshot_targets:
            return
        result = await take_screenshots(
            self.store, self.screenshot_targets, self.config.screenshot_timeout_s
        )
        if self.crawler.stats:
            self.crawler.stats.set_value("evidence/screenshots", result.taken)
            self.crawler.stats.set_value("evidence/screenshots_failed", len(result.failed))


API_NOT_CAPTURED = "found by API, page not captured"
API_WARC_SUFFIX = "-found-by-api-page-not-captured.warc"


def _api_answer(crawler: Crawler, listing_id: str) -> CapturedExchange | None:
    """The API answer an open-platform spider found the listing in (see api_capture)."""
    capture = getattr(crawler.spider, "api_capture", None)
    response = capture(listing_id) if callable(capture) else None
    if response is None:
        return None
    exchange = exchange_of(response, response.request)
    headers = [*exchange.response_headers, ("X-MarkWatch-Capture", API_NOT_CAPTURED)]
    return dataclasses.replace(exchange, response_headers=headers)


def _suffix(exchange: CapturedExchange) -> str:
    headers = {k.lower(): v for k, v in exchange.response_headers}
    content_type = headers.get("content-type", "").split(";")[0].strip()
    guessed = mimetypes.guess_extension(content_type) if content_type else None
    return guessed or Path(exchange.url.split("?")[0]).suffix or ".bin"
