"""Local faults: the evidence disk fills up, a database is locked by another process."""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from alerts.store import AlertStore
from crawler.evidence.pipeline import EvidencePipeline
from crawler.evidence.store import EvidenceStore
from crawler.evidence.warc import CapturedExchange
from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.base import IndexedDoc
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer

from .conftest import REPO, wait_for

URL = "https://item.example/jd/1"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB filesystem (tmpfs); where mounting is not permitted, writes fail with ENOSPC."""
    root = tmp_path / "evidence"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(root)],
        capture_output=True, check=False,
    ).returncode == 0  # fmt: skip
    try:
        yield root
    finally:
        if mounted:
            subprocess.run(["umount", str(root)], check=False)


def _fill(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave no room on the evidence disk."""
    if root.is_mount():
        try:
            with (root / "ballast").open("wb") as fh:
                while True:
                    fh.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        return

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("crawler.evidence.store._write_atomically", no_space)


def _page() -> CapturedExchange:
    return CapturedExchange(URL, "GET", [], 200, [("Content-Type", "text/html")],
                            "<html>长白山人参 礼盒</html>".encode() * 200)  # fmt: skip


def test_evidence_disk_full_loses_no_alert_and_verify_tells_the_truth(
    tiny_disk: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    crawler = get_crawler(scrapy.Spider, {"MARKWATCH_EVIDENCE_DIR": str(tiny_disk)})
    pipeline = EvidencePipeline.from_crawler(crawler)
    item = {"id": "jd:1", "url": URL, "finding": {"verdict": "infringing"}, "images": []}
    pipeline.buffer.put(_page())
    stored = asyncio.run(pipeline.process_item(dict(item)))
    assert len(stored["evidence"]) == 1  # room left: stored as usual

    _fill(tiny_disk, monkeypatch)
    pipeline.buffer.put(_page())
    with caplog.at_level(logging.ERROR):
        passed_on = asyncio.run(pipeline.process_item({**item, "id": "jd:2"}))
    # The item goes on to the alert stage, with no evidence and a clear error.
    assert passed_on["id"] == "jd:2" and passed_on["evidence"] == []
    assert any(
        "evidence: not stored for jd:2" in r.getMessage() and "No space left" in r.getMessage()
        for r in caplog.records
    )
    assert crawler.stats is not None and crawler.stats.get_value("evidence/store_errors") == 1

    # What was written before the disk filled still verifies; nothing half-written lingers.
    report = EvidenceStore(tiny_disk).verify()
    assert report.ok, report.lines()
    assert not list(tiny_disk.rglob(".tmp-*"))
    verify = subprocess.run(
        [sys.executable, "-m", "markwatch.cli", "evidence", "verify"],
        cwd=REPO, env={"MARKWATCH_DATA_DIR": str(tiny_disk.parent), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _finding(listing_id: str) -> Finding:
    reason = Reason("origin_outside_region", "outside", "安徽 亳州")
    return Finding(listing_id, "infringing", 0.9, (MarkHit("长白山人参", "gi", 0.9, (reason,)),))


def _listing(n: int) -> Listing:
    return Listing(id=f"jd:{n}", platform="jd", title=f"长白山人参 {n}",
                   seller=Seller("亳州药材行", "安徽 亳州", "s-1"))  # fmt: skip


@pytest.mark.parametrize("store", ["alerts", "index"])
def test_a_locked_database_makes_writers_wait_and_loses_nothing(tmp_path: Path, store: str) -> None:
    path = tmp_path / f"{store}.sqlite3"
    if store == "alerts":
        alerts = AlertStore(path)

        def write(n: int) -> None:
            alerts.record(_listing(n), _finding(f"jd:{n}"))

        def count() -> int:
            return alerts.count()
    else:
        index = SqliteIndex(path, Tokenizer(["长白山人参"]))

        def write(n: int) -> None:
            index.upsert([IndexedDoc(_listing(n), _finding(f"jd:{n}"))])

        def count() -> int:
            index.refresh()
            return index.count()

    write(0)
    # Another process (a backup, an operator's sqlite3 shell) holds the write lock.
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    done = threading.Event()
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(1, 6):
                write(n)
        except BaseException as exc:  # handed to the test thread
            failure.append(exc)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    # While the lock is held the writes cannot finish (they wait, they do not fail) ...
    assert not done.wait(1.0), f"a write got through a held lock: {failure}"
    holder.execute("COMMIT")
    holder.close()
    # ... and once it is released every one of them lands.
    wait_for(done.is_set, 60, "the writes to finish after the lock was released")
    thread.join()
    assert not failure, failure
    assert count() == 6
