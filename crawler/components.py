"""What the MarkWatch pipelines need, handed to a crawl through its settings.

The composition root (markwatch) builds these once and puts them under the
MARKWATCH_COMPONENTS setting; a bare `scrapy crawl` has none, so the pipelines
switch themselves off and the crawl just emits Listing items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from alerts.index_status import IndexStatusSync
from alerts.store import AlertStore
from detectors.types import Finding, ImageEvidence, Listing
from indexer.base import SearchIndex

SETTING = "MARKWATCH_COMPONENTS"


class ListingDetector(Protocol):
    def detect(self, listing: Listing, images: Sequence[ImageEvidence] = ()) -> Finding: ...


class ImageInspector(Protocol):
    """Looks at one listing photo: insignia always, OCR only when asked (it costs ~10x)."""

    def inspect(self, name: str, data: bytes, *, ocr: bool) -> ImageEvidence: ...


@dataclass(frozen=True)
class ImageStage:
    inspector: ImageInspector
    executor: Executor  # a few worker threads: the analysis releases the GIL
    images_root: Path  # where the media pipeline stores downloaded photos
    # OCR runs only for listings that name a product category of a protected GI
    # (人参, 大米 …) without the mark in their text: where packaging photos matter.
    ocr_words: tuple[str, ...] = ()


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

    def __post_init__(self) -> None:
        if self.status_sync is None:
            self.status_sync = IndexStatusSync(self.alerts, self.index)

    def __deepcopy__(self, memo: dict[int, object]) -> PipelineComponents:
        # Scrapy deep-copies settings for each crawler; these are shared live services.
        return self
