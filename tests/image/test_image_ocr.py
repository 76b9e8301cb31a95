"""OCR of GI names printed on product photos, and its path into the text detector."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

import pytest

from detectors import Detector, load_catalog
from detectors.image.ocr import (
    OcrConfig,
    OcrEngine,
    OcrError,
    normalise_ocr_text,
    packaged_det_model,
)
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


def test_text_line_crops_use_the_packaged_v4_detector(
    ocr: OcrEngine, evalgen: ModuleType, scenes: object
) -> None:
    # The data package is installed by setup; without it OCR is ~2x slower per photo.
    path = packaged_det_model()
    assert path is not None and path.name == "ch_PP-OCRv4_det_infer.onnx"
    sample = evalgen.make_ocr("五常大米", 30, scenes, random.Random(30), "ocr")
    assert "五常大米" in normalise_ocr_text(ocr.read(sample.image))
    region = ocr._load_region_det()
    assert region is not ocr._load()
    assert str(region.cfg.Det.model_path) == str(path)
    assert ocr._load().cfg.Det.model_path is None  # the rapidocr wheel's own detector


def test_without_the_v4_package_the_bundled_detector_reads_crops(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    evalgen: ModuleType,
    scenes: object,
) -> None:
    monkeypatch.setattr("detectors.image.ocr.packaged_det_model", lambda: None)
    engine = OcrEngine(OcrConfig(threads=1))
    sample = evalgen.make_ocr("集安人参", 30, scenes, random.Random(3), "ocr")
    with caplog.at_level("WARNING", logger="detectors.image.ocr"):
        assert "集安人参" in normalise_ocr_text(engine.read(sample.image))
    assert engine._load_region_det().cfg.Det.model_path is None
    assert any("rapidocr_onnxruntime is not installed" in r.message for r in caplog.records)


def test_an_unknown_detector_name_is_a_clear_error() -> None:
    engine = OcrEngine(OcrConfig(threads=1, region_det_model="v9"))
    with pytest.raises(OcrError, match="unknown OCR det_model 'v9'"):
        engine.warm_up()
