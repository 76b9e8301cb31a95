"""Every flagged listing's own page is in its WARC, or the WARC says why it cannot be.

Real crawls (`markwatch crawl`, one process each) of the testbed's expo directory (listings
come from its API; the exhibit page is only fetched for evidence) and of Tmall without a
session (some item pages sit behind the login wall) and with one stored as `markwatch login`
stores it, with a one-entry response buffer so the capture cannot lean on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from alerts.store import AlertStore
from crawler.evidence.store import EvidenceStore
from crawler.evidence.timestamps import Timestamps, TsaConfig
from crawler.sessions import BrowserCookie, save_state, session_path, storage_state
from testbed import politeness
from testbed.server import TestbedServer

from .local_tsa import LocalTsa

REPO = Path(__file__).resolve().parents[2]


def _records(path: Path) -> list[tuple[str, str, bytes]]:
    """(type, target URI, payload) of every record."""
    out = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            out.append((record.rec_type, uri, record.content_stream().read()))
    return out


def _crawl(data: Path, spider: str, base_url: str, tsa: LocalTsa) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MARKWATCH_DATA_DIR": str(data),
           "MARKWATCH_TSA_URL": tsa.url}  # fmt: skip
    env.pop("MARKWATCH_CONFIG", None)
    env.pop("MARKWATCH_COOKIES_FILE", None)
    command = [sys.executable, "-m", "markwatch.cli", "crawl", spider, "-a",
               f"base_url={base_url}", "-s", "MARKWATCH_EVIDENCE_SCREENSHOTS=False",
               "-s", "MARKWATCH_EVIDENCE_BUFFER=1"]  # fmt: skip
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


@pytest.mark.parametrize(
    ("spider", "logged_in"), [("expo", False), ("tmall", False), ("tmall", True)]
)
def test_every_flagged_listing_has_its_page_or_a_stated_gap(
    spider: str, logged_in: bool, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with TestbedServer() as bed, LocalTsa() as tsa:
        if logged_in:  # what `markwatch login tmall --cookies FILE` leaves behind
            cookie = BrowserCookie("127.0.0.1", politeness.SESSION_COOKIE, politeness.SESSION_VALUE)
            save_state(session_path(data / "sessions", spider), storage_state([cookie]))
        stderr = _crawl(data, spider, bed.url, tsa)
        # The crawl ended by stamping its evidence log head at the TSA.
        (stamp,) = Timestamps(data / "evidence").stamps()
        report = Timestamps(data / "evidence").verify(TsaConfig(tsa.url, tsa.ca_file))
        assert report.ok and report.valid == 1, report.problems
        assert all(a.attested_at for a in report.attestations)
    assert "WARNING: evidence" not in stderr, stderr[-3000:]
    store = AlertStore(data / "alerts.sqlite3")
    evidence = EvidenceStore(data / "evidence")
    flagged = {a.listing_id: a.listing["url"] for a in store.alerts()}
    store.close()
    assert flagged
    pages = walled = 0
    for listing_id, url in flagged.items():
        warcs = [e for e in evidence.entries_for(listing_id) if e.kind == "warc"]
        assert warcs, f"no WARC for {listing_id}"
        records = [r for e in warcs for r in _records(evidence.path_of(e))]
        got_page = any(t == "response" and uri == url and b"<html" in body.lower()
                       for t, uri, body in records)  # fmt: skip
        notes = [body.decode() for t, uri, body in records if t == "metadata" and uri == url]
        if got_page:
            pages += 1
        else:
            assert notes, f"{listing_id}: neither its page nor a note in {records}"
            assert notes[0].startswith("page not capturable: login\n"), notes[0]
            assert "reason: " in notes[0] and "session" in notes[0]
            # The wall itself is on the record: the redirect to the login form.
            assert any(t == "response" and uri == url for t, uri, _ in records)
            walled += 1
    assert evidence.verify().ok
    assert stamp.seq == evidence.log.entries()[-1].seq
    if spider == "expo" or logged_in:
        assert walled == 0 and pages == len(flagged)
    else:
        assert walled > 0 and pages > 0
