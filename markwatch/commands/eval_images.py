"""`markwatch eval-images`: recall per mark and false-positive rate on real labelled images.

The gallery (default: the shared real-world `images/gallery`, read in place) is scored
against the configured reference galleries; gallery images that are themselves
references (same SHA-256) are left out, so every scored image is unseen. JSON out;
exit 1 when a target is missed, 2 when the gallery or references cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from detectors.image.evaluation import GalleryError, evaluate_gallery
from detectors.image.references import ReferenceError
from markwatch.settings import Settings

NAME = "eval-images"
HELP = "recall per mark and false-positive rate of image analysis on a labelled gallery"
RECALL_TARGET = 0.90
FPR_TARGET = 0.03


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gallery",
        type=Path,
        default=None,
        help="folder with labels.json (default: shared real-world gallery)",
    )
    parser.add_argument("--no-ocr", action="store_true", help="drawings only, no printed names")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import cv2

    from markwatch.images import build_analyzer, load_references

    cv2.setNumThreads(1)  # figures are per core
    try:
        gallery = args.gallery or _default_gallery()
        references = load_references(settings)
        analyzer = build_analyzer(settings, with_ocr=not args.no_ocr)
        report = evaluate_gallery(gallery, analyzer.analyze, {r.digest for r in references})
    except (GalleryError, ReferenceError, FileNotFoundError) as exc:
        print(f"markwatch eval-images: {exc}", file=sys.stderr)
        return 2
    summary = report.summary()
    recall, fpr = report.beijing_recall(), report.false_positive_rate()
    summary["targets"] = {
        "beijing2022_recall": f">= {RECALL_TARGET}",
        "false_positive_rate": f"<= {FPR_TARGET}",
    }
    ok = recall is not None and recall >= RECALL_TARGET and (fpr or 0.0) <= FPR_TARGET
    summary["pass"] = ok
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0 if ok else 1


def _default_gallery() -> Path:
    from testbed.realworld import realworld_path

    return realworld_path("images", "gallery")
