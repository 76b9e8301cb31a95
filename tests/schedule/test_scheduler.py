"""The scheduler fires crawls at their cron times (controllable clock), never overlapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from markwatch.cli import main
from markwatch.config import ConfigError
from markwatch.scheduler import (
    CrawlHistory,
    CrawlOutcome,
    JobSpec,
    ScheduleConfig,
    Scheduler,
)
from markwatch.settings import load_settings

from .fakes import T0, FakeClock, FakeCrawl


@dataclass
class FakeRunner:
    started: list[tuple[str, dict[str, str], Sequence[int]]] = field(default_factory=list)
    crawls: list[FakeCrawl] = field(default_factory=list)

    def start(
        self,
        job: JobSpec,
        args: Mapping[str, str],
        run_id: int,
        baseline: Sequence[int],
        lock_fd: int | None,
    ) -> FakeCrawl:
        assert lock_fd is not None  # the crawl inherits the job lock
        self.started.append((job.name, dict(args), list(baseline)))
        self.crawls.append(FakeCrawl())
        return self.crawls[-1]

    def finish_all(self, items: int = 620) -> None:
        for crawl in self.crawls:
            crawl.outcome = crawl.outcome or CrawlOutcome(
                0, pages=700, items=items, errors=0, alerts=3
            )


def _scheduler(
    tmp_path: Path,
    *jobs: JobSpec,
    clock: FakeClock,
    runner: FakeRunner | None = None,
    history_name: str = "history",
) -> tuple[Scheduler, FakeRunner, CrawlHistory]:
    history = CrawlHistory(tmp_path / f"{history_name}.sqlite3")
    runner = runner or FakeRunner()
    config = ScheduleConfig(jobs=tuple(jobs), poll_s=1)
    return Scheduler(config, history, runner, tmp_path / "locks", clock), runner, history


def _job(**kw: object) -> JobSpec:
    base: dict[str, object] = {"name": "taobao-ginseng", "spider": "taobao", "cron": "*/5 * * * *"}
    return JobSpec(**{**base, **kw})  # type: ignore[arg-type]


def test_fires_at_the_cron_time_and_not_before(tmp_path: Path) -> None:
    clock = FakeClock()
    scheduler, runner, _ = _scheduler(tmp_path, _job(), clock=clock)
    assert scheduler.tick() == []  # 10:02, next fire 10:05
    clock.at = T0.replace(minute=4, second=59)
    assert scheduler.tick() == []
    clock.at = T0.replace(minute=5)
    assert scheduler.tick() == ["taobao-ginseng"]
    assert [name for name, _, _ in runner.started] == ["taobao-ginseng"]


def test_never_runs_the_same_job_twice_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    scheduler, runner, history = _scheduler(tmp_path, _job(), clock=clock)
    # A second scheduler (its own state, e.g. started by mistake) shares the job locks.
    other, other_runner, other_history = _scheduler(
        tmp_path, _job(), clock=clock, history_name="other"
    )
    scheduler.tick()
    other.tick()
    clock.at = T0.replace(minute=5)
    assert scheduler.tick() == ["taobao-ginseng"]
    clock.at = T0.replace(minute=10)  # the 10:05 crawl is still running
    assert scheduler.tick() == []
    assert other.tick() == []
    assert len(runner.started) == 1 and other_runner.started == []
    statuses = [r.status for r in history.recent()]
    assert statuses == ["skipped_overlap", "running"]
    other_statuses = [r.status for r in other_history.recent()]
    assert "skipped_overlap" in other_statuses and "running" not in other_statuses

    runner.finish_all()
    clock.at = T0.replace(minute=15)
    assert scheduler.tick() == ["taobao-ginseng"]  # finished: the lock is free again


def test_keyword_set_runs_one_crawl_per_keyword_in_sequence(tmp_path: Path) -> None:
    clock = FakeClock(T0.replace(minute=5))
    job = _job(keywords=("长白山人参", "五常大米"), args={"base_url": "http://x"})
    scheduler, runner, history = _scheduler(tmp_path, job, clock=clock)
    history.set_next_fire(job.name, T0.replace(minute=5))
    scheduler.tick()
    assert [a for _, a, _ in runner.started] == [{"base_url": "http://x", "q": "长白山人参"}]
    runner.finish_all()
    scheduler.tick()
    assert [a["q"] for _, a, _ in runner.started] == ["长白山人参", "五常大米"]
    runner.finish_all(items=10)
    scheduler.tick()
    assert scheduler.running() == []
    done = history.recent()
    assert [(r.status, r.items, r.pages, r.alerts) for r in done] == [
        ("ok", 10, 700, 3),
        ("ok", 620, 700, 3),
    ]


@pytest.mark.parametrize(("policy", "runs"), [("once", 1), ("skip", 0)])
def test_missed_runs_during_downtime_follow_the_policy(
    tmp_path: Path, policy: str, runs: int
) -> None:
    clock = FakeClock()
    job = _job(missed=policy)
    scheduler, runner, history = _scheduler(tmp_path, job, clock=clock)
    scheduler.tick()  # next fire 10:05
    clock.at = T0.replace(hour=11, minute=2)  # down from 10:02 to 11:02: 12 fires missed
    scheduler.tick()
    assert len(runner.started) == runs
    skipped = [r for r in history.recent(100) if r.status == "skipped_missed"]
    assert len(skipped) == 12 - runs
    assert history.next_fire(job.name) == T0.replace(hour=11, minute=5)


def test_jitter_delays_each_fire_by_a_stable_amount(tmp_path: Path) -> None:
    clock = FakeClock()
    job = _job(jitter_s=120)
    scheduler, _, _ = _scheduler(tmp_path, job, clock=clock)
    scheduler.tick()
    fire = T0.replace(minute=5)
    delay = job.jitter(fire)
    assert timedelta(0) <= delay <= timedelta(seconds=120) and delay == job.jitter(fire)
    clock.at = fire + delay - timedelta(seconds=1)
    assert scheduler.tick() == []
    clock.at = fire + delay
    assert scheduler.tick() == ["taobao-ginseng"]


def test_previous_item_counts_are_the_health_baseline(tmp_path: Path) -> None:
    clock = FakeClock(T0.replace(minute=5))
    scheduler, runner, history = _scheduler(tmp_path, _job(), clock=clock)
    history.set_next_fire("taobao-ginseng", clock.at)
    for n in (600, 610):
        scheduler.tick()
        runner.finish_all(items=n)
        scheduler.tick()
        clock.advance(minutes=5)
    scheduler.tick()
    assert [b for _, _, b in runner.started] == [[], [600], [610, 600]]


_JOB = '[[schedule.jobs]]\nname = "a"\nspider = "t"\n'


@pytest.mark.parametrize(
    ("toml", "path", "message"),
    [
        (_JOB + 'cron = "61 * * * *"\n', "schedule.jobs.0", "invalid cron"),
        (_JOB, "schedule.jobs.0.cron", "required key missing"),
        (_JOB + 'cron = "* * * * *"\nmissed = "all"\n', "schedule.jobs.0.missed", "'once'"),
        ((_JOB + 'cron = "* * * * *"\n') * 2, "schedule.jobs", "duplicate"),
    ],
)
def test_bad_schedules_are_rejected_with_the_reason(
    tmp_path: Path, toml: str, path: str, message: str
) -> None:
    config = tmp_path / "mw.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(config, environ={})
    assert info.value.path == path


def test_history_is_shown_in_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARKWATCH_DATA_DIR", str(tmp_path))
    history = CrawlHistory(tmp_path / "schedule" / "history.sqlite3")
    job = _job()
    run = history.add(job, {"q": "冰墩墩"}, T0, "running", started_at=T0)
    history.finish(
        run,
        T0 + timedelta(minutes=1),
        CrawlOutcome(
            0, pages=15, items=12, errors=1, alerts=4, operator_alert="429 share 40% (rate limited)"
        ),
    )
    history.close()

    assert main(["schedule", "--history"]) == 0
    out = capsys.readouterr().out
    assert "taobao-ginseng" in out and "q=冰墩墩" in out and "429 share 40%" in out
    row = out.splitlines()[1].split()
    assert row[2] == "ok" and row[5:9] == ["15", "12", "1", "4"]
