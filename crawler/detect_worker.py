"""What a detection worker process runs (crawler.pool): kept apart so a worker imports
the detectors and nothing of Scrapy or the stores."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from crawler.orphans import exit_with_parent
from detectors.types import Finding, ImageEvidence, Listing

Job = tuple[Listing, Sequence[ImageEvidence]]


class _Detector(Protocol):
    def detect(self, listing: Listing, images: Sequence[ImageEvidence] = ()) -> Finding: ...


_detector: _Detector | None = None


def start(detector: _Detector) -> None:
    global _detector
    exit_with_parent()
    _detector = detector


def pid() -> int:
    return os.getpid()


def detect_batch(jobs: list[Job]) -> list[Finding]:
    if _detector is None:
        raise RuntimeError("detection worker started without a detector")
    return [_detector.detect(listing, images=images) for listing, images in jobs]
