"""Shared helpers of the reliability suite: free ports and polling with a deadline."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)  # polling pace only; correctness never depends on it


@pytest.fixture
def unused_port() -> int:
    return free_port()


REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CrawlRun:
    returncode: int
    items: list[dict[str, Any]]
    stderr: str


def scrapy_crawl(
    spider: str,
    out: Path,
    args: Mapping[str, str],
    settings: Mapping[str, str] | None = None,
    timeout: float = 180,
) -> CrawlRun:
    """A bare `scrapy crawl` (project settings, no MarkWatch components) as a subprocess."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(out)]
    for key, value in args.items():
        command += ["-a", f"{key}={value}"]
    for key, value in {"LOG_LEVEL": "INFO", **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = out.read_text("utf-8").splitlines() if out.exists() else []
    return CrawlRun(result.returncode, [json.loads(line) for line in lines], result.stderr)
