"""Reference galleries as data, staff uploads, no-reference mode, printed names, the gallery."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

import markwatch.images as images_mod
from detectors import Detector, load_catalog
from detectors.image.analyze import ImageAnalyzer
from detectors.image.evaluation import evaluate_gallery
from detectors.image.insignia import InsigniaMatcher
from detectors.image.ocr import OcrConfig, OcrEngine, OcrLine
from detectors.image.references import (
    ReferenceError,
    ReferenceImage,
    galleries_in,
    load_reference_dirs,
)
from detectors.image.textmarks import NameSpotter
from detectors.types import Listing
from markwatch.images import UploadError, load_references, reference_dirs, save_upload
from markwatch.settings import Settings


def _png(colour: tuple[int, int, int] = (30, 60, 200)) -> bytes:
    image = np.full((120, 160, 3), 255, np.uint8)
    cv2.circle(image, (80, 60), 40, colour, -1)
    cv2.rectangle(image, (20, 20), (60, 50), (0, 0, 0), -1)
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def test_a_directory_without_a_manifest_that_nothing_describes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(_png())
    with pytest.raises(ReferenceError, match=r"no manifest\.toml") as info:
        galleries_in(tmp_path)
    assert info.value.path == tmp_path


def test_own_manifest_is_loaded_and_a_changed_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(_png())
    (tmp_path / "manifest.toml").write_text(
        '[[reference]]\nname = "a"\nmark = "冰墩墩"\nform = "plush toy"\n'
        'source = "staff photo"\nfile = "a.png"\n',
        encoding="utf-8",
    )
    (ref,) = load_reference_dirs([tmp_path])
    assert (ref.mark, ref.spec.form, ref.spec.source) == ("冰墩墩", "plush toy", "staff photo")
    assert len(ref.digest) == 64
    (tmp_path / "manifest.toml").write_text(
        '[[reference]]\nname = "a"\nmark = "冰墩墩"\nfile = "a.png"\nsha256 = "00"\n',
        encoding="utf-8",
    )
    with pytest.raises(ReferenceError, match="SHA-256 differs"):
        load_reference_dirs([tmp_path])


def test_a_malformed_entry_names_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text('[[reference]]\nname = "a"\n', encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"manifest\.toml"):
        load_reference_dirs([tmp_path])


def test_staff_upload_lands_in_the_uploads_gallery(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, reference_dirs=(tmp_path / "none",))
    uploads = images_mod.uploads_dir(settings)
    entry = save_upload(
        uploads, mark="冰墩墩", form="keychain", source="seized goods, case 7", data=_png()
    )
    again = save_upload(
        uploads, mark="冰墩墩", form="keychain", source="seized goods, case 7", data=_png()
    )
    assert again == entry
    refs = load_reference_dirs([uploads])
    assert [(r.mark, r.spec.form, r.spec.source) for r in refs] == [
        ("冰墩墩", "keychain", "seized goods, case 7")
    ]
    assert uploads in reference_dirs(settings)
    for kwargs, field in [
        ({"mark": "熊猫"}, "mark"),
        ({"source": " "}, "source"),
        ({"data": b"not an image"}, "file"),
    ]:
        args = {"mark": "冰墩墩", "form": "", "source": "x", "data": _png(), **kwargs}
        with pytest.raises(UploadError) as info:
            save_upload(uploads, **args)  # type: ignore[arg-type]
        assert info.value.field == field


def test_without_references_one_log_line_and_text_still_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "refs"
    empty.mkdir()
    (empty / "manifest.toml").write_text('[gallery]\nname = "empty"\n', encoding="utf-8")
    settings = Settings(data_dir=tmp_path, reference_dirs=(empty,))
    monkeypatch.setattr(images_mod, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="markwatch.images"):
        assert load_references(settings) == ()
        assert load_references(settings) == ()
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "insignia matching is off" in caplog.records[0].message
    analyzer = images_mod.build_analyzer(settings, with_ocr=False)
    assert analyzer.matcher is None
    evidence = analyzer.analyze("x.png", _png())
    assert evidence.error == "" and evidence.insignia == ()


def test_printed_names_become_evidence_with_their_box() -> None:
    box = ((10.0, 20.0), (90.0, 20.0), (90.0, 40.0), (10.0, 40.0))
    lines = [
        OcrLine("Bing DwenDwen", box, 0.93),
        OcrLine("BEIJING 022", box, 0.8),
        OcrLine("冬奥 迎接冰雪之约", box, 0.99),
        OcrLine("冰墩墩", box, 0.3),
    ]
    found = {m.mark: m for m in NameSpotter().spot(lines)}
    assert set(found) == {"冰墩墩", "北京2022"}  # 冬奥 alone is an ordinary word
    assert found["冰墩墩"].quad == box and found["冰墩墩"].method == "ocr"


@pytest.fixture(scope="module")
def ocr_analyzer(matcher: InsigniaMatcher) -> ImageAnalyzer:
    return ImageAnalyzer(matcher, OcrEngine(OcrConfig(threads=1)))


@pytest.mark.parametrize("name", ["pos_003.png", "pos_078.png"])
def test_clean_title_listing_with_bing_dwen_dwen_in_a_new_rendering_is_flagged(
    matcher: InsigniaMatcher, images_dir: Path, name: str
) -> None:
    # A fan drawing and a turtle-graphics rendering: not the reference drawing.
    path = images_dir / "gallery" / name
    evidence = ImageAnalyzer(matcher).analyze_path(path)
    found = {m.mark: m for m in evidence.insignia}
    assert "冰墩墩" in found, evidence
    listing = Listing(
        id="pdd:7",
        platform="pdd",
        title="冬季毛绒公仔 儿童新年礼物 可爱玩偶",
        price=29.9,
        images=(str(path),),
    )
    finding = Detector(load_catalog()).detect(listing, images=[evidence])
    assert finding.verdict != "clear"
    reasons = [
        r
        for m in finding.marks
        if m.mark == "冰墩墩"
        for r in m.reasons
        if r.code == "insignia_in_image"
    ]
    assert reasons and found["冰墩墩"].region_text() in reasons[0].evidence


def test_printed_beijing_2022_is_found_with_its_region(
    ocr_analyzer: ImageAnalyzer, images_dir: Path
) -> None:
    # An event card: a small pictogram the matcher does not know, and the wordmark.
    evidence = ocr_analyzer.analyze_path(images_dir / "gallery" / "pos_064.jpg")
    found = {m.mark: m for m in evidence.insignia}
    assert "北京2022" in found and found["北京2022"].method == "ocr"
    xs = [x for x, _ in found["北京2022"].quad]
    assert 0 <= min(xs) < max(xs) <= 1240


def test_gallery_scores_stay_at_their_measured_level(
    ocr_analyzer: ImageAnalyzer, references: tuple[ReferenceImage, ...], images_dir: Path
) -> None:
    # Regression floor at the level measured with the rings and face-layout detectors
    # (0.87 recall, 1 of 31 negatives); the target (0.90 at <= 3%) is not
    # reached yet.
    report = evaluate_gallery(
        images_dir / "gallery", ocr_analyzer.analyze, {r.digest for r in references}
    )
    assert {"pos_006.png", "pos_037.png"} <= set(report.excluded)
    assert not set(report.excluded) & {o.case.file for o in report.outcomes}
    recall = report.beijing_recall()
    assert recall is not None and recall >= 0.85, report.misses()
    assert (report.false_positive_rate() or 0.0) <= 0.04, report.misses()


def test_a_photo_seen_again_is_answered_from_the_content_cache(
    realworld_root: Path,
) -> None:
    from markwatch.images import ThreadLocalInspector

    references = load_reference_dirs([realworld_root / "images"])
    inspector = ThreadLocalInspector(references, workers=1, cache_size=2)
    try:
        art = (realworld_root / "images" / "gallery" / "pos_003.png").read_bytes()
        first = inspector.inspect("https://a.example/1.png", art, ocr=False)
        again = inspector.inspect("https://b.example/2.png", art, ocr=False)
        assert (inspector.analysed, inspector.reused) == (1, 1)
        # Same findings, under the name of the listing photo that asked.
        assert again.image == "https://b.example/2.png"
        assert again.insignia == first.insignia and first.insignia
        # With OCR is another question about the same bytes: analysed anew.
        inspector.inspect("https://b.example/2.png", art, ocr=True)
        assert inspector.analysed == 2
        # Bounded: a third photo evicts the least recently used one.
        blank = cv2.imencode(".png", np.full((64, 64, 3), 255, np.uint8))[1].tobytes()
        inspector.inspect("https://c.example/3.png", blank, ocr=False)
        inspector.inspect("https://a.example/1.png", art, ocr=False)
        assert inspector.analysed == 4
        # A photo that cannot be read is not kept (its error may pass).
        inspector.inspect("https://d.example/4.png", b"not an image", ocr=False)
        inspector.inspect("https://d.example/4.png", b"not an image", ocr=False)
        assert inspector.analysed == 6
    finally:
        inspector.close()


def test_worker_threads_share_one_matcher_and_find_what_one_analyzer_finds(
    realworld_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from markwatch.images import ThreadLocalInspector

    built: list[InsigniaMatcher] = []

    class CountedMatcher(InsigniaMatcher):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            built.append(self)

    monkeypatch.setattr(images_mod, "InsigniaMatcher", CountedMatcher)
    references = load_reference_dirs([realworld_root / "images"])
    gallery = realworld_root / "images" / "gallery"
    photos = [(gallery / f"pos_{n:03d}.png").read_bytes() for n in (1, 3, 9, 10)]
    inspector = ThreadLocalInspector(references, workers=2, cache_size=0)
    try:
        futures = [
            inspector.executor.submit(inspector.inspect, f"p{i}", data, ocr=False)
            for i, data in enumerate(photos * 2)
        ]
        threaded = [f.result(timeout=120) for f in futures]
    finally:
        inspector.close()
    assert len(built) == 1, "each thread built its own matcher"
    # The same matcher, one photo at a time (another matcher's FLANN index is built with
    # other random tables, so its near matches may differ).
    alone = ImageAnalyzer(built[0])
    for i, data in enumerate(photos * 2):
        assert threaded[i].insignia == alone.analyze(f"p{i}", data).insignia
    assert any(e.insignia for e in threaded)
