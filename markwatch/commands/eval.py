"""`markwatch eval`: precision / recall / F1 of the detector on a labelled listing set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from detectors import Detector, load_catalog
from detectors.evaluation import EVAL_DIR, evaluate, load_rows
from markwatch.settings import Settings

NAME = "eval"
HELP = "evaluate the text/rule detector on labelled listings (JSON report; exit 1 below target)"
TARGET = 0.95


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        type=Path,
        action="append",
        default=None,
        help="labelled JSONL file or directory (repeatable; default: the packaged eval set)",
    )
    parser.add_argument("--mistakes", type=int, default=20, help="mistakes to list in the report")


def run(args: argparse.Namespace, settings: Settings) -> int:
    detector = Detector(
        load_catalog(settings.catalog_dirs),
        settings.detector,
    )
    report = evaluate(detector, load_rows(args.input or [EVAL_DIR]))
    out = report.to_dict(max_mistakes=args.mistakes)
    out["target"] = TARGET
    out["meets_target"] = report.meets(TARGET)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if report.meets(TARGET) else 1
