"""`markwatch detect --input FILE.jsonl`: Listing JSONL in, Finding JSONL out, same order."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from detectors.image.analyze import ImageAnalyzer
from detectors.types import Finding, ImageEvidence, Listing, ListingError
from markwatch.compose import build_detector
from markwatch.image_fetch import ImageFetchError, fetch_image, is_url
from markwatch.settings import Settings
from netpolicy import AddressPolicy

NAME = "detect"
HELP = "run the detectors over Listing JSONL; Finding JSONL on stdout"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, help="Listing JSONL file ('-' for stdin)")
    parser.add_argument(
        "--no-images", action="store_true", help="text only: do not open the listings' images"
    )
    parser.add_argument("--no-ocr", action="store_true", help="images: insignia matching only")


class _ImageReader:
    """Reads listing images (local paths, relative to the input file, or http(s) URLs)."""

    def __init__(self, base_dir: Path, settings: Settings, ocr: bool) -> None:
        self.base_dir = base_dir
        self.ocr = ocr
        self.settings = settings
        self.policy = AddressPolicy.from_hosts(settings.allowed_hosts)
        self._analyzer: ImageAnalyzer | None = None

    def evidence(self, listing: Listing) -> list[ImageEvidence]:
        out = []
        for name in listing.images:
            try:
                if is_url(name):
                    data = fetch_image(name, policy=self.policy)
                else:
                    path = Path(name)
                    data = (path if path.is_absolute() else self.base_dir / path).read_bytes()
            except (ImageFetchError, OSError) as exc:
                out.append(ImageEvidence(image=name, error=str(exc)))
                continue
            out.append(self.analyzer.analyze(name, data))
        return out

    @property
    def analyzer(self) -> ImageAnalyzer:
        if self._analyzer is None:  # OpenCV and the OCR models only when an image shows up
            from markwatch.images import build_analyzer

            self._analyzer = build_analyzer(self.settings, with_ocr=self.ocr)
        return self._analyzer


def run(args: argparse.Namespace, settings: Settings) -> int:
    _, detector = build_detector(settings)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    base_dir = Path.cwd() if args.input == "-" else Path(args.input).resolve().parent
    images = None if args.no_images else _ImageReader(base_dir, settings, not args.no_ocr)
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
                evidence = images.evidence(listing) if images and listing.images else []
                finding = detector.detect(listing, images=evidence)
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
