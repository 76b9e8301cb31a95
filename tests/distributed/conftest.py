"""Shared pieces for the distributed-crawl tests: a fetch-counting testbed, crawl workers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from crawler.distributed import FrontierConfig, clear_frontier
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]
SPIDER = "taobao_redis"


@dataclass
class FetchLog:
    """Every GET the testbed served, by path and query (robots.txt aside)."""

    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str) -> None:
        with self.lock:
            self.counts[path] += 1

    def duplicates(self) -> dict[str, int]:
        with self.lock:
            return {p: n for p, n in self.counts.items() if n > 1 and p != "/robots.txt"}

    def item_fetches(self) -> int:
        with self.lock:
            return sum(n for p, n in self.counts.items() if "/taobao/item.htm" in p)


@pytest.fixture
def counting_testbed() -> Iterator[tuple[TestbedServer, FetchLog]]:
    fetches = FetchLog()
    server = TestbedServer()
    base = server._httpd.RequestHandlerClass

    class Counting(base):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:
            fetches.add(self.path)
            super().do_GET()

    server._httpd.RequestHandlerClass = Counting
    with server:
        yield server, fetches


@pytest.fixture
def frontier(redis_url: str) -> Iterator[FrontierConfig]:
    config = FrontierConfig(
        redis_url=redis_url,
        prefix=f"mwtest-{uuid.uuid4().hex[:10]}",
        max_idle_s=2,
        heartbeat_ttl_s=2.0,
    )
    yield config
    client = redis.Redis.from_url(redis_url)
    clear_frontier(client, config)
    client.close()


def start_worker(
    config: FrontierConfig,
    base_url: str,
    data_dir: Path,
    worker: str,
    log_dir: Path,
    concurrency: int = 4,
    spider: str = SPIDER,
) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "markwatch.cli",
        "crawl",
        spider,
        "-a",
        f"base_url={base_url}",
        "-a",
        "seed=1",
        "-s",
        f"REDIS_URL={config.redis_url}",
        "-s",
        f"MARKWATCH_FRONTIER={config.prefix}",
        "-s",
        f"MARKWATCH_WORKER_ID={worker}",
        "-s",
        f"MARKWATCH_WORKER_TTL={config.heartbeat_ttl_s}",
        "-s",
        f"MAX_IDLE_TIME_BEFORE_CLOSE={config.max_idle_s}",
        "-s",
        f"CONCURRENT_REQUESTS={concurrency}",
        # Screenshots re-open flagged pages in Chromium: not crawler fetches, kept out here.
        "-s",
        "MARKWATCH_EVIDENCE_SCREENSHOTS=False",
        "-s",
        "LOG_LEVEL=INFO",
    ]
    env = {**os.environ, "MARKWATCH_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    env.pop("MARKWATCH_CONFIG", None)
    log = (log_dir / f"{worker}.log").open("wb")
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def indexed_ids(data_dir: Path) -> set[str]:
    path = data_dir / "index.sqlite3"
    if not path.exists():
        return set()
    db = sqlite3.connect(path, timeout=30)
    try:
        return {row[0] for row in db.execute("SELECT id FROM docs")}
    except sqlite3.OperationalError:
        return set()  # schema not created yet
    finally:
        db.close()


def alert_keys(data_dir: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(data_dir / "alerts.sqlite3", timeout=30)
    try:
        return [(r[0], r[1]) for r in db.execute("SELECT listing_id, mark FROM alerts")]
    finally:
        db.close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)  # polling interval, not a wait for correctness


def finish(process: subprocess.Popen[bytes], timeout: float) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@dataclass
class CrawlEnv:
    """One test's crawl: the testbed, its fetch log, the frontier and the data dir."""

    bed: TestbedServer
    fetches: FetchLog
    frontier: FrontierConfig
    data_dir: Path

    @property
    def truth_ids(self) -> set[str]:
        # The replica serves several sites; the taobao spiders crawl the taobao one.
        return {str(row["id"]) for row in self.bed.bed.truth() if row["site"] == "taobao"}

    def start_worker(self, worker: str, concurrency: int = 4) -> subprocess.Popen[bytes]:
        return start_worker(
            self.frontier, self.bed.url, self.data_dir, worker, self.data_dir, concurrency
        )

    def log(self, worker: str) -> str:
        return (self.data_dir / f"{worker}.log").read_text(errors="replace")

    def indexed_ids(self) -> set[str]:
        return indexed_ids(self.data_dir)

    def alert_keys(self) -> list[tuple[str, str]]:
        return alert_keys(self.data_dir)


@pytest.fixture
def crawl_env(
    counting_testbed: tuple[TestbedServer, FetchLog], frontier: FrontierConfig, tmp_path: Path
) -> CrawlEnv:
    bed, fetches = counting_testbed
    return CrawlEnv(bed, fetches, frontier, tmp_path)
