"""Item pipelines: validate -> detect -> index -> alert.

Spiders yield `Listing` instances (or any item ItemAdapter reads with the Listing's
fields, e.g. a dict of the contract JSON); ListingPipeline checks it and passes on the
contract JSON, to which each stage adds so feed exports stay readable: `finding` is
added by DetectPipeline. That JSON is a `ListingItem`, a dict that also carries the checked
Listing and its Finding, so later stages do not parse their own item again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.components import ImageStage, PipelineComponents, injected
from crawler.photo_pool import PhotoPool
from crawler.photo_worker import read_and_inspect
from crawler.pool import DetectionPool
from crawler.writer import RecordSummary, StoreWriter, record_and_sync
from detectors.types import Finding, ImageEvidence, Listing, ListingError
from indexer.base import IndexedDoc

logger = logging.getLogger(__name__)

ALERT_BATCH_SIZE = "MARKWATCH_ALERT_BATCH_SIZE"
ALERT_BATCH_SECONDS = "MARKWATCH_ALERT_BATCH_SECONDS"


class ListingItem(dict[str, Any]):
    """The contract JSON of a checked listing (a plain dict to exporters), carrying the
    Listing it was made from and, once detected, its Finding."""

    __slots__ = ("finding_", "listing")

    def __init__(self, listing: Listing) -> None:
        super().__init__(listing.to_dict())
        self.listing = listing
        self.finding_: Finding | None = None


def listing_of(item: dict[str, Any]) -> Listing:
    """The item's Listing: carried along, or (an item rebuilt by some stage) parsed again."""
    return item.listing if isinstance(item, ListingItem) else Listing.from_dict(item)


def finding_of(item: dict[str, Any]) -> Finding:
    carried = item.finding_ if isinstance(item, ListingItem) else None
    return carried if carried is not None else Finding.from_dict(item["finding"])


def as_listing(item: Any) -> Listing:
    """The Listing a spider yielded: the dataclass itself, or any item holding its fields."""
    if isinstance(item, Listing):
        # Through the contract JSON, so a spider's Listing meets the same checks as a dict.
        return Listing.from_dict(item.to_dict())
    if not ItemAdapter.is_item(item):
        raise ListingError(f"not an item: {type(item).__name__}")
    return Listing.from_dict(ItemAdapter(item).asdict())


def _components(crawler: Crawler) -> PipelineComponents:
    components = injected(crawler)
    if components is None:
        raise NotConfigured("no MarkWatch components: the crawl emits listings only")
    return components


class ListingPipeline:
    """Checks every item against the Listing contract; drops (and counts) bad ones."""

    def __init__(self, components: PipelineComponents | None) -> None:
        self.components = components

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingPipeline:
        try:
            return cls(_components(crawler))
        except NotConfigured:
            return cls(None)

    def process_item(self, item: Any) -> ListingItem:
        try:
            listing = as_listing(item)
        except ListingError as exc:
            if self.components:
                self.components.counters.invalid += 1
            raise DropItem(f"invalid listing: {exc}") from exc
        if self.components:
            self.components.counters.listings += 1
        return ListingItem(listing)


