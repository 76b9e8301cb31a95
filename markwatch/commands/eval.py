"""`markwatch eval`: precision / recall / F1 of the detector on the labelled evaluation sets."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from detectors import Detector, load_catalog
from detectors.evaluation import LabelError, LabelledReport, evaluate_labelled
from detectors.types import ListingError
from markwatch.evalsets import SET_NAMES, EvalSetError, load_set_rows, set_files
from markwatch.settings import Settings

NAME = "eval"
HELP = "evaluate the text/rule detector on labelled listings (exit 1 below target)"
# Targets per part: (precision, recall, right mark, prose misread at most).
TARGETS = {
    "synthetic": (0.95, 0.95, 0.95, 0.05),
    "real": (0.95, 0.90, 0.95, 0.05),
    "holdout": (0.95, 0.90, 0.95, 0.05),
    "input": (0.95, 0.90, 0.95, 0.05),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="eval_set",
        choices=SET_NAMES,
        default="synthetic",
        help="packaged set: synthetic (default), real, holdout (real rows nobody tunes on), all",
    )
    parser.add_argument(
        "--input",
        type=Path,
        action="append",
        default=None,
        help="labelled JSONL file or directory instead of a packaged set (repeatable)",
    )
    parser.add_argument(
        "--kind",
        action="append",
        default=None,
        help="only real rows of this provenance kind (platform_listing, quoted_listing, "
        "demo_shop_data, prose; repeatable)",
    )
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true", help="one JSON report on stdout")


def _input_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.jsonl"))
        elif path.is_file():
            files.append(path)
        else:
            raise EvalSetError("no such file or directory", str(path))
    return files


def _text_report(part: str, report: LabelledReport, out: dict[str, Any], misses: bool) -> None:
    o = report.offers
    print(f"== {part}: {report.rows} rows ({out['unresolved']} unresolved)")
    print(
        f"offers  P {o.precision:.3f}  R {o.recall:.3f}  F1 {o.f1:.3f}  "
        f"(tp {o.tp} fp {o.fp} fn {o.fn} tn {o.tn})"
    )
    print(
        f"right mark {report.right_mark:.3f}   prose misread as offer "
        f"{report.prose_flagged}/{report.prose_rows} ({report.prose_misread_rate:.3f})"
    )
    for category, s in sorted(report.per_category.items()):
        if category == "prose":
            # Prose is never for review: the only number is how much of it was flagged.
            print(f"  {category:9} flagged {s.fp}/{s.fp + s.tn}")
            continue
        print(
            f"  {category:9} P {s.precision:.3f}  R {s.recall:.3f}  "
            f"(tp {s.tp} fp {s.fp} fn {s.fn} tn {s.tn})"
        )
    print(f"target met: {out['meets_target']}   misses: {len(report.misses)}")
    if misses:
        for m in report.misses:
            got = m["got"]
            print(
                f"  MISS {m['id']} [{m['category']}] {m['problem']}: {m['title']!r} "
                f"expected review={m['expected']['review']} {m['expected']['marks']} "
                f"got {got['verdict']} {got['mark'] or ''} {','.join(got['reasons'])}"
            )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        parts = {"input": _input_files(args.input)} if args.input else set_files(args.eval_set)
        detector = Detector(
            load_catalog(settings.catalog_dirs),
            settings.detector,
        )
        results: dict[str, Any] = {}
        ok = True
        for part, files in parts.items():
            loaded = load_set_rows(files)
            rows = loaded.rows
            if args.kind:
                rows = [r for r in rows if (r.get("provenance") or {}).get("kind") in args.kind]
            synthetic = part == "synthetic" or (
                part == "input" and bool(rows) and "expected" in rows[0]
            )
            report = evaluate_labelled(detector, rows, synthetic=synthetic)
            p, r, m, prose = TARGETS[part]
            met = report.meets(p, r, m, prose)
            ok = ok and met
            out = report.to_dict(with_misses=args.misses)
            out.update(
                unresolved=loaded.unresolved,
                target={"precision": p, "recall": r, "right_mark": m, "prose_misread_max": prose},
                meets_target=met,
            )
            results[part] = out
            if not args.json:
                _text_report(part, report, out, args.misses)
    except (EvalSetError, LabelError, ListingError, OSError) as exc:
        print(f"markwatch eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"sets": results, "meets_target": ok}, ensure_ascii=False, indent=2))
    return 0 if ok else 1
