"""ImageAnalyzer: evidence per image, errors instead of exceptions, the issue's acceptance."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from detectors import Detector, load_catalog
from detectors.image.analyze import ImageAnalyzer
from detectors.image.insignia import InsigniaMatcher
from detectors.image.ocr import OcrEngine
from detectors.types import Listing

Compose = Callable[..., tuple[np.ndarray, str, np.ndarray]]


@pytest.fixture(scope="module")
def analyzer(matcher: InsigniaMatcher) -> ImageAnalyzer:
    return ImageAnalyzer(matcher)


def test_clean_title_with_a_bing_dwen_dwen_photo_is_flagged(
    matcher: InsigniaMatcher,
    compose: Compose,
    encode: Callable[..., bytes],
    tmp_path: Path,
) -> None:
    image, _, truth = compose("bing_dwen_dwen", "scale", {"scale": 0.75}, 42)
    photo = tmp_path / "item_main.jpg"
    photo.write_bytes(encode(image, quality=85))
    listing = Listing(
        id="pdd:42",
        platform="pdd",
        title="冬季毛绒公仔 儿童新年礼物 可爱玩偶",
        price=39.9,
        images=(str(photo),),
    )

    evidence = ImageAnalyzer(matcher).analyze_path(photo)
    assert evidence.error == ""
    assert evidence.image == str(photo)
    found = {m.mark: m for m in evidence.insignia}
    assert "冰墩墩" in found
    quad = found["冰墩墩"].quad
    assert len(quad) == 4 and all(len(corner) == 2 for corner in quad)
    # The region is where the mascot was put.
    centre = np.mean(np.array(quad), axis=0)
    x0, y0 = truth.min(axis=0)
    x1, y1 = truth.max(axis=0)
    assert x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1

    finding = Detector(load_catalog()).detect(listing, images=[evidence])
    assert finding.verdict != "clear"
    reasons = [
        r
        for m in finding.marks
        if m.mark == "冰墩墩"
        for r in m.reasons
        if r.code == "insignia_in_image"
    ]
    assert reasons, finding
    assert str(photo) in reasons[0].evidence
    assert found["冰墩墩"].region_text() in reasons[0].evidence


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a\x01\x00\x01\x00broken", "not an image"),
        (b"%PDF-1.7 not a photo", "not an image"),
    ],
)
def test_bad_bytes_become_an_evidence_error(
    analyzer: ImageAnalyzer, data: bytes, message: str
) -> None:
    evidence = analyzer.analyze("https://img.example/x.jpg", data)
    assert evidence.image == "https://img.example/x.jpg"
    assert message in evidence.error
    assert evidence.insignia == () and evidence.ocr_text == ""


def test_missing_file_is_an_error_not_an_exception(analyzer: ImageAnalyzer, tmp_path: Path) -> None:
    evidence = analyzer.analyze_path(tmp_path / "gone.jpg")
    assert "cannot read file" in evidence.error


def test_a_broken_image_does_not_stop_the_listing(
    analyzer: ImageAnalyzer,
    compose: Compose,
    encode: Callable[..., bytes],
) -> None:
    image, _, _ = compose("shuey_rhon_rhon", "scale", {"scale": 0.75}, 5)
    good = analyzer.analyze("b.jpg", encode(image))
    bad = analyzer.analyze("a.jpg", encode(image)[:2000])
    listing = Listing(id="t:2", platform="t", title="红色灯笼公仔")
    finding = Detector(load_catalog()).detect(listing, images=[bad, good])
    assert finding.verdict != "clear"
    assert any(e.startswith("a.jpg") for e in finding.errors)


def test_inspect_skips_ocr_when_not_asked(
    matcher: InsigniaMatcher, compose: Compose, encode: Callable[..., bytes]
) -> None:
    engine = OcrEngine()
    image, _, _ = compose("bing_dwen_dwen", "scale", {"scale": 0.75}, 3)
    evidence = ImageAnalyzer(matcher, engine).inspect("x.jpg", encode(image), ocr=False)
    assert evidence.insignia
    assert engine._engine is None  # the OCR models were never loaded
