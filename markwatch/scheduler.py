"""Crawl schedules: cron expressions per spider and keyword set, with jitter.

Config (TOML):

    [schedule]
    poll_s = 5
    [[schedule.jobs]]
    name = "taobao-ginseng"
    spider = "taobao"
    cron = "0 */6 * * *"          # croniter syntax, evaluated in UTC
    keywords = ["长白山人参", "集安人参"]   # one crawl per keyword, in order; [] = one crawl
    jitter_s = 300                # each fire is delayed by a stable random 0..300 s
    missed = "once"               # or "skip"
    args = { base_url = "http://127.0.0.1:8800" }
    settings = { CONCURRENT_REQUESTS = "8" }

Guarantees:
- each fire runs once, however many schedulers share the history: a scheduler claims a fire
  by moving the job's next fire with a compare-and-set in the history database.
- one job never runs twice at once: with PostgreSQL as the store of record each job holds a
  session advisory lock while it runs (seen by schedulers on every machine); otherwise it
  holds an exclusive `flock` on
  DATA_DIR/schedule/locks/<job>.lock while it runs; the crawl subprocesses inherit the
  descriptor, so the lock stays held even if the scheduler itself dies mid-run and a second
  scheduler (or a restarted one) sees the job as running. A fire that finds its job still
  running is recorded as `skipped_overlap`.
- missed runs (the scheduler was down at fire times), per job:
  `once` (default): run once on catch-up, however many fires were missed; the rest are
  recorded as `skipped_missed`. `skip`: run nothing on catch-up; wait for the next fire.
- history: every crawl (start, end, pages, items, errors, alerts, health) in the store of
  record when it is PostgreSQL (`MARKWATCH_DB_URL`), else DATA_DIR/schedule/history.sqlite3;
  `markwatch schedule --history` shows it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from croniter import croniter
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

logger = logging.getLogger(__name__)

MissedPolicy = Literal["once", "skip"]


class ScheduleError(ValueError):
    """Bad schedule configuration; the message names the job and the key."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    spider: str
    cron: str
    keywords: tuple[str, ...] = ()
    jitter_s: int = 0
    missed: MissedPolicy = "once"
    args: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in "/\\ "):
            raise ScheduleError(f"job name {self.name!r} must be non-empty, no spaces/slashes")
        if not croniter.is_valid(self.cron):
            raise ScheduleError(f"job {self.name}: invalid cron expression {self.cron!r}")
        if self.missed not in ("once", "skip"):
            raise ScheduleError(f"job {self.name}: missed must be 'once' or 'skip'")
        if self.jitter_s < 0:
            raise ScheduleError(f"job {self.name}: jitter_s must be >= 0")

    def crawls(self) -> list[dict[str, str]]:
        """Spider arguments of each crawl in one run of the job."""
        if not self.keywords:
            return [dict(self.args)]
        return [{**self.args, "q": kw} for kw in self.keywords]

    def jitter(self, fire: datetime) -> timedelta:
        # Stable per (job, fire time): restarts do not re-roll it, tests can predict it.
        seed = f"{self.name}@{fire.isoformat()}"
        return timedelta(seconds=random.Random(seed).uniform(0, self.jitter_s))

    def fires_between(self, after: datetime, until: datetime) -> list[datetime]:
        """Cron fire times in (after, until]."""
        it = croniter(self.cron, after)
        out: list[datetime] = []
        while True:
            nxt = it.get_next(datetime)
            if nxt > until:
                return out
            out.append(nxt)

    def next_fire(self, after: datetime) -> datetime:
        return croniter(self.cron, after).get_next(datetime)


@dataclass(frozen=True)
class ScheduleConfig:
    jobs: tuple[JobSpec, ...] = ()
    poll_s: float = 5.0


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# -- history -----------------------------------------------------------------------

