"""One listing image in, one ImageEvidence out: decoding, insignia matching, OCR.

Pure: bytes in, evidence out. Fetching http(s) images is the caller's job
(markwatch.image_fetch); a bad image becomes `ImageEvidence(error=...)` so one
broken photo never stops a run. Without reference images there is no matcher:
OCR (and the text detectors downstream) still run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from detectors.image.decode import DecodeLimits, ImageDecodeError, decode_image
from detectors.image.insignia import InsigniaMatcher
from detectors.image.ocr import OcrEngine, OcrError
from detectors.image.pandaface import BING_DWEN_DWEN, PandaFaceConfig, PandaFaceDetector
from detectors.image.references import load_reference_dirs
from detectors.image.rings import RINGS_MARK, RingsConfig, RingsDetector
from detectors.image.textmarks import NameSpotter, caption_search_box
from detectors.types import ImageEvidence, InsigniaMatch


@dataclass(frozen=True, slots=True)
class AnalyzerConfig:
    limits: DecodeLimits = field(default_factory=DecodeLimits)
    min_score: float = 0.0  # drop insignia matches scoring below this
    spotter: NameSpotter = field(default_factory=NameSpotter)
    # Reference-free detectors (the mark's geometry, not one drawing); None: off.
    rings: RingsConfig | None = field(default_factory=RingsConfig)
    panda_face: PandaFaceConfig | None = field(default_factory=PandaFaceConfig)


class ImageAnalyzer:
    """Runs the insignia matcher (and OCR when given an engine) on listing images."""

    def __init__(
        self,
        matcher: InsigniaMatcher | None,
        ocr: OcrEngine | None = None,
        config: AnalyzerConfig | None = None,
    ) -> None:
        self.matcher = matcher
        self.ocr = ocr
        self.config = config or AnalyzerConfig()
        self.rings = RingsDetector(self.config.rings) if self.config.rings else None
        face = self.config.panda_face
        self.panda_face = PandaFaceDetector(face) if face else None

    @classmethod
    def from_dirs(cls, reference_dirs: Iterable[Path], with_ocr: bool = True) -> ImageAnalyzer:
        """References from the given galleries (none: no matcher); OCR loads on first use."""
        references = load_reference_dirs(reference_dirs)
        return cls(
            InsigniaMatcher(references) if references else None, OcrEngine() if with_ocr else None
        )

    def analyze(self, name: str, data: bytes) -> ImageEvidence:
        """Evidence for the image called `name` (its path or URL) with content `data`.

        OCR runs when the analyzer has an engine. The error text does not repeat
        the name: the Finding prefixes it with `evidence.image` already.
        """
        return self.inspect(name, data, ocr=self.ocr is not None)

    def inspect(self, name: str, data: bytes, *, ocr: bool) -> ImageEvidence:
        """As `analyze`, choosing per image whether to pay for OCR."""
        try:
            decoded = decode_image(data, self.config.limits)
        except ImageDecodeError as exc:
            return ImageEvidence(image=name, error=str(exc))
        matches = self.recognise(decoded.bgr)
        text = ""
        error = ""
        if ocr and self.ocr is not None:
            spotter = self.config.spotter
            try:
                lines = self.ocr.boxes(decoded.bgr)
                text = "\n".join(line.text for line in lines)  # all of it, as read
                for line in spotter.bare_wordmarks(lines):
                    # Read closely only here (a bare wordmark is rare): a programme
                    # caption over it makes the logo the programme's, not the Games'.
                    close = self.ocr.read_region(decoded.bgr, caption_search_box(line))
                    if spotter.programme_caption(close) is not None:
                        lines = [other for other in lines if other is not line]
            except OcrError as exc:
                # Insignia evidence is still worth reporting without the text.
                error = str(exc)
            else:
                seen = {m.mark for m in matches}
                # A printed name is evidence with its own region (the text box).
                matches += [m for m in spotter.spot(lines) if m.mark not in seen]
        return ImageEvidence(image=name, ocr_text=text, insignia=tuple(matches), error=error)

    def recognise(self, bgr: np.ndarray) -> list[InsigniaMatch]:
        """Insignia in a decoded image by every recogniser (no OCR): the reference
        matcher, then the rings' geometry and the mascot's face layout for what it missed."""
        matches: list[InsigniaMatch] = []
        if self.matcher is not None:
            matches = [m for m in self.matcher.match(bgr) if m.score >= self.config.min_score]
        if self.rings is not None and all(m.mark != RINGS_MARK for m in matches):
            # The geometry adds the rings when no reference matched them; best one only.
            matches += [f.to_match() for f in self.rings.find(bgr)[:1]]
        if self.panda_face is not None and all(m.mark != BING_DWEN_DWEN for m in matches):
            matches += [f.to_match() for f in self.panda_face.find(bgr)[:1]]
        return matches

    def analyze_path(self, path: str | Path) -> ImageEvidence:
        """Evidence for a local file; unreadable files give an evidence error."""
        name = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            return ImageEvidence(image=name, error=f"cannot read file: {exc.strerror or exc}")
        return self.analyze(name, data)
