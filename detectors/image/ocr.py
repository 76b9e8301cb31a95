"""OCR of text printed on listing photos (packaging, banners), via rapidocr.

The models ship inside the rapidocr wheel, so this works offline. The engine is
built on first use by its owner, never at import time: loading the ONNX models
takes about a second and most callers may never need OCR.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.image.decode import downscale

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OcrConfig:
    # limit_type=max bounds the longer side: ~30 ms instead of ~900 ms per photo
    # with the default (min side >= 736, which upsamples small photos).
    limit_side_len: int = 960
    text_score: float = 0.5
    threads: int = 1  # onnxruntime intra-op threads; the crawler runs images in parallel
    max_side: int = 1600  # photos are shrunk to this before OCR


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
                            "Det.limit_type": "max",
                            "Det.limit_side_len": cfg.limit_side_len,
                            "EngineConfig.onnxruntime.intra_op_num_threads": cfg.threads,
                            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                        }
                    )
        return self._engine

    def lines(self, image: np.ndarray) -> list[str]:
        """Recognised text lines, top to bottom as the engine reports them."""
        engine = self._load()
        try:
            result = engine(downscale(image, self.config.max_side))
        except (RuntimeError, ValueError, TypeError) as exc:
            raise OcrError(f"OCR failed: {exc}") from None
        texts = getattr(result, "txts", None) or ()
        return [t.strip() for t in texts if t and t.strip()]

    def read(self, image: np.ndarray) -> str:
        """All recognised text, one line per detected text box."""
        return "\n".join(self.lines(image))


def normalise_ocr_text(text: str) -> str:
    """Text without whitespace, for substring checks (OCR splits CJK runs oddly)."""
    return _SPACE.sub("", text)
