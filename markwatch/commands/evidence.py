"""`markwatch evidence verify|show|export`: check and use the evidence store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from crawler.evidence.store import EvidenceStore
from markwatch.settings import Settings

NAME = "evidence"
HELP = "verify the evidence store (non-zero exit on tampering), show or export a listing's"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, default=None, help="evidence directory (default: DATA_DIR/evidence)"
    )
    sub = parser.add_subparsers(dest="evidence_command", required=True)
    sub.add_parser("verify", help="re-hash every file and the log chain")
    show = sub.add_parser("show", help="the evidence log entries of one listing, as JSON lines")
    show.add_argument("listing_id")
    export = sub.add_parser("export", help="copy one listing's evidence into a case folder")
    export.add_argument("listing_id")
    export.add_argument("dest", type=Path)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = EvidenceStore(args.dir or settings.evidence_dir)
    if args.evidence_command == "verify":
        report = store.verify()
        for line in report.lines():
            print(line)
        return 0 if report.ok else 1
    if args.evidence_command == "show":
        entries = store.entries_for(args.listing_id)
        for entry in entries:
            print(entry.to_json())
        return 0 if entries else 1
    entries = store.export_case(args.listing_id, args.dest)
    print(
        json.dumps(
            {"listing_id": args.listing_id, "files": len(entries), "dest": str(args.dest)},
            ensure_ascii=False,
        )
    )
    return 0 if entries else 1
