"""What a photo worker process runs (crawler.photo_pool): one inspector, built at start
from the stage's recipe, reading the photos the media pipeline stored. Kept apart (like
crawler.detect_worker) so a worker imports the image detectors and nothing of Scrapy or
the stores."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from crawler.orphans import exit_with_parent
from detectors.types import ImageEvidence


class ImageInspector(Protocol):  # crawler.components.ImageInspector, without its imports
    analysed: int
    reused: int

    def inspect(self, name: str, data: bytes, *, ocr: bool) -> ImageEvidence: ...


# (url, path under the images root) of each photo of one listing.
PhotoFiles = list[tuple[str, str]]
# The evidence, and how many photos were analysed and answered from the cache.
Result = tuple[list[ImageEvidence], int, int]

_inspector: ImageInspector | None = None


def start(recipe: Callable[[], ImageInspector]) -> None:
    global _inspector
    exit_with_parent()
    _inspector = recipe()


def pid() -> int:
    return os.getpid()


def inspect_files(root: str, files: PhotoFiles, ocr: bool) -> Result:
    if _inspector is None:
        raise RuntimeError("photo worker started without an inspector")
    analysed, reused = _inspector.analysed, _inspector.reused
    evidence = read_and_inspect(_inspector, Path(root), files, ocr)
    return evidence, _inspector.analysed - analysed, _inspector.reused - reused


def read_and_inspect(
    inspector: ImageInspector, root: Path, files: PhotoFiles, ocr: bool
) -> list[ImageEvidence]:
    """One listing's photos, as stored by the media pipeline (the same in and out of a
    worker); a file that cannot be read is evidence of its own, not an exception."""
    out = []
    for url, path in files:
        try:
            data = (root / path).read_bytes()
        except OSError as exc:
            out.append(ImageEvidence(image=url, error=f"not readable: {exc}"))
            continue
        out.append(inspector.inspect(url, data, ocr=ocr))
    return out
