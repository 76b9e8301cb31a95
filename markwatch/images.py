"""Image inspection for crawls and `markwatch detect`: one analyzer per worker thread.

OpenCV's feature detectors are not documented as thread-safe, so each worker thread
builds its own matcher (about a second, once); OCR models load on first use.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from detectors.image.analyze import ImageAnalyzer
from detectors.image.insignia import InsigniaMatcher
from detectors.image.ocr import OcrEngine
from detectors.image.references import load_references
from detectors.types import ImageEvidence


class ThreadLocalInspector:
    def __init__(self, workers: int = 2) -> None:
        self._local = threading.local()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="images")

    def _analyzers(self) -> tuple[ImageAnalyzer, ImageAnalyzer]:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            matcher = InsigniaMatcher(load_references())
            pair = (ImageAnalyzer(matcher), ImageAnalyzer(matcher, OcrEngine()))
            self._local.pair = pair
        return pair

    def inspect(self, name: str, data: bytes, *, ocr: bool) -> ImageEvidence:
        plain, with_ocr = self._analyzers()
        return (with_ocr if ocr else plain).analyze(name, data)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
