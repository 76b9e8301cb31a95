"""`markwatch demo` end to end: every testbed listing crawled, judged as the truth says, alerted."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
from warcio.archiveiterator import ArchiveIterator

from alerts.store import AlertStore
from crawler.evidence.store import EvidenceStore
from markwatch.commands.demo import DEMO_SITES
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]


def test_demo_summary_matches_truth_and_verdicts_are_right(tmp_path: Path) -> None:
    env = {**os.environ, "MARKWATCH_DATA_DIR": str(tmp_path)}
    env.pop("MARKWATCH_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-m", "markwatch.cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    with TestbedServer() as bed:
        rows = httpx.get(f"{bed.url}/_truth.json").json()
        truth = {t["id"]: t for t in rows if t["site"] in DEMO_SITES}  # not the API replicas
    assert summary["listings"] == len(truth) >= 500
    assert summary["index"] == "sqlite"
    assert summary["alerts"] > 0
    assert summary["notifications"] == summary["alerts"]  # every alert reached the webhook
    assert re.search(r"crawled \d+ listings", result.stderr)  # progress while it works

    db = sqlite3.connect(tmp_path / "demo" / "index.sqlite3")
    docs = {row[0]: json.loads(row[1]) for row in db.execute("SELECT id, source FROM docs")}
    assert set(docs) == set(truth)
    outcome: Counter[str] = Counter()
    wrong_mark = []
    for listing_id, expected in truth.items():
        finding = docs[listing_id]["finding"]
        flagged, should = finding["verdict"] != "clear", expected["verdict"] != "clear"
        outcome[f"{'flag' if flagged else 'clear'}/{'flag' if should else 'clear'}"] += 1
        if flagged and should:
            top = max(finding["marks"], key=lambda m: m["score"])
            if top["mark"] != expected["mark"]:
                wrong_mark.append((listing_id, top["mark"], expected["mark"]))
        if flagged:
            assert all(m["reasons"] for m in finding["marks"] if m["score"] > 0.0) or any(
                m["reasons"] for m in finding["marks"]
            ), f"{listing_id}: flagged without a reason"
    # Clean titles, marks only in the photos: found by insignia matching and OCR.
    for listing_id, expected in truth.items():
        if expected["category"] not in ("olympic_photo_only", "gi_photo_only"):
            continue
        reasons = [r for m in docs[listing_id]["finding"]["marks"] for r in m["reasons"]]
        codes = {r["code"] for r in reasons}
        if expected["category"] == "olympic_photo_only":
            assert "insignia_in_image" in codes, (listing_id, reasons)
            region = next(r for r in reasons if r["code"] == "insignia_in_image")["evidence"]
            assert region.count("(") == 4, region  # the matched quadrilateral
        else:
            assert "mark_in_image_text" in codes, (listing_id, reasons)
    true_pos = outcome["flag/flag"]
    precision = true_pos / max(1, true_pos + outcome["flag/clear"])
    recall = true_pos / max(1, true_pos + outcome["clear/flag"])
    assert precision >= 0.95 and recall >= 0.95, dict(outcome)
    assert len(wrong_mark) <= 0.05 * true_pos, wrong_mark[:10]

    # Every alert's evidence holds its own listing page (expo exhibits and login-walled
    # Tmall items included: the demo imports the replica's session), and nothing warned.
    warned = [ln for ln in result.stderr.splitlines() if "WARNING" in ln and "evidence" in ln]
    assert not warned, warned[:5]
    store = AlertStore(tmp_path / "demo" / "alerts.sqlite3")
    evidence = EvidenceStore(tmp_path / "demo" / "evidence")
    alerts = store.alerts()
    store.close()
    assert len(alerts) == summary["alerts"]  # one per (listing, mark)
    alerted = {a.listing_id: a.listing["url"] for a in alerts}
    without_page = [
        listing_id
        for listing_id, url in alerted.items()
        if not _page_in_warc(evidence, listing_id, url)
    ]
    assert not without_page, without_page[:10]
    assert evidence.verify().ok


def _page_in_warc(evidence: EvidenceStore, listing_id: str, url: str) -> bool:
    for entry in evidence.entries_for(listing_id):
        if entry.kind != "warc":
            continue
        with evidence.path_of(entry).open("rb") as fh:
            for record in ArchiveIterator(fh):
                if (
                    record.rec_type == "response"
                    and record.rec_headers.get_header("WARC-Target-URI") == url
                    and record.http_headers.get_statuscode() == "200"
                ):
                    return True
    return False
