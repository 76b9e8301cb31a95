"""Schedulers on several machines share one PostgreSQL store: each fire runs exactly once."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from markwatch.scheduler import (
    AdvisoryLock,
    CrawlHistory,
    CrawlOutcome,
    JobSpec,
    ScheduleConfig,
    Scheduler,
)

from .fakes import T0, FakeClock, FakeCrawl


@dataclass
class RecordingRunner:
    """Stands in for the crawl subprocess; the scheduling under test is all real."""

    started: list[tuple[str, datetime]] = field(default_factory=list)
    crawls: list[FakeCrawl] = field(default_factory=list)
    clock: FakeClock = field(default_factory=FakeClock)

    def start(
        self,
        job: JobSpec,
        args: Mapping[str, str],
        run_id: int,
        baseline: Sequence[int],
        lock_fd: int | None,
    ) -> FakeCrawl:
        self.started.append((job.name, self.clock.now()))
        self.crawls.append(FakeCrawl())
        return self.crawls[-1]

    def finish_all(self) -> None:
        for crawl in self.crawls:
            crawl.outcome = crawl.outcome or CrawlOutcome(0, pages=1, items=1, errors=0, alerts=0)


def _machine(
    pg_url: str, clock: FakeClock, tmp_name: str, jobs: Sequence[JobSpec]
) -> tuple[Scheduler, RecordingRunner, CrawlHistory]:
    history = CrawlHistory(pg_url)  # each machine its own connection pool
    runner = RecordingRunner(clock=clock)
    scheduler = Scheduler(
        ScheduleConfig(jobs=tuple(jobs), poll_s=1),
        history,
        runner,
        lock_dir=Path(tmp_name),
        clock=clock,
    )
    return scheduler, runner, history


def test_two_schedulers_on_one_postgresql_run_each_fire_once(pg_url: str, tmp_path) -> None:
    clock = FakeClock()
    jobs = [
        JobSpec(name="taobao-ginseng", spider="taobao", cron="*/5 * * * *"),
        JobSpec(name="jd-rice", spider="jd", cron="*/10 * * * *"),
    ]
    a, runner_a, history_a = _machine(pg_url, clock, str(tmp_path / "a"), jobs)
    b, runner_b, history_b = _machine(pg_url, clock, str(tmp_path / "b"), jobs)
    try:
        for scheduler in (a, b):
            scheduler.tick()  # both register the jobs; only one first fire is recorded
        fires = 0
        for step in range(1, 13):  # one hour in five-minute steps
            clock.at = T0.replace(minute=0) + timedelta(minutes=5 * step)
            barrier = threading.Barrier(2)

            def tick(scheduler: Scheduler, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()  # both machines wake at the same instant
                scheduler.tick()

            threads = [threading.Thread(target=tick, args=(s,)) for s in (a, b)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            runner_a.finish_all()
            runner_b.finish_all()
            for scheduler in (a, b):
                scheduler.tick()  # record the finished runs, release the locks
            fires += 1 + (clock.at.minute % 10 == 0)
        started = sorted(runner_a.started + runner_b.started)
        assert len(started) == fires == 18
        assert len(set(started)) == len(started)  # no fire ran twice
        runs = [r for r in history_a.recent(100) if r.status == "ok"]
        assert len(runs) == fires  # one shared history, seen alike from both machines
        assert len(history_b.recent(100)) == len(history_a.recent(100))
    finally:
        history_a.close()
        history_b.close()


def test_a_running_job_is_locked_for_every_machine(pg_url: str) -> None:
    history = CrawlHistory(pg_url)
    try:
        first, second = AdvisoryLock(history.engine, "job"), AdvisoryLock(history.engine, "job")
        assert first.acquire()
        assert not second.acquire()  # another machine sees the job running
        assert AdvisoryLock(history.engine, "other-job").acquire()
        first.release()
        assert second.acquire()
        second.release()
    finally:
        history.close()


def test_overlapping_fire_on_another_machine_is_skipped(pg_url: str, tmp_path) -> None:
    clock = FakeClock()
    jobs = [JobSpec(name="slow", spider="taobao", cron="*/5 * * * *")]
    a, runner_a, history = _machine(pg_url, clock, str(tmp_path / "a"), jobs)
    b, runner_b, history_b = _machine(pg_url, clock, str(tmp_path / "b"), jobs)
    try:
        a.tick()
        clock.at = T0.replace(minute=5)
        assert a.tick() == ["slow"]  # still running at 10:10
        clock.at = T0.replace(minute=10)
        assert b.tick() == []
        assert [r.status for r in history.recent()] == ["skipped_overlap", "running"]
        assert runner_b.started == []
    finally:
        runner_a.finish_all()
        a.tick()
        history.close()
        history_b.close()
