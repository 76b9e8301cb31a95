"""Fault tests (issue 11): a process MarkWatch depends on dies by SIGKILL in the middle of
its work, and comes back. Each test shows that no data is lost and that an operator can
see what happened:

1. the Redis holding the distributed frontier is killed and restarted mid-crawl;
2. `markwatch serve` is killed and restarted: sessions, API tokens and watchlists live on;
3. `markwatch schedule` is killed while its crawl runs: a second scheduler does not start
   the job again while the orphaned crawl holds the job lock, and nothing the crawl
   produced is lost.

Every process is private to the test (own ports, own data directory). A missing tool fails
the test rather than skipping it: these are the guarantees the operator documentation
promises. Waits poll a condition against a deadline; nothing relies on a sleep.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from crawler.distributed import FrontierConfig
from markwatch.scheduler import CrawlHistory, JobLock, RunRecord
from testbed.server import Testbed, TestbedServer, make_handler

from ..distributed.conftest import (  # type: ignore[misc]  # mypy: tests/ is no package
    alert_keys,
    indexed_ids,
    start_worker,
)
from .conftest import REPO, free_port, wait_for

CRAWL_TIMEOUT_S = 120.0
START_TIMEOUT_S = 60.0


def _taobao_truth(bed: Testbed) -> set[str]:
    return {str(row["id"]) for row in bed.truth() if row["site"] == "taobao"}


def _read(path: Path) -> str:
    return path.read_text("utf-8", errors="replace") if path.exists() else ""


def _sigkill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


# -- 1. Redis restarted mid-crawl ---------------------------------------------------------


@dataclass
class RedisServer:
    """A private, persistent redis-server: every write is in the AOF before it is answered."""

    binary: str
    port: int
    state_dir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        log = (self.state_dir / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(self.state_dir), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        wait_for(self.answers, START_TIMEOUT_S, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = _read(self.state_dir / f"redis-{self.starts}.log")
            pytest.fail(f"redis-server exited with {self.process.returncode}: {log[-2000:]}")
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _sigkill(self.process)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server missing: install Debian's redis-server (scripts/setup.sh)")
    state = tmp_path / "redis"
    state.mkdir()
    server = RedisServer(binary, free_port(), state)
    server.start()
    try:
        yield server
    finally:
        server.kill()


REDIS_DOWN_WORDS = ("ConnectionError", "Connection refused", "Error 111", "connecting to")
OUTAGE_NOTICED_S = 60.0


# `restarted_at_once`: within redis-py's own retries. `down_until_the_worker_says_so`: Redis
# stays down until the worker's log reports the lost connection, past those retries.
@pytest.mark.parametrize(
    "outage",
    [
        "restarted_at_once",
        "down_until_the_worker_says_so",
    ],
)
def test_redis_restarted_mid_crawl_loses_no_listing_and_doubles_no_alert(
    redis_server: RedisServer, tmp_path: Path, outage: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = FrontierConfig(
        redis_url=redis_server.url,
        prefix=f"mwfault-{uuid.uuid4().hex[:8]}",
        max_idle_s=2,
        heartbeat_ttl_s=2.0,
    )
    with TestbedServer() as bed:
        truth = _taobao_truth(bed.bed)
        first = start_worker(config, bed.url, data, "first", tmp_path)
        second: subprocess.Popen[bytes] | None = None
        try:

            def half_indexed() -> bool:
                assert first.poll() is None, _read(tmp_path / "first.log")[-3000:]
                return len(indexed_ids(data)) >= len(truth) // 2

            wait_for(half_indexed, CRAWL_TIMEOUT_S, "half of the truth set to be indexed")
            redis_server.kill()
            if outage == "down_until_the_worker_says_so":

                def outage_logged() -> bool:
                    log = _read(tmp_path / "first.log")
                    return any(w in log for w in REDIS_DOWN_WORDS)

                wait_for(outage_logged, OUTAGE_NOTICED_S, "the worker to report the dead Redis")
            redis_server.start()  # same port, same dir: the AOF brings the frontier back
            client = redis.Redis.from_url(redis_server.url)
            kept = client.exists(
                config.queue_key("taobao_redis"), f"{config.prefix}:taobao_redis:dupefilter"
            )
            client.close()
            first_code = first.wait(timeout=CRAWL_TIMEOUT_S)
            first_log = _read(tmp_path / "first.log")
            if first_code != 0:
                # It died: its log must say why in words an operator recognises, and a
                # second worker on the same frontier finishes the crawl.
                assert any(w in first_log for w in REDIS_DOWN_WORDS), first_log[-3000:]
                second = start_worker(config, bed.url, data, "second", tmp_path)
                assert second.wait(timeout=CRAWL_TIMEOUT_S) == 0, _read(tmp_path / "second.log")[
                    -3000:
                ]
        finally:
            _stop(first)
            if second is not None:
                _stop(second)

    assert kept, "the restarted Redis lost the frontier (queue and duplicate filter)"
    assert indexed_ids(data) == truth, "listings lost or invented"
    keys = alert_keys(data)
    assert keys, "the crawl raised no alert at all"
    assert len(keys) == len(set(keys)), "an alert was raised twice"


# -- 2. SIGKILL of `markwatch serve` -------------------------------------------------------

ADMIN = "ops-admin"
ADMIN_PASSWORD = "correct-horse-battery-staple-42"  # test only


def _clean_env(data: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "MARKWATCH_DATA_DIR": str(data), "PYTHONPATH": str(REPO), **extra}
    env.pop("MARKWATCH_CONFIG", None)
    return env


def _csrf(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@dataclass
class Console:
    port: int
    data: Path
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return _read(self.log_dir / f"serve-{self.starts}.log")

    def start(self) -> None:
        self.starts += 1
        out = (self.log_dir / f"serve-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "markwatch.cli", "serve", "--port", str(self.port)],
            cwd=self.log_dir, stdout=out, stderr=subprocess.STDOUT,
            env=_clean_env(self.data, MARKWATCH_ADMIN_USER=ADMIN,
                           MARKWATCH_ADMIN_PASSWORD=ADMIN_PASSWORD),
        )  # fmt: skip
        out.close()
        wait_for(self.answers, START_TIMEOUT_S, "markwatch serve to answer")

    def answers(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, self.log()[-3000:]
        try:
            return httpx.get(f"{self.url}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


def test_sigkilled_console_comes_back_with_its_sessions_tokens_and_watchlists(
    tmp_path: Path,
) -> None:
    console = Console(free_port(), tmp_path / "data", tmp_path)
    console.start()
    try:
        with httpx.Client(base_url=console.url, follow_redirects=False, timeout=30) as browser:
            login = browser.get("/login")
            answer = browser.post(
                "/login",
                data={
                    "username": ADMIN,
                    "password": ADMIN_PASSWORD,
                    "csrf": _csrf(login.text),
                    "next": "/admin",
                },
            )
            assert answer.status_code == 303, answer.text[-2000:]
            admin_page = browser.get("/admin")
            assert admin_page.status_code == 200
            session_csrf = _csrf(admin_page.text)
            issued = browser.post(
                "/admin/tokens", data={"csrf": session_csrf, "username": ADMIN, "label": "ops"}
            )
            assert issued.status_code == 200, issued.text[-2000:]
            token = issued.text.split('id="new-token">', 1)[1].split("<", 1)[0]
            bearer = {"Authorization": f"Bearer {token}"}
            watchlist = {
                "marks": ["长白山人参", "冰墩墩"],
                "keywords": ["人参"],
                "min_verdict": "suspicious",
            }
            saved = httpx.put(
                f"{console.url}/api/v1/watchlists/jilin-ginseng",
                json=watchlist,
                headers=bearer,
                timeout=30,
            )
            assert saved.status_code == 200, saved.text

            assert console.process is not None
            _sigkill(console.process)  # no shutdown hook runs: only what is on disk survives
            console.start()

            # The same browser is still logged in, with the same session (same CSRF token).
            again = browser.get("/admin")
            assert again.status_code == 200, again.headers.get("location")
            assert _csrf(again.text) == session_csrf
            # The API token still authenticates, and the watchlist is all there.
            me = httpx.get(f"{console.url}/api/v1/me", headers=bearer, timeout=30)
            assert me.status_code == 200 and ADMIN in me.text
            lists = httpx.get(
                f"{console.url}/api/v1/watchlists", headers=bearer, timeout=30
            ).json()["watchlists"]
            (kept,) = [w for w in lists if w["name"] == "jilin-ginseng"]
            assert kept["marks"] == ["长白山人参", "冰墩墩"] and kept["keywords"] == ["人参"]
            assert kept["active"]
            # A form posted with the session's CSRF token after the restart still works.
            second = browser.post(
                "/admin/tokens", data={"csrf": session_csrf, "username": ADMIN, "label": "after"}
            )
            assert second.status_code == 200 and 'id="new-token">' in second.text
    finally:
        if console.process is not None:
            _stop(console.process)
    # The restart found its admin: it did not create (or try to create) a second one.
    assert "created admin account" in _read(tmp_path / "serve-1.log")
    assert "created admin account" not in _read(tmp_path / "serve-2.log")


# -- 3. SIGKILL of `markwatch schedule` ----------------------------------------------------

JOB = "taobao-watch"
GATE_TIMEOUT_S = 120.0


@dataclass
class GatedTestbed:
    """The replica, whose item pages wait until `gate` opens; search fetches are counted."""

    url: str
    bed: Testbed
    gate: threading.Event = field(default_factory=threading.Event)
    waiting: threading.Event = field(default_factory=threading.Event)
    first_searches: int = 0


@pytest.fixture
def gated_testbed() -> Iterator[GatedTestbed]:
    bed = Testbed.build()
    gated = GatedTestbed("", bed)
    lock = threading.Lock()

    class Gated(make_handler(bed)):  # type: ignore[misc]
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/taobao/search" and "s=0" in parts.query.split("&"):
                with lock:
                    gated.first_searches += 1
            if parts.path == "/taobao/item.htm":
                gated.waiting.set()
                gated.gate.wait(GATE_TIMEOUT_S)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gated)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gated.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield gated
    finally:
        gated.gate.set()
        server.shutdown()
        server.server_close()


def _runs(history_path: Path) -> list[RunRecord]:
    history = CrawlHistory(history_path)
    try:
        return history.recent(50, JOB)
    finally:
        history.close()


def _make_due(history_path: Path) -> None:
    # The job's cron fires once a year; a due fire is one whose time has just passed.
    history = CrawlHistory(history_path)
    try:
        history.set_next_fire(JOB, datetime.now(UTC) - timedelta(seconds=1))
    finally:
        history.close()


def _lock_free(lock_path: Path) -> bool:
    lock = JobLock(lock_path)
    if not lock.acquire():
        return False
    lock.release()
    return True


def _orphans(marker: str) -> list[int]:
    """Processes (the orphaned crawl) whose command line names this test's run directory."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue  # gone meanwhile
    return found