class DetectPipeline:
    """Text first; photos only where the text alone does not already settle it.

    Detection runs in worker processes when the crawl has a pool (crawler.pool,
    MARKWATCH_DETECT_PROCESSES), else inline: the same findings either way.
    """

    def __init__(
        self,
        components: PipelineComponents,
        pool: DetectionPool | None = None,
        stats: StatsCollector | None = None,
        photo_pool: PhotoPool | None = None,
    ) -> None:
        self.components = components
        self.pool = pool
        self.stats = stats
        self.photo_pool = photo_pool

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectPipeline:
        components = _components(crawler)
        try:
            pool: DetectionPool | None = DetectionPool.from_crawler(crawler, components)
        except NotConfigured as reason:
            logger.debug("detection inline: %s", reason)
            pool = None
        try:
            photo_pool: PhotoPool | None = PhotoPool.from_crawler(crawler, components)
        except NotConfigured as reason:
            logger.debug("photos on the image stage's threads: %s", reason)
            photo_pool = None
        return cls(components, pool, crawler.stats, photo_pool)

    async def _detect(self, listing: Listing, images: list[ImageEvidence] | None = None) -> Finding:
        if self.pool is not None:
            return await self.pool.detect(listing, images or ())
        return self.components.detector.detect(listing, images=images or ())

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        listing = listing_of(item)
        finding = await self._detect(listing)
        stage = self.components.images
        if stage is not None and finding.verdict != "infringing" and item.get("image_files"):
            evidence = await self._photos(stage, listing, finding, item["image_files"])
            if evidence:
                finding = await self._detect(listing, evidence)
        if finding.verdict != "clear":
            self.components.counters.findings += 1
        item["finding"] = finding.to_dict()
        if isinstance(item, ListingItem):
            item.finding_ = finding
        return item

    async def _photos(
        self, stage: ImageStage, listing: Listing, finding: Finding, entries: list[dict[str, str]]
    ) -> list[ImageEvidence]:
        files = [(entry["url"], entry["path"]) for entry in entries]
        ocr = _wants_ocr(stage, listing, finding)
        if self.photo_pool is not None:
            found = await self.photo_pool.inspect(stage.images_root, files, ocr)
            if found is not None:
                return found
        # Off the reactor thread, on the stage's few threads (OpenCV, onnxruntime).
        return await asyncio.wrap_future(
            stage.executor.submit(read_and_inspect, stage.inspector, stage.images_root, files, ocr)
        )

    def close_spider(self) -> None:
        stage = self.components.images
        photo_pool = self.photo_pool
        if stage is not None and self.stats is not None:
            pooled = (photo_pool.analysed, photo_pool.reused) if photo_pool else (0, 0)
            analysed = stage.inspector.analysed + pooled[0]
            self.stats.set_value("markwatch/images_analysed", analysed)
            self.stats.set_value("markwatch/images_reused", stage.inspector.reused + pooled[1])
        if photo_pool is not None:
            photo_pool.close()
            if self.stats is not None:
                self.stats.set_value("markwatch/photo_processes", photo_pool.processes)
                self.stats.set_value("markwatch/photo_pooled", photo_pool.pooled)
        if self.pool is not None:
            self.pool.close()
            if self.stats is not None:
                self.stats.set_value("markwatch/detect_processes", self.pool.processes)
                self.stats.set_value("markwatch/detect_pooled", self.pool.pooled)
                self.stats.set_value("markwatch/detect_inline", self.pool.inline)
                self.stats.set_value("markwatch/detect_batches", self.pool.batches)
            logger.info(
                "detection pool: %d listings in %d batches on %d processes, %d inline",
                self.pool.pooled,
                self.pool.batches,
                self.pool.processes,
                self.pool.inline,
            )


def _wants_ocr(stage: ImageStage, listing: Listing, finding: Finding) -> bool:
    """OCR only where packaging text can matter: a GI product word, no mark named."""
    text = f"{listing.title} {listing.description}"
    named = any(m.mark in text for m in finding.marks)
    return not named and any(word in text for word in stage.ocr_words)


_T = TypeVar("_T")


class _Writes:
    """Where one pipeline's writes go: its own thread, or the crawl's writer process
    (crawler.writer) once that is up and the thread has nothing in flight (so writes keep
    their order); back to the thread for good if the process dies."""

    def __init__(self, name: str, writer: StoreWriter | None) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.writer = writer
        self._on_process = False
        self._last_thread: Future[Any] | None = None

    def _use_process(self) -> bool:
        if self.writer is None or self.writer.broken:
            return False
        if not self._on_process:
            idle = self._last_thread is None or self._last_thread.done()
            self._on_process = idle and self.writer.ready
        return self._on_process

    async def run(self, here: Callable[[], _T], there: Callable[[], Future[_T]]) -> _T:
        if self._use_process():
            try:
                return await asyncio.wrap_future(there())
            except (BrokenProcessPool, RuntimeError, CancelledError) as exc:
                assert self.writer is not None
                self.writer.mark_broken(exc)
        self._last_thread = self.thread.submit(here)
        return await asyncio.wrap_future(self._last_thread)

    def run_now(self, here: Callable[[], _T], there: Callable[[], Future[_T]]) -> _T:
        """`run` from outside the event loop (close_spider): waits for the write."""
        if self._use_process():
            try:
                return there().result()
            except (BrokenProcessPool, RuntimeError, CancelledError) as exc:
                assert self.writer is not None
                self.writer.mark_broken(exc)
        return self.thread.submit(here).result()

    def close(self) -> None:
        self.thread.shutdown(wait=True)
        if self.writer is not None:
            self.writer.release()


def _store_writer(crawler: Crawler, components: PipelineComponents) -> StoreWriter | None:
    try:
        return StoreWriter.for_crawler(crawler, components)
    except NotConfigured as reason:
        logger.debug("writes on threads: %s", reason)
        return None


