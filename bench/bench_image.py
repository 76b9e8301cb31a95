"""Image benchmark: insignia recall / false-positive rate and time per image, OCR hit rate.

Runs on the generated evaluation set (scripts/make_image_eval_set.py), building it
first when the directory is missing, then on the shared gallery of labelled real
images (`gallery_*` keys; detectors.image.evaluation has the split and scoring).
Timings are single-core (cv2 and onnxruntime
limited to one thread) and cover matching on a decoded image, which is every insignia
recogniser the product runs (reference keypoints, the rings' geometry, the mascot's face
layout; `match_<stage>_ms_p50` times each alone); decoding is reported
separately. Figures are CPU time of this process (what one core spends, unaffected by
other work on a shared machine); wall-clock medians are reported beside them.

    python bench/bench_image.py [--quick] [--set DIR] [--no-ocr] [--failures]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from detectors.image.analyze import ImageAnalyzer  # noqa: E402
from detectors.image.decode import decode_image  # noqa: E402
from detectors.image.insignia import InsigniaMatcher  # noqa: E402
from detectors.image.ocr import OcrConfig, OcrEngine, normalise_ocr_text  # noqa: E402
from detectors.image.references import load_reference_dirs  # noqa: E402
from testbed.realworld import realworld_path  # noqa: E402


def _ensure_set(directory: Path, quick: bool) -> Path:
    if (directory / "labels.jsonl").exists():
        return directory
    spec = importlib.util.spec_from_file_location(
        "make_image_eval_set", REPO / "scripts" / "make_image_eval_set.py"
    )
    if spec is None or spec.loader is None:
        raise RuntimeError("scripts/make_image_eval_set.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    module.write_set(directory, 2022, quick)
    return directory


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_image(
    quick: bool,
    set_dir: Path | None = None,
    ocr: bool = True,
    failures: bool = False,
    gallery: bool = True,
) -> dict[str, Any]:
    cv2.setNumThreads(1)
    directory = _ensure_set(
        set_dir or REPO / "build" / ("image_eval_quick" if quick else "image_eval"), quick
    )
    rows = [
        json.loads(line)
        for line in (directory / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    started = time.perf_counter()
    references = load_reference_dirs([realworld_path("images")])
    matcher = InsigniaMatcher(references)
    build_ms = (time.perf_counter() - started) * 1000
    # What the product runs on a photo: every recogniser, not the reference matcher
    # alone (the rings' geometry and the face layout can also raise a false positive).
    analyzer = ImageAnalyzer(matcher)
    engine = OcrEngine(OcrConfig(threads=1)) if ocr else None
    if engine is not None:
        engine.warm_up()  # load and run both models before timing

    # Each recogniser timed alone on the same images (the breakdown of match_ms).
    stages: list[tuple[str, Any]] = [("keypoint", matcher.match)]
    if analyzer.rings is not None:
        stages.append(("rings", analyzer.rings.find))
    if analyzer.panda_face is not None:
        stages.append(("face", analyzer.panda_face.find))
    stage_ms: dict[str, list[float]] = defaultdict(list)
    decode_ms: list[float] = []
    match_ms: list[float] = []
    match_wall: list[float] = []
    ocr_ms: list[float] = []
    ocr_wall: list[float] = []
    positives = hits = negatives = false_pos = 0
    ocr_total = ocr_hits = 0
    per_transform: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed: list[str] = []
    for row in rows:
        data = (directory / row["file"]).read_bytes()
        t0 = time.perf_counter()
        image = decode_image(data).bgr
        decode_ms.append((time.perf_counter() - t0) * 1000)
        if row["kind"] == "insignia":
            t0, c0 = time.perf_counter(), time.process_time()
            found = analyzer.recognise(image)
            match_ms.append((time.process_time() - c0) * 1000)
            match_wall.append((time.perf_counter() - t0) * 1000)
            for stage, run in stages:
                c0 = time.process_time()
                run(image)
                stage_ms[stage].append((time.process_time() - c0) * 1000)
            marks = {m.mark for m in found}
            if row["label"] == "positive":
                positives += 1
                hit = row["mark"] in marks
                hits += hit
                per_transform[row["transform"]][0] += hit
                per_transform[row["transform"]][1] += 1
                if not hit:
                    missed.append(f"{row['file']} -> {sorted(marks)}")
            else:
                negatives += 1
                if marks:
                    false_pos += 1
                    seen = [(m.mark, m.score, m.method) for m in found]
                    missed.append(f"FP {row['file']} -> {seen}")
        elif row["kind"] == "ocr" and engine is not None:
            t0, c0 = time.perf_counter(), time.process_time()
            text = engine.read(image)
            ocr_ms.append((time.process_time() - c0) * 1000)
            ocr_wall.append((time.perf_counter() - t0) * 1000)
            ocr_total += 1
            ok = normalise_ocr_text(row["text"]) in normalise_ocr_text(text)
            ocr_hits += ok
            if not ok:
                missed.append(f"OCR {row['file']} want {row['text']} got {text!r}")
    result: dict[str, Any] = {
        "images": len(rows),
        "positives": positives,
        "negatives": negatives,
        "recall": round(hits / positives, 4) if positives else None,
        "false_positive_rate": round(false_pos / negatives, 4) if negatives else None,
        "match_ms_p50": round(statistics.median(match_ms), 1) if match_ms else None,
        "match_ms_p95": round(_percentile(match_ms, 0.95), 1),
        "match_wall_ms_p50": round(statistics.median(match_wall), 1) if match_wall else None,
        **{
            f"match_{stage}_ms_p50": round(statistics.median(values), 1)
            for stage, values in stage_ms.items()
        },
        "decode_ms_p50": round(statistics.median(decode_ms), 1) if decode_ms else None,
        "matcher_build_ms": round(build_ms, 1),
        "recall_by_transform": {k: round(v[0] / v[1], 3) for k, v in sorted(per_transform.items())},
    }
    if engine is not None:
        p50_match = statistics.median(match_ms) if match_ms else 0.0
        result.update(
            {
                "ocr_images": ocr_total,
                "ocr_hit_rate": round(ocr_hits / ocr_total, 4) if ocr_total else None,
                "ocr_ms_p50": round(statistics.median(ocr_ms), 1) if ocr_ms else None,
                "ocr_ms_p95": round(_percentile(ocr_ms, 0.95), 1),
                "ocr_wall_ms_p50": round(statistics.median(ocr_wall), 1) if ocr_wall else None,
                # Analysis with OCR = matching + OCR on the same image.
                "match_plus_ocr_ms_p50": round(p50_match + statistics.median(ocr_ms), 1)
                if ocr_ms
                else None,
            }
        )
    if gallery:
        result.update(_gallery(matcher, engine, references, failures))
    if failures:
        result["failures"] = missed
    return result


def _gallery(
    matcher: InsigniaMatcher, engine: OcrEngine | None, references: tuple[Any, ...], failures: bool
) -> dict[str, Any]:
    """The labelled real images of the shared gallery (references left out by SHA-256)."""
    from detectors.image.evaluation import evaluate_gallery

    analyzer = ImageAnalyzer(matcher, engine)
    report = evaluate_gallery(
        realworld_path("images", "gallery"), analyzer.analyze, {r.digest for r in references}
    )
    summary = report.summary()
    out = {
        "gallery_images": summary["images"],
        "gallery_excluded_as_references": summary["excluded_as_references"],
        "gallery_recall": summary["beijing2022_recall"],
        "gallery_mark_recall": summary["beijing2022_mark_recall"],
        "gallery_recall_by_mark": summary["recall_by_mark"],
        "gallery_false_positive_rate": summary["false_positive_rate"],
        "gallery_analyse_ms_p50": summary["analyse_ms_p50"],
    }
    if failures:
        out["gallery_misses"] = summary["misses"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--set", type=Path, default=None, help="evaluation set directory")
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--failures", action="store_true", help="list misses and false hits")
    parser.add_argument("--no-gallery", action="store_true", help="generated set only")
    args = parser.parse_args(argv)
    result = bench_image(
        args.quick,
        args.set,
        ocr=not args.no_ocr,
        failures=args.failures,
        gallery=not args.no_gallery,
    )
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