def test_sigkilled_scheduler_leaves_its_crawl_running_and_a_restart_does_not_double_it(
    gated_testbed: GatedTestbed, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    config = tmp_path / "markwatch.toml"
    config.write_text(
        f"""
[schedule]
poll_s = 0.2

[[schedule.jobs]]
name = "{JOB}"
spider = "taobao"
cron = "0 0 1 1 *"
args = {{ base_url = "{gated_testbed.url}" }}

[evidence]
screenshots = false
""",
        encoding="utf-8",
    )
    env = _clean_env(data, MARKWATCH_CONFIG=str(config), MARKWATCH_IMAGES="0")
    history_path = data / "schedule" / "history.sqlite3"
    lock_path = data / "schedule" / "locks" / f"{JOB}.lock"
    runs_dir = data / "schedule" / "runs"
    command = [sys.executable, "-m", "markwatch.cli", "schedule", "--once"]
    _make_due(history_path)

    def scheduler(name: str) -> subprocess.Popen[bytes]:
        out = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        return process

    first = scheduler("scheduler-1")
    try:

        def crawling() -> bool:
            assert first.poll() is None, _read(tmp_path / "scheduler-1.log")[-3000:]
            return gated_testbed.waiting.is_set() and not _lock_free(lock_path)

        # The crawl child is fetching item pages (held at the gate) under the job lock.
        wait_for(crawling, START_TIMEOUT_S, "the scheduled crawl to run")
        (run,) = _runs(history_path)
        assert run.status == "running"
        _sigkill(first)  # the scheduler only: its crawl child lives on, holding the lock

        _make_due(history_path)  # due again at once: the restart must still not start it
        second = scheduler("scheduler-2")
        assert second.wait(timeout=START_TIMEOUT_S) == 0, _read(tmp_path / "scheduler-2.log")
        said = _read(tmp_path / "scheduler-2.log")
        assert f"job {JOB} is still running: this fire" in said, said[-2000:]
        statuses = sorted(r.status for r in _runs(history_path))
        assert statuses == ["running", "skipped_overlap"]
        assert [p.name for p in runs_dir.glob("run-*.log")] == [f"run-{run.id}.log"]

        gated_testbed.gate.set()
        wait_for(
            lambda: _lock_free(lock_path),
            CRAWL_TIMEOUT_S,
            "the orphaned crawl to finish and drop the job lock",
        )
    finally:
        gated_testbed.gate.set()
        _stop(first)
        for pid in _orphans(str(runs_dir)):
            os.kill(pid, signal.SIGKILL)

    assert gated_testbed.first_searches == 1, "the job was crawled twice"
    crawl_log = _read(runs_dir / f"run-{run.id}.log")
    assert indexed_ids(data) == _taobao_truth(gated_testbed.bed), crawl_log[-3000:]
    keys = alert_keys(data)
    assert keys and len(keys) == len(set(keys)), "alerts lost or doubled"

    # The next scheduler to tick finds the lock free and records how the orphaned run ended.
    third = scheduler("scheduler-3")
    assert third.wait(timeout=START_TIMEOUT_S) == 0, _read(tmp_path / "scheduler-3.log")
    assert f"run {run.id} was interrupted" in _read(tmp_path / "scheduler-3.log")
    shown = subprocess.run(
        [sys.executable, "-m", "markwatch.cli", "schedule", "--history"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    (line,) = [row.split() for row in shown.splitlines() if row.split()[:2] == [str(run.id), JOB]]
    assert line[2] == "interrupted", shown
    (ended,) = [r for r in _runs(history_path) if r.id == run.id]
    assert ended.status == "interrupted" and ended.ended_at is not None
    assert ended.items == len(_taobao_truth(gated_testbed.bed)) and ended.alerts == len(keys)
    assert "skipped_overlap" in shown
