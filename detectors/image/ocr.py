"""OCR of text printed on listing photos (packaging, banners), via rapidocr.

The models ship inside the rapidocr wheel, so this works offline. The engine is
built on first use by its owner, never at import time: loading the ONNX models
takes about a second and most callers may never need OCR.

Speed (one core): detection runs on the photo shrunk to `limit_side_len`, the
direction classifier is off (listing text is upright; rotated text costs a second
model per box), and a cheap gradient test skips photos with no text-like strokes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from detectors.image.decode import downscale

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OcrConfig:
    # limit_type=max bounds the longer side (the default bound is the shorter side, which
    # upsamples small photos); text-line crops below it are read at their own size.
    limit_side_len: int = 736
    text_score: float = 0.5
    threads: int = 1  # onnxruntime intra-op threads; the crawler runs images in parallel
    max_side: int = 1600  # photos are shrunk to this before OCR
    use_cls: bool = False  # the 180-degree classifier: upright listing text does not need it
    # Share of pixels with strong local contrast below which there is no text to read.
    min_edge_share: float = 0.004
    # Text-line candidates (see `text_regions`) are read as crops at their own size;
    # when they cover more than this share of the photo the whole photo is read.
    max_region_share: float = 0.35
    max_regions: int = 8


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    quad: tuple[tuple[float, float], ...]  # 4 corners, input pixels
    score: float


class OcrError(RuntimeError):
    """The OCR engine could not be loaded or failed on an image."""


class OcrEngine:
    """Reads text lines from a BGR image; thread-safe lazy construction."""

    def __init__(self, config: OcrConfig | None = None) -> None:
        self.config = config or OcrConfig()
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    try:
                        from rapidocr import RapidOCR  # heavy import, only when needed
                    except ImportError as exc:
                        raise OcrError(f"rapidocr is not installed: {exc}") from None
                    cfg = self.config
                    self._engine = RapidOCR(
                        params={
                            "Global.log_level": "error",
                            "Global.text_score": cfg.text_score,
                            "Global.use_cls": cfg.use_cls,
                            "Det.limit_type": "max",
                            "Det.limit_side_len": cfg.limit_side_len,
                            "EngineConfig.onnxruntime.intra_op_num_threads": cfg.threads,
                            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                        }
                    )
        return self._engine

    def boxes(self, image: np.ndarray) -> list[OcrLine]:
        """Recognised text lines with their boxes (input pixels), as the engine orders them."""
        cfg = self.config
        small = downscale(image, cfg.max_side)
        if not has_text_strokes(small, cfg.min_edge_share):
            return []
        back = image.shape[1] / small.shape[1]
        regions = text_regions(small, cfg.max_region_share, cfg.max_regions)
        if regions is None:  # text all over: one pass over the (detector-sized) photo
            return self._read(small, 0, 0, back)
        out: list[OcrLine] = []
        for x0, y0, x1, y1 in regions:
            out += self._read(small[y0:y1, x0:x1], x0, y0, back)
        return out

    def _read(self, crop: np.ndarray, dx: int, dy: int, back: float) -> list[OcrLine]:
        engine = self._load()
        try:
            result = engine(np.ascontiguousarray(crop))
        except (RuntimeError, ValueError, TypeError) as exc:
            raise OcrError(f"OCR failed: {exc}") from None
        texts = getattr(result, "txts", None) or ()
        quads = getattr(result, "boxes", None)
        scores = getattr(result, "scores", None) or ()
        out = []
        for i, text in enumerate(texts):
            if not text or not text.strip():
                continue
            quad: tuple[tuple[float, float], ...] = ()
            if quads is not None and i < len(quads):
                quad = tuple(((float(x) + dx) * back, (float(y) + dy) * back) for x, y in quads[i])
            score = float(scores[i]) if i < len(scores) else 0.0
            out.append(OcrLine(text.strip(), quad, score))
        return out

    def lines(self, image: np.ndarray) -> list[str]:
        """Recognised text lines, top to bottom as the engine reports them."""
        return [line.text for line in self.boxes(image)]

    def read(self, image: np.ndarray) -> str:
        """All recognised text, one line per detected text box."""
        return "\n".join(self.lines(image))


def has_text_strokes(image: np.ndarray, min_share: float) -> bool:
    """Cheap gate: printed text means many short, strong intensity steps.

    A morphological gradient on a 320 px thumbnail costs well under a millisecond;
    flat renders, blurred photos and plain product shots fall below the bar.
    """
    if min_share <= 0:
        return True
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    thumb = downscale(gray, 320)
    gradient = cv2.morphologyEx(thumb, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return float(np.count_nonzero(gradient > 60)) / gradient.size >= min_share


def text_regions(
    image: np.ndarray, max_share: float, max_regions: int
) -> list[tuple[int, int, int, int]] | None:
    """Boxes (x0, y0, x1, y1) likely to hold text lines, or None to read the whole image.

    Classic CV, about a millisecond: strong morphological gradient, closed horizontally
    so the strokes of a line join, components shaped like a line (wider than tall, not
    huge), padded and merged. The OCR detector then only sees these crops, at their own
    resolution, which is both faster and kinder to small text than shrinking the photo.
    """
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    thumb = downscale(gray, 640)
    scale = gray.shape[1] / thumb.shape[1]
    gradient = cv2.morphologyEx(thumb, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    strokes = (gradient > 70).astype(np.uint8) * 255
    lines = cv2.morphologyEx(
        strokes, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 5))
    )
    _, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    height, width = thumb.shape
    mask = np.zeros_like(thumb)
    for x, y, w, h, _area in stats[1:]:
        if h < 6 or w < 10:
            continue  # specks
        if (h > 0.35 * height or w < 0.8 * h) and w * h < 0.002 * height * width:
            continue  # small blobs that are not shaped like a line
        # A big or odd-shaped component is kept whole: text touching an object's
        # outline (a label at a bottle's edge) merges with it.
        pad = max(6, int(0.6 * h))  # the detector needs context around a line
        cv2.rectangle(mask, (x - pad, y - pad), (x + w + pad, y + h + pad), 255, -1)
    _, _, boxes, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = sorted(((int(b[4]), b) for b in boxes[1:]), key=lambda t: -t[0])
    if not found:
        return []
    if sum(a for a, _ in found) > max_share * height * width or len(found) > max_regions:
        return None
    out = []
    for _, (x, y, w, h, _a) in found:
        x0, y0 = int(x * scale), int(y * scale)
        x1 = min(gray.shape[1], int((x + w) * scale + 1))
        y1 = min(gray.shape[0], int((y + h) * scale + 1))
        out.append((x0, y0, x1, y1))
    return out


def normalise_ocr_text(text: str) -> str:
    """Text without whitespace, for substring checks (OCR splits CJK runs oddly)."""
    return _SPACE.sub("", text)