_META = sa.MetaData()
_JOB_STATE = sa.Table(
    "schedule_job_state",
    _META,
    sa.Column("job", sa.Text, primary_key=True),
    sa.Column("next_fire", sa.Text, nullable=False),
)
_RUNS = sa.Table(
    "schedule_runs",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job", sa.Text, nullable=False),
    sa.Column("spider", sa.Text, nullable=False),
    sa.Column("args", sa.Text, nullable=False),
    sa.Column("scheduled_for", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text),
    sa.Column("ended_at", sa.Text),
    # running | ok | failed | interrupted | skipped_overlap | skipped_missed
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("exit_code", sa.Integer),
    sa.Column("pages", sa.Integer),
    sa.Column("items", sa.Integer),
    sa.Column("errors", sa.Integer),
    sa.Column("alerts", sa.Integer),
    sa.Column("health", sa.Text),
    sa.Column("operator_alert", sa.Text),
    sa.Index("schedule_runs_job", "job", "id"),
)


@dataclass(frozen=True)
class RunRecord:
    id: int
    job: str
    spider: str
    args: dict[str, str]
    scheduled_for: str
    started_at: str | None
    ended_at: str | None
    status: str
    exit_code: int | None
    pages: int | None
    items: int | None
    errors: int | None
    alerts: int | None
    operator_alert: str | None


def history_target(data_dir: Path, db_url: str | None) -> str | Path:
    """Where the schedule history lives: the store of record when it is a database server
    (so schedulers on several machines share it), else a SQLite file under the data dir."""
    if db_url and not db_url.startswith("sqlite"):
        return db_url
    return data_dir / "schedule" / "history.sqlite3"


