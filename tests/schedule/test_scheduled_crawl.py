"""End to end: a schedule fires a real crawl subprocess at its cron time; the crawl leaves
history, health and verifiable evidence (WARC, images, screenshots) for flagged listings."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.browser import chromium_path
from crawler.evidence.config import EvidenceConfig
from crawler.evidence.store import EvidenceStore
from markwatch.scheduler import (
    CrawlHistory,
    JobLock,
    JobSpec,
    ScheduleConfig,
    Scheduler,
    SubprocessRunner,
)
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]
KEYWORD = "冰墩墩"  # 19 listings in the replica, most of them infringing


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium")
def test_scheduled_crawl_records_history_and_verifiable_evidence(tmp_path: Path) -> None:
    evidence_dir = tmp_path / "evidence"
    env = {**os.environ, "MARKWATCH_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    env.pop("MARKWATCH_CONFIG", None)
    with TestbedServer() as bed:
        job = JobSpec(
            name="bdd",
            spider="taobao",
            cron="0 * * * *",
            keywords=(KEYWORD,),
            args={"base_url": bed.url},
        )
        history = CrawlHistory(tmp_path / "history.sqlite3")
        runner = SubprocessRunner(
            tmp_path / "runs", EvidenceConfig().scrapy_settings(evidence_dir), env
        )
        clock = _Clock(datetime(2026, 3, 1, 10, 2, tzinfo=UTC))
        scheduler = Scheduler(
            ScheduleConfig((job,), poll_s=1), history, runner, tmp_path / "locks", clock
        )
        assert scheduler.tick() == []
        clock.at = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
        assert scheduler.tick() == ["bdd"]
        assert not JobLock(tmp_path / "locks" / "bdd.lock").acquire()  # held while it runs
        deadline = time.monotonic() + 120
        while scheduler.running():
            assert time.monotonic() < deadline, "crawl did not finish"
            scheduler.tick()
            time.sleep(0.1)  # polling interval

    (run,) = history.recent()
    log = (tmp_path / "runs" / f"run-{run.id}.log").read_text()
    assert run.status == "ok", log[-3000:]
    assert run.items == 19 and run.errors == 0 and (run.pages or 0) >= 20
    assert run.alerts and run.alerts > 0 and run.operator_alert is None

    store = EvidenceStore(evidence_dir)
    report = store.verify()
    assert report.ok and not report.problems, report.lines()
    db = sqlite3.connect(tmp_path / "alerts.sqlite3")
    flagged = {r[0] for r in db.execute("SELECT DISTINCT listing_id FROM alerts")}
    db.close()
    assert flagged
    for listing_id in flagged:
        kinds = {e.kind for e in store.entries_for(listing_id)}
        assert kinds == {"warc", "image", "screenshot"}, listing_id
    logged = {e.listing_id for e in store.log.entries()}
    assert logged == flagged  # clear listings cost no evidence
