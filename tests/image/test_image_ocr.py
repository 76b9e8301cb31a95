"""OCR of GI names printed on product photos, and its path into the text detector."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

import pytest

from detectors import Detector, load_catalog
from detectors.image.ocr import OcrConfig, OcrEngine, normalise_ocr_text
from detectors.types import ImageEvidence, Listing


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return OcrEngine(OcrConfig(threads=1))


def test_engine_loads_models_only_when_first_used() -> None:
    engine = OcrEngine()
    assert engine._engine is None


@pytest.mark.parametrize(
    ("text", "height"),
    [
        ("长白山人参", 20),
        ("集安人参", 24),
        ("五常大米", 30),
        ("梅河大米", 40),
        ("抚松人参", 22),
    ],
)
def test_gi_name_on_a_product_photo_is_read(
    ocr: OcrEngine,
    evalgen: ModuleType,
    scenes: object,
    text: str,
    height: int,
) -> None:
    sample = evalgen.make_ocr(text, height, scenes, random.Random(height), "ocr")
    assert sample.params["text_height"] >= 20
    assert text in normalise_ocr_text(ocr.read(sample.image))


def test_ocr_text_goes_through_the_text_detector_and_names_the_image(
    ocr: OcrEngine,
    evalgen: ModuleType,
    scenes: object,
    encode: Callable[..., bytes],
) -> None:
    sample = evalgen.make_ocr("长白山人参", 32, scenes, random.Random(7), "ocr")
    evidence = ImageEvidence(image="https://img.example/pack.jpg", ocr_text=ocr.read(sample.image))
    listing = Listing(id="t:1", platform="t", title="东北特产 人参 礼盒装 500g")
    finding = Detector(load_catalog()).detect(listing, images=[evidence])
    hits = [m for m in finding.marks if m.mark == "长白山人参"]
    assert hits, finding
    reasons = [r for r in hits[0].reasons if r.code == "mark_in_image_text"]
    assert reasons and "https://img.example/pack.jpg" in reasons[0].detail