class CrawlHistory:
    """Crawl runs and each job's next fire, in SQLite or PostgreSQL (any SQLAlchemy URL).

    Several schedulers may share one history: `claim_fire` moves a job's next fire with a
    compare-and-set, so exactly one of them owns each fire.
    """

    def __init__(self, target: Path | str) -> None:
        text = str(target)
        if "://" in text:
            self.engine = sa.create_engine(text, pool_pre_ping=True)
        else:
            Path(text).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(
                f"sqlite:///{text}", connect_args={"timeout": 30, "check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _sqlite_wal)
        self.shared = self.engine.dialect.name != "sqlite"
        with self.engine.begin() as connection:
            _META.create_all(connection, checkfirst=True)
        self._lock = threading.Lock()

    def next_fire(self, job: str) -> datetime | None:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(_JOB_STATE.c.next_fire).where(_JOB_STATE.c.job == job)
            ).scalar()
        return datetime.fromisoformat(value) if value else None

    def set_next_fire(self, job: str, when: datetime) -> None:
        with self._lock, self.engine.begin() as connection:
            updated = connection.execute(
                _JOB_STATE.update()
                .where(_JOB_STATE.c.job == job)
                .values(next_fire=when.isoformat())
            ).rowcount
            if not updated:
                self._insert_state(connection, job, when)

    def init_next_fire(self, job: str, when: datetime) -> bool:
        """Record a new job's first fire unless another scheduler already did."""
        with self._lock, self.engine.begin() as connection:
            return self._insert_state(connection, job, when)

    def claim_fire(self, job: str, expected: datetime, new: datetime) -> bool:
        """Advance `job` from `expected` to `new`; False if another scheduler moved it first."""
        with self._lock, self.engine.begin() as connection:
            moved = connection.execute(
                _JOB_STATE.update()
                .where(_JOB_STATE.c.job == job, _JOB_STATE.c.next_fire == expected.isoformat())
                .values(next_fire=new.isoformat())
            ).rowcount
        return bool(moved)

    def _insert_state(self, connection: sa.Connection, job: str, when: datetime) -> bool:
        statement = (
            pg_insert(_JOB_STATE)
            if self.engine.dialect.name == "postgresql"
            else sqlite_insert(_JOB_STATE)
        )
        result = connection.execute(
            statement.values(job=job, next_fire=when.isoformat()).on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    def add(
        self,
        job: JobSpec,
        args: Mapping[str, str],
        scheduled_for: datetime,
        status: str,
        started_at: datetime | None = None,
    ) -> int:
        with self._lock, self.engine.begin() as connection:
            result = connection.execute(
                _RUNS.insert()
                .values(
                    job=job.name,
                    spider=job.spider,
                    args=json.dumps(dict(args), ensure_ascii=False),
                    scheduled_for=scheduled_for.isoformat(),
                    started_at=started_at.isoformat() if started_at else None,
                    status=status,
                )
                .returning(_RUNS.c.id)
            )
            return int(result.scalar_one())

    def finish(self, run_id: int, ended_at: datetime, outcome: CrawlOutcome) -> None:
        with self._lock, self.engine.begin() as connection:
            connection.execute(
                _RUNS.update()
                .where(_RUNS.c.id == run_id)
                .values(
                    ended_at=ended_at.isoformat(),
                    status="ok" if outcome.exit_code == 0 else "failed",
                    exit_code=outcome.exit_code,
                    pages=outcome.pages,
                    items=outcome.items,
                    errors=outcome.errors,
                    alerts=outcome.alerts,
                    health=json.dumps(outcome.health, ensure_ascii=False)
                    if outcome.health
                    else None,
                    operator_alert=outcome.operator_alert,
                )
            )

    def orphaned_runs(self, job: str) -> list[int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(_RUNS.c.id)
                .where(_RUNS.c.job == job, _RUNS.c.status == "running")
                .order_by(_RUNS.c.id)
            ).all()
        return [int(r[0]) for r in rows]

    def close_orphan(self, run_id: int, ended_at: datetime, outcome: CrawlOutcome) -> None:
        """A run whose scheduler died: `interrupted`, with whatever its crawl reported."""
        self.finish(run_id, ended_at, outcome)
        with self._lock, self.engine.begin() as connection:
            connection.execute(
                _RUNS.update()
                .where(_RUNS.c.id == run_id)
                .values(status="interrupted", exit_code=None)
            )

    def previous_items(self, job: str, args: Mapping[str, str], limit: int = 5) -> list[int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(_RUNS.c["items"])
                .where(
                    _RUNS.c.job == job,
                    _RUNS.c.args == json.dumps(dict(args), ensure_ascii=False),
                    _RUNS.c.status == "ok",
                    _RUNS.c["items"].is_not(None),
                )
                .order_by(_RUNS.c.id.desc())
                .limit(limit)
            ).all()
        return [int(r[0]) for r in rows]

    def recent(self, limit: int = 50, job: str | None = None) -> list[RunRecord]:
        c = _RUNS.c
        query = sa.select(
            c.id,
            c.job,
            c.spider,
            c.args,
            c.scheduled_for,
            c.started_at,
            c.ended_at,
            c.status,
            c.exit_code,
            c.pages,
            c["items"],
            c.errors,
            c.alerts,
            c.operator_alert,
        )
        if job:
            query = query.where(c.job == job)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(c.id.desc()).limit(limit)).all()
        return [
            RunRecord(
                id=r.id,
                job=r.job,
                spider=r.spider,
                args=json.loads(r.args),
                scheduled_for=r.scheduled_for,
                started_at=r.started_at,
                ended_at=r.ended_at,
                status=r.status,
                exit_code=r.exit_code,
                pages=r.pages,
                items=r[10],  # `Row.items` is not the column
                errors=r.errors,
                alerts=r.alerts,
                operator_alert=r.operator_alert,
            )
            for r in rows
        ]

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# -- locks and runners -------------------------------------------------------------


class Lock(Protocol):
    """An exclusive job lock; `fd` is a descriptor crawl children inherit, if any."""

    fd: int | None

    def acquire(self) -> bool: ...
    def release(self) -> None: ...


class JobLock:
    """An exclusive, non-blocking flock; the kernel drops it when every holder is gone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # children still holding the descriptor keep the lock
            self.fd = None


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on its own connection while the job runs.

    Schedulers on different machines see each other's locks. The lock dies with the
    scheduler's connection (a crawl child does not inherit it), unlike the local flock.
    """

    def __init__(self, engine: sa.Engine, name: str) -> None:
        self.engine = engine
        digest = hashlib.sha256(f"markwatch-job:{name}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self.fd: int | None = None
        self._connection: sa.Connection | None = None

    def acquire(self) -> bool:
        connection = self.engine.connect()
        got = connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
        ).scalar()
        connection.commit()
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None


def lock_factory(history: CrawlHistory, lock_dir: Path) -> Callable[[str], Lock]:
    """Advisory locks when the history is shared in PostgreSQL, else local file locks."""
    if history.engine.dialect.name == "postgresql":
        return lambda name: AdvisoryLock(history.engine, name)
    return lambda name: JobLock(lock_dir / f"{name}.lock")


@dataclass(frozen=True)
class CrawlOutcome:
    exit_code: int
    pages: int | None = None
    items: int | None = None
    errors: int | None = None
    alerts: int | None = None
    health: dict[str, Any] | None = None
    operator_alert: str | None = None


class RunningCrawl(Protocol):
    def poll(self) -> CrawlOutcome | None: ...


class CrawlRunner(Protocol):
    def start(
        self,
        job: JobSpec,
        args: Mapping[str, str],
        run_id: int,
        baseline: Sequence[int],
        lock_fd: int | None,
    ) -> RunningCrawl: ...


class SubprocessCrawl:
    def __init__(self, process: subprocess.Popen[bytes], report: Path, log: Path) -> None:
        self.process = process
        self.report = report
        self.log = log

    def poll(self) -> CrawlOutcome | None:
        code = self.process.poll()
        if code is None:
            return None
        return read_outcome(code, self.report, self.log)


def read_outcome(exit_code: int, report_path: Path, log: Path) -> CrawlOutcome:
    """What a finished crawl left behind: its run report and the summary line of its log."""
    summary = _last_json_line(log)
    report: dict[str, Any] = {}
    if report_path.is_file():
        report = json.loads(report_path.read_text(encoding="utf-8"))
    alert = report.get("operator_alert")
    return CrawlOutcome(
        exit_code=exit_code,
        pages=report.get("pages"),
        items=report.get("items", summary.get("listings")),
        errors=report.get("errors", summary.get("errors")),
        alerts=summary.get("alerts"),
        health=report.get("health"),
        operator_alert=alert["message"] if alert else None,
    )


class SubprocessRunner:
    """Each crawl is `markwatch crawl SPIDER ...` in its own process (a fresh reactor)."""

    def __init__(
        self,
        run_dir: Path,
        extra_settings: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.extra_settings = dict(extra_settings or {})
        self.env = dict(env) if env is not None else None

    def start(
        self,
        job: JobSpec,
        args: Mapping[str, str],
        run_id: int,
        baseline: Sequence[int],
        lock_fd: int | None,
    ) -> SubprocessCrawl:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        report = self.run_dir / f"run-{run_id}.json"
        log = self.run_dir / f"run-{run_id}.log"
        settings = {
            **self.extra_settings,
            **job.settings,
            "MARKWATCH_RUN_REPORT": str(report),
            "MARKWATCH_HEALTH_BASELINE": ",".join(str(n) for n in baseline),
        }
        cmd = [sys.executable, "-m", "markwatch.cli", "crawl", job.spider]
        for key, value in args.items():
            cmd += ["-a", f"{key}={value}"]
        for key, value in settings.items():
            cmd += ["-s", f"{key}={value}"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                pass_fds=(lock_fd,) if lock_fd is not None else (),
            )
        return SubprocessCrawl(process, report, log)

    def orphan_outcome(self, run_id: int) -> CrawlOutcome:
        """The outcome of a crawl whose scheduler died: its exit code is lost (-1)."""
        return read_outcome(
            -1, self.run_dir / f"run-{run_id}.json", self.run_dir / f"run-{run_id}.log"
        )


def _last_json_line(path: Path) -> dict[str, Any]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return {}
    for line in reversed(lines):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
    return {}


# -- the scheduler -------------------------------------------------------------------


@dataclass
class _ActiveJob:
    job: JobSpec
    lock: Lock
    scheduled_for: datetime
    pending: list[dict[str, str]]
    current: RunningCrawl | None = None
    run_id: int = 0


class Scheduler:
    def __init__(
        self,
        config: ScheduleConfig,
        history: CrawlHistory,
        runner: CrawlRunner,
        lock_dir: Path,
        clock: Clock | None = None,
        on_operator_alert: Callable[[str, str], None] | None = None,
        locks: Callable[[str], Lock] | None = None,
    ) -> None:
        self.config = config
        self.history = history
        self.runner = runner
        self.lock_dir = lock_dir
        self.clock = clock or SystemClock()
        self.on_operator_alert = on_operator_alert
        self.active: dict[str, _ActiveJob] = {}
        self.locks = locks or lock_factory(history, lock_dir)

    def tick(self) -> list[str]:
        """Advance running jobs, then start every job that is due. Returns started job names."""
        self._advance()
        self._close_orphans()
        now = self.clock.now()
        started = []
        for job in self.config.jobs:
            fire = self._due_fire(job, now)
            if fire is not None and self._start(job, fire, now):
                started.append(job.name)
        return started

    def running(self) -> list[str]:
        return sorted(self.active)

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(self.config.poll_s)
        self.wait_idle(stop=None)

    def wait_idle(self, stop: threading.Event | None, poll_s: float = 0.5) -> None:
        """Let running jobs finish (the scheduler's own exit must not orphan a history row)."""
        waiter = stop or threading.Event()
        while self.active:
            self._advance()
            if self.active:
                waiter.wait(poll_s)

    def _close_orphans(self) -> None:
        """Runs left `running` by a scheduler that was killed. Their crawl inherited the job
        lock, so once the lock is free that crawl has ended too: record it as `interrupted`
        (its exit code died with the scheduler) with what its run report and log say."""
        for job in self.config.jobs:
            if job.name in self.active:
                continue
            orphans = self.history.orphaned_runs(job.name)
            if not orphans:
                continue
            lock = self.locks(job.name)
            if not lock.acquire():
                continue  # the orphaned crawl still runs
            try:
                reader = getattr(self.runner, "orphan_outcome", None)
                for run_id in orphans:
                    outcome = reader(run_id) if callable(reader) else CrawlOutcome(-1)
                    self.history.close_orphan(run_id, self.clock.now(), outcome)
                    logger.warning(
                        "job %s: run %d was interrupted (its scheduler died); recorded as "
                        "`interrupted` with what its crawl reported",
                        job.name,
                        run_id,
                    )
            finally:
                lock.release()

    def _due_fire(self, job: JobSpec, now: datetime) -> datetime | None:
        next_fire = self.history.next_fire(job.name)
        if next_fire is None:
            # A new job starts counting from now: no catch-up for times before it existed.
            self.history.init_next_fire(job.name, job.next_fire(now))
            return None
        if now < next_fire + job.jitter(next_fire):
            return None
        fires = [next_fire, *job.fires_between(next_fire, now)]
        if not self.history.claim_fire(job.name, next_fire, job.next_fire(now)):
            return None  # another scheduler sharing this history owns this fire
        missed, latest = fires[:-1], fires[-1]
        late = now - latest > timedelta(seconds=job.jitter_s + 2 * self.config.poll_s + 60)
        for fire in missed:
            self.history.add(job, {}, fire, "skipped_missed")
        if late and job.missed == "skip":
            self.history.add(job, {}, latest, "skipped_missed")
            return None
        if missed:
            logger.warning(
                "job %s: %d missed runs skipped, running once now", job.name, len(missed)
            )
        return latest

    def _start(self, job: JobSpec, fire: datetime, now: datetime) -> bool:
        lock = self.locks(job.name)
        if job.name in self.active or not lock.acquire():
            logger.warning("job %s is still running: this fire (%s) is skipped", job.name, fire)
            self.history.add(job, {}, fire, "skipped_overlap", started_at=now)
            return False
        self.active[job.name] = _ActiveJob(job, lock, fire, job.crawls())
        self._advance_one(self.active[job.name])
        return True

    def _advance(self) -> None:
        for name in list(self.active):
            self._advance_one(self.active[name])

    def _advance_one(self, active: _ActiveJob) -> None:
        while True:
            if active.current is not None:
                outcome = active.current.poll()
                if outcome is None:
                    return
                self.history.finish(active.run_id, self.clock.now(), outcome)
                if outcome.operator_alert:
                    logger.error(
                        "crawl health alert, job %s: %s", active.job.name, outcome.operator_alert
                    )
                    if self.on_operator_alert:
                        self.on_operator_alert(active.job.name, outcome.operator_alert)
                active.current = None
            if not active.pending:
                active.lock.release()
                del self.active[active.job.name]
                return
            args = active.pending.pop(0)
            baseline = self.history.previous_items(active.job.name, args)
            active.run_id = self.history.add(
                active.job, args, active.scheduled_for, "running", started_at=self.clock.now()
            )
            active.current = self.runner.start(
                active.job, args, active.run_id, baseline, active.lock.fd
            )
