"""OCR of text printed on listing photos (packaging, banners), via rapidocr.

The models ship inside PyPI wheels (rapidocr's; the crops' detector inside
rapidocr_onnxruntime's), so this works offline. The engine is
built on first use by its owner, never at import time: loading the ONNX models
takes about a second and most callers may never need OCR.

Speed (one core): a cheap gradient test skips photos with no text-like strokes;
classic-CV text-line regions are cut out and a small detector runs on each (the
stronger one on the whole photo when text is everywhere), at no more than
`fallback_det_side`; only the
boxes it finds that are tall and wide enough to hold a name, at most
`fallback_max_lines` of them, are recognised, on crops of the full-size photo. The
direction classifier is off (listing text is upright).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detectors.image.decode import downscale

_SPACE = re.compile(r"\s+")
log = logging.getLogger(__name__)

# The text-line crops' detector: PP-OCRv4 mobile, shipped inside the rapidocr_onnxruntime
# wheel (installed without its dependencies, for this file only). On this CPU it costs a
# third of the PP-OCRv6 small model that the rapidocr wheel carries (see OcrConfig).
DET_PACKAGE = "rapidocr_onnxruntime"
DET_MODEL_FILE = "models/ch_PP-OCRv4_det_infer.onnx"


def packaged_det_model() -> Path | None:
    """The PP-OCRv4 mobile detector's file, or None when its package is not installed.

    Found through the package's location only: importing it would pull in its own
    engine, which we do not use.
    """
    spec = importlib.util.find_spec(DET_PACKAGE)
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / DET_MODEL_FILE
        if path.is_file():
            return path
    return None


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
    # Whole-photo fallback: the detector sees the photo at this side only, and only
    # the text-line boxes it finds are recognised, on crops of the full-size photo.
    fallback_det_side: int = 352
    fallback_max_lines: int = 6
    # A box this low (input pixels at `max_side`) or this narrow cannot hold a
    # readable name: recognising it would only cost time.
    min_line_height: int = 9
    min_line_aspect: float = 1.4
    # Text detectors: "bundled" is the one inside the rapidocr wheel (PP-OCRv6 small),
    # "packaged-v4" the PP-OCRv4 mobile one (see DET_PACKAGE; without that package the
    # bundled one runs). A whole photo shrunk to `fallback_det_side` needs the stronger
    # model: the small lines of real photos ("BEIJING 2022" under an emblem) are a few
    # pixels tall there. A text-line crop is read at its own size, where the model a
    # third of the cost finds the same lines.
    det_model: str = "bundled"
    region_det_model: str = "packaged-v4"


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
        self._region_det: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        """The engine for whole-photo detection and all recognition (rapidocr's models)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._build(_available(self.config.det_model))
        return self._engine

    def _load_region_det(self) -> Any:
        """The detector for text-line crops; rapidocr loads only the models it is asked for.

        When both names come to the same model (the v4 package missing, say) the main
        engine serves, so the model is not loaded twice.
        """
        if self._region_det is None:
            name = _available(self.config.region_det_model)
            if name == _available(self.config.det_model):
                self._region_det = self._load()
            else:
                with self._lock:
                    if self._region_det is None:
                        self._region_det = self._build(name)
        return self._region_det

    def _build(self, det_model: str) -> Any:
        try:
            from rapidocr import RapidOCR  # heavy import, only when needed
        except ImportError as exc:
            raise OcrError(f"rapidocr is not installed: {exc}") from None
        cfg = self.config
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.text_score": cfg.text_score,
            "Global.use_cls": cfg.use_cls,
            "Det.limit_type": "max",
            "Det.limit_side_len": cfg.limit_side_len,
            "EngineConfig.onnxruntime.intra_op_num_threads": cfg.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        params.update(_det_params(det_model))
        return RapidOCR(params=params)

    def boxes(self, image: np.ndarray) -> list[OcrLine]:
        """Recognised text lines with their boxes (input pixels), as the engine orders them."""
        cfg = self.config
        small = downscale(image, cfg.max_side)
        if not has_text_strokes(small, cfg.min_edge_share):
            return []
        back = image.shape[1] / small.shape[1]
        regions = text_regions(small, cfg.max_region_share, cfg.max_regions)
        if regions is None:  # text all over: detect on a small copy, read the lines only
            return self._read_lines(small, 0, 0, back, self._load())
        detector = self._load_region_det()
        out: list[OcrLine] = []
        for x0, y0, x1, y1 in regions:
            out += self._read_lines(small[y0:y1, x0:x1], x0, y0, back, detector)
        return out

    def _read_lines(
        self, image: np.ndarray, dx: int, dy: int, back: float, detector: Any
    ) -> list[OcrLine]:
        """Detector on a `fallback_det_side` copy, recogniser on the best line crops.

        Detection cost grows with the pixel count and recognition with the number
        of boxes, so the small copy and the capped, filtered box list keep a busy
        photo's cost near that of a few crops.
        """
        cfg = self.config
        engine = self._load()
        tiny = downscale(image, cfg.fallback_det_side)
        up = image.shape[1] / tiny.shape[1]
        try:
            found = detector(np.ascontiguousarray(tiny), use_det=True, use_cls=False, use_rec=False)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise OcrError(f"OCR failed: {exc}") from None
        quads = getattr(found, "boxes", None)
        if quads is None or len(quads) == 0:
            return []
        height, width = image.shape[:2]
        boxes = []
        for quad in quads:
            points = np.asarray(quad, dtype=np.float32) * up
            x0, y0 = points.min(axis=0)
            x1, y1 = points.max(axis=0)
            w, h = x1 - x0, y1 - y0
            if h < cfg.min_line_height or w < cfg.min_line_aspect * h:
                continue  # a speck or a single glyph: no mark name fits
            boxes.append((float(w * h), x0, y0, x1, y1))
        # The biggest lines first: printed names on packaging are the large text.
        boxes.sort(key=lambda b: -b[0])
        out: list[OcrLine] = []
        for _, x0, y0, x1, y1 in boxes[: cfg.fallback_max_lines]:
            pad = max(2.0, 0.1 * (y1 - y0))  # the det box already has its margin
            left, top = int(max(0, x0 - pad)), int(max(0, y0 - pad))
            right, bottom = int(min(width, x1 + pad + 1)), int(min(height, y1 + pad + 1))
            crop = np.ascontiguousarray(image[top:bottom, left:right])
            try:
                result = engine(crop, use_det=False, use_cls=False, use_rec=True)
            except (RuntimeError, ValueError, TypeError) as exc:
                raise OcrError(f"OCR failed: {exc}") from None
            texts = getattr(result, "txts", None) or ()
            scores = getattr(result, "scores", None) or ()
            if not texts or not texts[0] or not texts[0].strip():
                continue
            score = float(scores[0]) if scores else 0.0
            if score < cfg.text_score:
                continue
            quad_out = tuple(
                ((x + dx) * back, (y + dy) * back)
                for x, y in ((left, top), (right, top), (right, bottom), (left, bottom))
            )
            out.append(OcrLine(texts[0].strip(), quad_out, score))
        # Top to bottom, as the engine orders a whole-photo read.
        out.sort(key=lambda line: (line.quad[0][1], line.quad[0][0]))
        return out

    def read_region(
        self, image: np.ndarray, box: tuple[float, float, float, float], height: int = 120
    ) -> list[OcrLine]:
        """Every text line inside `box` (x0, y0, x1, y1 input pixels), read closely.

        The crop is scaled so that it is `height` pixels tall: a small caption that the
        whole-photo pass merged into the line below it is then a line of its own.
        """
        rows, cols = image.shape[:2]
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(cols, int(box[2]) + 1), min(rows, int(box[3]) + 1)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return []
        scale = height / (y1 - y0)
        crop = cv2.resize(
            image[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC
        )
        try:
            found = self._load()(np.ascontiguousarray(crop), use_det=True, use_cls=False)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise OcrError(f"OCR failed: {exc}") from None
        quads = getattr(found, "boxes", None)
        if quads is None:
            return []
        out = []
        for quad, text, score in zip(quads, found.txts or (), found.scores or (), strict=False):
            if not text or not text.strip() or score < self.config.text_score:
                continue
            points = np.asarray(quad, np.float64) / scale + (x0, y0)
            out.append(OcrLine(text.strip(), tuple((float(x), float(y)) for x, y in points), score))
        return out

    def warm_up(self) -> None:
        """Load both models and run each once, so the first photo pays no set-up."""
        line = np.full((48, 200, 3), 255, np.uint8)
        cv2.putText(line, "WARM UP", (8, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
        engine = self._load()
        try:
            engine(line, use_det=True, use_cls=False, use_rec=False)
            engine(line, use_det=False, use_cls=False, use_rec=True)
            self._load_region_det()(line, use_det=True, use_cls=False, use_rec=False)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise OcrError(f"OCR failed: {exc}") from None

    def lines(self, image: np.ndarray) -> list[str]:
        """Recognised text lines, top to bottom as the engine reports them."""
        return [line.text for line in self.boxes(image)]

    def read(self, image: np.ndarray) -> str:
        """All recognised text, one line per detected text box."""
        return "\n".join(self.lines(image))


def _available(det_model: str) -> str:
    """The detector that will run for `det_model`: "bundled" when the v4 package is missing."""
    if det_model not in ("bundled", "packaged-v4"):
        raise OcrError(f"unknown OCR det_model {det_model!r}: use 'packaged-v4' or 'bundled'")
    if det_model == "packaged-v4" and packaged_det_model() is None:
        log.warning(
            "%s is not installed: OCR uses the slower detector of the rapidocr wheel",
            DET_PACKAGE,
        )
        return "bundled"
    return det_model


def _det_params(det_model: str) -> dict[str, Any]:
    """rapidocr parameters for an available detector (see `_available`)."""
    path = packaged_det_model() if det_model == "packaged-v4" else None
    if path is None:
        return {}
    from rapidocr.utils.typings import ModelType, OCRVersion

    return {
        "Det.ocr_version": OCRVersion.PPOCRV4,
        "Det.model_type": ModelType.MOBILE,
        "Det.model_path": str(path),
    }


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