class IndexPipeline:
    """Buffers documents and writes them in chunks off the reactor thread (tokenising and
    writing a chunk would otherwise stall it): in the writer process, else on a worker
    thread; flushes the rest at close."""

    def __init__(self, components: PipelineComponents, writer: StoreWriter | None = None) -> None:
        self.components = components
        self._buffer: list[IndexedDoc] = []
        self._writes = _Writes("index", writer)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        components = _components(crawler)
        return cls(components, _store_writer(crawler, components))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self._buffer.append(IndexedDoc(listing_of(item), finding_of(item)))
        if len(self._buffer) >= self.components.index_chunk_size:
            chunk, self._buffer = self._buffer, []
            # The item that fills a chunk waits for its write (so a finished item is
            # indexed); the others go on meanwhile.
            _log_index_errors(await self._writes.run(*self._write(chunk)))
        return item

    def _write(
        self, chunk: list[IndexedDoc]
    ) -> tuple[Callable[[], list[tuple[str, str]]], Callable[[], Future[list[tuple[str, str]]]]]:
        def here() -> list[tuple[str, str]]:
            sync = self.components.status_sync
            assert sync is not None  # set in PipelineComponents.__post_init__
            # Triage decisions live in the alert store: the document carries its status.
            return [(e.id, e.reason) for e in sync.write(chunk).errors]

        def there() -> Future[list[tuple[str, str]]]:
            assert self._writes.writer is not None
            return self._writes.writer.write_docs(chunk)

        return here, there

    def close_spider(self) -> None:
        if self._buffer:
            _log_index_errors(self._writes.run_now(*self._write(self._buffer)))
            self._buffer = []
        self._writes.close()
        self.components.index.refresh()


def _log_index_errors(errors: list[tuple[str, str]]) -> None:
    for doc_id, reason in errors:
        logger.error("index: %s not indexed: %s", doc_id, reason)


_Pending = tuple[Listing, Finding, "asyncio.Future[RecordSummary]"]


class AlertPipeline:
    """Records alerts in batches off the reactor thread (in the writer process, else on
    a worker thread): one transaction per batch (AlertStore.record_many), written when
    MARKWATCH_ALERT_BATCH_SIZE flagged listings are waiting or MARKWATCH_ALERT_BATCH_SECONDS
    after the first of them arrived, whichever is first, so no alert waits longer than
    that for its write. Each item goes on once its batch is committed; batches are
    written in item order."""

    def __init__(
        self,
        components: PipelineComponents,
        batch_size: int = 200,
        batch_seconds: float = 0.2,
        writer: StoreWriter | None = None,
    ) -> None:
        self.components = components
        self.batch_size = max(1, batch_size)
        self.batch_seconds = max(0.0, batch_seconds)
        self._writes = _Writes("alerts", writer)
        self._pending: list[_Pending] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0
        self.stats: StatsCollector | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertPipeline:
        settings = crawler.settings
        components = _components(crawler)
        pipeline = cls(
            components,
            batch_size=settings.getint(ALERT_BATCH_SIZE, 200),
            batch_seconds=settings.getfloat(ALERT_BATCH_SECONDS, 0.2),
            writer=_store_writer(crawler, components),
        )
        pipeline.stats = crawler.stats
        return pipeline

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        counters = self.components.counters
        if item["finding"].get("verdict") != "clear":
            loop = asyncio.get_running_loop()
            written: asyncio.Future[RecordSummary] = loop.create_future()
            self._pending.append((listing_of(item), finding_of(item), written))
            if len(self._pending) >= self.batch_size:
                self._flush()
            elif self._timer is None:
                self._timer = loop.call_later(self.batch_seconds, self._flush)
            created, _reopened = await written
            counters.alerts += created
        if self.components.on_progress:
            self.components.on_progress(counters)
        return item

    def _take(self) -> list[_Pending]:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            self.batches += 1
        return batch

    def _flush(self) -> None:
        batch = self._take()
        if batch:
            # The task submits its write before its first await: batches keep their order.
            task = asyncio.ensure_future(self._write_batch(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _write(
        self, batch: list[_Pending]
    ) -> tuple[Callable[[], list[RecordSummary]], Callable[[], Future[list[RecordSummary]]]]:
        pairs = [(listing, finding) for listing, finding, _ in batch]

        def here() -> list[RecordSummary]:
            return record_and_sync(self.components.alerts, self.components.status_sync, pairs)

        def there() -> Future[list[RecordSummary]]:
            assert self._writes.writer is not None
            return self._writes.writer.record(pairs)

        return here, there

    async def _write_batch(self, batch: list[_Pending]) -> None:
        try:
            summaries = await self._writes.run(*self._write(batch))
        except Exception as exc:  # handed to each item, which Scrapy then logs
            _settle(batch, error=exc)
        else:
            _settle(batch, summaries)

    def close_spider(self) -> None:
        batch = self._take()
        if batch:  # the engine waits for its items, so only if the crawl was cut short
            try:
                _settle(batch, self._writes.run_now(*self._write(batch)))
            except Exception as exc:
                _settle(batch, error=exc)
        self._writes.close()
        if self.stats is not None:
            self.stats.set_value("markwatch/alert_batches", self.batches)


def _settle(
    batch: list[_Pending],
    summaries: list[RecordSummary] | None = None,
    error: BaseException | None = None,
) -> None:
    for index, (_, _, written) in enumerate(batch):
        if written.done():
            continue
        if summaries is not None:
            written.set_result(summaries[index])
        else:
            written.set_exception(error or RuntimeError("alert batch not written"))
