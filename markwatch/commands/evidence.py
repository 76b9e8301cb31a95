"""`markwatch evidence verify|show|export`: check and use the evidence store."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from alerts.store import AlertStore
from console.enforcement_lists import complaint_lists, notice_csv, repeat_notice
from console.seller_casefile import CaseError, build_case, build_package, load_draft
from crawler.evidence.store import EvidenceStore
from crawler.evidence.timestamps import TimestampError, Timestamps, TsaConfig
from markwatch.settings import Settings

NAME = "evidence"
HELP = "verify (files, chain, RFC 3161 tokens) or stamp the evidence store; show or export"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, default=None, help="evidence directory (default: DATA_DIR/evidence)"
    )
    sub = parser.add_subparsers(dest="evidence_command", required=True)
    sub.add_parser(
        "verify",
        help="re-hash every file and the log chain, check the RFC 3161 tokens against the TSA "
        "certificate and report when each entry was attested",
    )
    sub.add_parser("stamp", help="get an RFC 3161 token over the log head from the configured TSA")
    show = sub.add_parser("show", help="the evidence log entries of one listing, as JSON lines")
    show.add_argument("listing_id")
    case = sub.add_parser(
        "case", help="per-seller referral package (DOCX + evidence ZIP) across platforms"
    )
    case.add_argument("seller_id", type=int)
    case.add_argument("dest", type=Path, help="the ZIP to write")
    case.add_argument("--write-draft", type=Path, help="write the editable draft (JSON) and stop")
    case.add_argument("--draft", type=Path, help="apply an edited draft before export")
    notice = sub.add_parser(
        "notice", help="repeat-infringer list as a public-notice table (CSV) with evidence trail"
    )
    notice.add_argument("dest", type=Path)
    complaints = sub.add_parser(
        "complaints", help="confirmed alerts of one platform as bulk complaint CSV files"
    )
    complaints.add_argument("platform")
    complaints.add_argument("dest", type=Path, help="folder for <platform>-complaints-N.csv")
    complaints.add_argument("--per-notice", type=int, default=200, help="rows per file")
    export = sub.add_parser("export", help="copy one listing's evidence into a case folder")
    export.add_argument("listing_id")
    export.add_argument("dest", type=Path)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = EvidenceStore(args.dir or settings.evidence_dir)
    try:
        tsa = settings.evidence.tsa()
    except (TypeError, ValueError) as exc:
        print(f"markwatch evidence: bad [evidence] settings: {exc}", file=sys.stderr)
        return 2
    stamps = Timestamps(store.root)
    if args.evidence_command == "verify":
        report = store.verify()
        for line in report.lines():
            print(line)
        dated = stamps.verify(tsa)
        for line in dated.lines():
            print(line)
        return 0 if report.ok and dated.ok else 1
    if args.evidence_command == "stamp":
        if not tsa.url:
            print("markwatch evidence: no TSA configured (MARKWATCH_TSA_URL)", file=sys.stderr)
            return 2
        try:
            stamp = stamps.stamp_head(tsa)
        except TimestampError as exc:
            print(f"markwatch evidence: {exc}", file=sys.stderr)
            return 1
        print(stamp.to_json() if stamp else json.dumps({"stamped": None, "why": "up to date"}))
        return 0
    if args.evidence_command == "show":
        entries = store.entries_for(args.listing_id)
        for entry in entries:
            print(entry.to_json())
        return 0 if entries else 1
    if args.evidence_command in ("notice", "complaints"):
        return _lists(args, settings, store)
    if args.evidence_command == "case":
        return _case(args, settings, store, tsa)
    entries = store.export_case(args.listing_id, args.dest)
    print(
        json.dumps(
            {"listing_id": args.listing_id, "files": len(entries), "dest": str(args.dest)},
            ensure_ascii=False,
        )
    )
    return 0 if entries else 1


def _case(
    args: argparse.Namespace, settings: Settings, store: EvidenceStore, tsa: TsaConfig
) -> int:
    alerts = AlertStore(settings.db_url or settings.alerts_db_path)
    try:
        case = build_case(alerts, store, args.seller_id, tsa)
        if args.write_draft:
            args.write_draft.write_text(
                json.dumps(case.draft(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            print(json.dumps({"draft": str(args.write_draft)}, ensure_ascii=False))
            return 0
        if args.draft:
            case.apply(load_draft(args.draft))
        args.dest.write_bytes(build_package(case, store))
    except (CaseError, OSError) as exc:
        print(f"markwatch evidence case: {exc}", file=sys.stderr)
        return 1
    finally:
        alerts.close()
    summary = {"seller_id": args.seller_id, "listings": len(case.included),
               "evidence": len(case.included_evidence), "authority": case.authority,
               "dest": str(args.dest)}  # fmt: skip
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _lists(args: argparse.Namespace, settings: Settings, store: EvidenceStore) -> int:
    config = settings.alerts
    alerts = AlertStore(settings.db_url or settings.alerts_db_path, config=config)
    try:
        if args.evidence_command == "notice":
            entries = repeat_notice(alerts, store)
            args.dest.write_bytes(notice_csv(entries))
            print(json.dumps({"repeat_infringers": len(entries), "dest": str(args.dest)}))
            return 0
        files = complaint_lists(alerts, store, args.platform, args.per_notice)
        args.dest.mkdir(parents=True, exist_ok=True)
        for number, data in enumerate(files, start=1):
            (args.dest / f"{args.platform}-complaints-{number}.csv").write_bytes(data)
        print(json.dumps({"platform": args.platform, "files": len(files)}))
        return 0
    except (ValueError, OSError) as exc:
        print(f"markwatch evidence {args.evidence_command}: {exc}", file=sys.stderr)
        return 1
    finally:
        alerts.close()
