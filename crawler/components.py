"""What the MarkWatch pipelines need, handed to one crawler explicitly.

The composition root (markwatch) builds these once and attaches them to each crawler
it creates (`inject`), before the crawl starts; a bare `scrapy crawl` has none, so the
pipelines switch themselves off and the crawl just emits Listing items. They are live
services (threads, connections), so they travel beside the crawler, not in its settings
(which Scrapy copies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scrapy.crawler import Crawler

from alerts.index_status import IndexStatusSync
from alerts.store import AlertStore
from detectors.types import Finding, ImageEvidence, Listing
from indexer.base import SearchIndex

_ATTRIBUTE = "markwatch_components"


class ListingDetector(Protocol):
    def detect(self, listing: Listing, images: Sequence[ImageEvidence] = ()) -> Finding: ...


class ImageInspector(Protocol):
    """Looks at one listing photo: insignia always, OCR only when asked (it costs ~10x)."""

    analysed: int  # photos analysed so far
    reused: int  # photos answered without analysis (the same bytes seen before)

    def inspect(self, name: str, data: bytes, *, ocr: bool) -> ImageEvidence: ...


@dataclass(frozen=True)
class ImageStage:
    inspector: ImageInspector
    # A few threads: the analysis releases the GIL for most of its time (crawler.photo_pool
    # moves it to worker processes when the stage has a recipe).
    executor: Executor
    images_root: Path  # where the media pipeline stores downloaded photos
    # OCR runs only for listings that name a product category of a protected GI
    # (人参, 大米 …) without the mark in their text: where packaging photos matter.
    ocr_words: tuple[str, ...] = ()
    # Builds the same inspector in a worker process (crawler.photo_pool); picklable.
    # None: photos are analysed on `executor` only.
    recipe: Callable[[], ImageInspector] | None = None


@dataclass
class CrawlCounters:
    listings: int = 0
    findings: int = 0  # non-clear findings
    alerts: int = 0  # alerts created (not re-sightings)
    invalid: int = 0


@dataclass
class PipelineComponents:
    detector: ListingDetector
    index: SearchIndex
    alerts: AlertStore
    images: ImageStage | None = None
    index_chunk_size: int = 200
    counters: CrawlCounters = field(default_factory=CrawlCounters)
    on_progress: Callable[[CrawlCounters], None] | None = None
    status_sync: IndexStatusSync | None = None  # built from index and alerts when left out
    # Opens the same index and alert store in another process (crawler.writer); None:
    # the crawl writes on threads of its own process.
    stores: Callable[[], tuple[SearchIndex, AlertStore]] | None = None
    # Live helpers the pipelines of every crawler using these components share (the
    # writer process, the detection pool), by name.
    shared: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status_sync is None:
            self.status_sync = IndexStatusSync(self.alerts, self.index)


def inject(crawler: Crawler, components: PipelineComponents) -> None:
    """Attach live components to a crawler created but not yet started."""
    setattr(crawler, _ATTRIBUTE, components)


def injected(crawler: Crawler) -> PipelineComponents | None:
    """The components attached to this crawler, if any."""
    value = getattr(crawler, _ATTRIBUTE, None)
    return value if isinstance(value, PipelineComponents) else None
