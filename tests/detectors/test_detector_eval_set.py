"""The labelled evaluation set meets the acceptance targets."""

from __future__ import annotations

from detectors import Detector
from detectors.evaluation import EVAL_DIR, evaluate, load_rows


def test_eval_set_is_large_and_covers_every_category() -> None:
    rows = list(load_rows([EVAL_DIR]))
    assert len(rows) >= 300
    cases = {r["case"] for r in rows}
    for needed in (
        "evasion_homophone",
        "evasion_visual",
        "evasion_split",
        "evasion_pinyin",
        "evasion_mixed",
        "evasion_separator",
        "evasion_invisible",
        "evasion_emoji",
        "gi_genuine",
        "distractor",
        "olympic_licensed",
        "olympic_unlicensed",
        "unrelated",
    ):
        assert needed in cases, needed


def test_eval_targets(detector: Detector) -> None:
    report = evaluate(detector, load_rows([EVAL_DIR]))
    assert report.overall.precision >= 0.95, report.to_dict()
    assert report.overall.recall >= 0.95, report.to_dict()
    assert report.right_mark >= 0.95, report.to_dict()
    for kind in ("gi", "olympic"):
        assert report.per_kind[kind].f1 >= 0.95, kind


def test_every_flagged_finding_has_readable_reasons(detector: Detector) -> None:
    from detectors.types import Listing

    for row in load_rows([EVAL_DIR]):
        finding = detector.detect(Listing.from_dict(row))
        if finding.verdict != "clear":
            reasons = [r for m in finding.marks for r in m.reasons]
            assert reasons and all(r.code and r.detail for r in reasons), row["title"]
