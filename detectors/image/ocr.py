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
    # limit_type=max bounds the longer side: ~30 ms instead of ~900 ms per photo
    # with the default (min side >= 736, which upsamples small photos).
    limit_side_len: int = 736
    text_score: float = 0.5
    threads: int = 1  # onnxruntime intra-op threads; the crawler runs images in parallel
    max_side: int = 1600  # photos are shrunk to this before OCR
    use_cls: bool = False  # the 180-degree classifier: upright listing text does not need it
    # Share of pixels with strong local contrast below which there is no text to read.
    min_edge_share: float = 0.004


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
                    self._engine = RapidOCR(params={
                        "Global.log_level": "error",
                        "Global.text_score": cfg.text_score,
                        "Global.use_cls": cfg.use_cls,
                        "Det.limit_type": "max",
                        "Det.limit_side_len": cfg.limit_side_len,
                        "EngineConfig.onnxruntime.intra_op_num_threads": cfg.threads,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    })
        return self._engine

    def boxes(self, image: np.ndarray) -> list[OcrLine]:
        """Recognised text lines with their boxes (input pixels), as the engine orders them."""
        small = downscale(image, self.config.max_side)
        if not has_text_strokes(small, self.config.min_edge_share):
            return []
        engine = self._load()
        try:
            result = engine(small)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise OcrError(f"OCR failed: {exc}") from None
        texts = getattr(result, "txts", None) or ()
        quads = getattr(result, "boxes", None)
        scores = getattr(result, "scores", None) or ()
        back = image.shape[1] / small.shape[1]
        out = []
        for i, text in enumerate(texts):
            if not text or not text.strip():
                continue
            quad: tuple[tuple[float, float], ...] = ()
            if quads is not None and i < len(quads):
                quad = tuple((float(x) * back, float(y) * back) for x, y in quads[i])
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


def normalise_ocr_text(text: str) -> str:
    """Text without whitespace, for substring checks (OCR splits CJK runs oddly)."""
    return _SPACE.sub("", text)
