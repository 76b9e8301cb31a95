"""`markwatch detect --input FILE.jsonl`: Listing JSONL in, Finding JSONL out, same order."""

from __future__ import annotations

import argparse
import json
import sys

from detectors.types import Finding, Listing, ListingError
from markwatch.compose import build_detector
from markwatch.settings import Settings

NAME = "detect"
HELP = "run the detectors over Listing JSONL; Finding JSONL on stdout"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, help="Listing JSONL file ('-' for stdin)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    _, detector = build_detector(settings)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    bad = 0
    with source:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                listing = Listing.from_dict(json.loads(line))
            except (ValueError, ListingError) as exc:
                # One line in, one line out: a bad line still gets a Finding that says why.
                bad += 1
                print(f"markwatch detect: line {number}: {exc}", file=sys.stderr)
                finding = Finding(
                    id=_raw_id(line, number),
                    verdict="clear",
                    score=0.0,
                    errors=(f"invalid listing: {exc}",),
                )
            else:
                finding = detector.detect(listing)
            sys.stdout.write(json.dumps(finding.to_dict(), ensure_ascii=False) + "\n")
    return 1 if bad else 0


def _raw_id(line: str, number: int) -> str:
    try:
        data = json.loads(line)
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            return data["id"]
    except ValueError:
        pass
    return f"line:{number}"
