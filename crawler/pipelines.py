"""Item pipelines: validate -> detect -> index -> alert.

Spiders yield `Listing` instances (or any item ItemAdapter reads with the Listing's
fields, e.g. a dict of the contract JSON); ListingPipeline checks it and passes on the
contract JSON, to which each stage adds so feed exports stay readable: `finding` is
added by DetectPipeline.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.components import ImageStage, PipelineComponents, injected
from detectors.types import Finding, ImageEvidence, Listing, ListingError
from indexer.base import IndexedDoc

logger = logging.getLogger(__name__)


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

    def process_item(self, item: Any) -> dict[str, Any]:
        try:
            listing = as_listing(item)
        except ListingError as exc:
            if self.components:
                self.components.counters.invalid += 1
            raise DropItem(f"invalid listing: {exc}") from exc
        if self.components:
            self.components.counters.listings += 1
        return listing.to_dict()


class DetectPipeline:
    """Text first; photos only where the text alone does not already settle it."""

    def __init__(self, components: PipelineComponents) -> None:
        self.components = components

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectPipeline:
        return cls(_components(crawler))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        listing = Listing.from_dict(item)
        detector = self.components.detector
        finding = detector.detect(listing)
        stage = self.components.images
        if stage is not None and finding.verdict != "infringing" and item.get("image_files"):
            # Off the reactor thread, on the stage's few workers (OpenCV, onnxruntime).
            evidence = await asyncio.wrap_future(
                stage.executor.submit(_inspect_images, stage, listing, finding, item["image_files"])
            )
            if evidence:
                finding = detector.detect(listing, images=evidence)
        if finding.verdict != "clear":
            self.components.counters.findings += 1
        item["finding"] = finding.to_dict()
        return item


def _inspect_images(
    stage: ImageStage, listing: Listing, finding: Finding, files: list[dict[str, str]]
) -> list[ImageEvidence]:
    text = f"{listing.title} {listing.description}"
    named = any(m.mark in text for m in finding.marks)
    want_ocr = not named and any(word in text for word in stage.ocr_words)
    out = []
    for entry in files:
        try:
            data = (stage.images_root / entry["path"]).read_bytes()
        except OSError as exc:
            out.append(ImageEvidence(image=entry["url"], error=f"not readable: {exc}"))
            continue
        out.append(stage.inspector.inspect(entry["url"], data, ocr=want_ocr))
    return out


class IndexPipeline:
    """Buffers documents and writes them in chunks on a worker thread (tokenising and
    writing a chunk would otherwise stall the reactor); flushes the rest at close."""

    def __init__(self, components: PipelineComponents) -> None:
        self.components = components
        self._buffer: list[IndexedDoc] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        return cls(_components(crawler))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        listing = Listing.from_dict(item)
        self._buffer.append(IndexedDoc(listing, Finding.from_dict(item["finding"])))
        if len(self._buffer) >= self.components.index_chunk_size:
            chunk, self._buffer = self._buffer, []
            # The item that fills a chunk waits for its write (so a finished item is
            # indexed); the others go on meanwhile.
            await asyncio.wrap_future(self._writer.submit(self._write, chunk))
        return item

    def _write(self, chunk: list[IndexedDoc]) -> None:
        sync = self.components.status_sync
        assert sync is not None  # set in PipelineComponents.__post_init__
        # Triage decisions live in the alert store: the document carries its status from there.
        report = sync.write(chunk)
        for error in report.errors:
            logger.error("index: %s not indexed: %s", error.id, error.reason)

    def close_spider(self) -> None:
        self._writer.shutdown(wait=True)
        if self._buffer:
            self._write(self._buffer)
            self._buffer = []
        self.components.index.refresh()


class AlertPipeline:
    """Records alerts on one worker thread: store writes (one transaction per flagged
    listing) then overlap with crawling instead of stalling the reactor, in item order."""

    def __init__(self, components: PipelineComponents) -> None:
        self.components = components
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alerts")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertPipeline:
        return cls(_components(crawler))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        counters = self.components.counters
        if item["finding"].get("verdict") != "clear":
            changes = await asyncio.wrap_future(
                self._writer.submit(
                    self.components.alerts.record,
                    Listing.from_dict(item),
                    Finding.from_dict(item["finding"]),
                )
            )
            counters.alerts += sum(1 for c in changes if c.created)
            if any("reopened" in c.changes for c in changes) and self.components.status_sync:
                listing_id = item["id"]
                await asyncio.wrap_future(
                    self._writer.submit(self.components.status_sync.sync, [listing_id])
                )
        if self.components.on_progress:
            self.components.on_progress(counters)
        return item

    def close_spider(self) -> None:
        self._writer.shutdown(wait=True)
