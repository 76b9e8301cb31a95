"""Run real crawls (`scrapy crawl` subprocesses) against a fresh testbed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Crawl:
    items: list[dict[str, Any]]
    stderr: str

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {item["id"]: item for item in self.items}


Crawler = Callable[..., Crawl]


@pytest.fixture
def bed() -> Iterator[TestbedServer]:
    """A fresh testbed per test: its 429s and request log start from nothing."""
    with TestbedServer() as server:
        yield server


@pytest.fixture(scope="session")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawler:
    tmp_path = tmp_path_factory.mktemp("crawls")

    def run(
        spider: str,
        *args: str,
        settings: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        log_level: str = "INFO",
    ) -> Crawl:
        out = tmp_path / f"{spider}-{len(list(tmp_path.iterdir()))}.jsonl"
        command: list[str] = [sys.executable, "-m", "scrapy", "crawl", spider]
        for arg in args:
            command += ["-a", arg]
        for key, value in {"LOG_LEVEL": log_level, **(settings or {})}.items():
            command += ["-s", f"{key}={value}"]
        command += ["-O", str(out)]
        result = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert " ERROR: " not in result.stderr, result.stderr[-3000:]
        lines = out.read_text("utf-8").splitlines() if out.exists() else []
        return Crawl([json.loads(line) for line in lines], result.stderr)

    return run


def write_session_cookies(path: Path, host: str, value: str) -> Path:
    """A Netscape cookies.txt as a browser extension exports it."""
    path.write_text(
        "# Netscape HTTP Cookie File\n"
        f"{host}\tFALSE\t/\tFALSE\t0\tcookie2\t{value}\n"
        f"#HttpOnly_{host}\tFALSE\t/\tFALSE\t0\t_tb_token_\tabc123\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def session_cookies(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    from testbed.politeness import SESSION_VALUE

    def make(host: str) -> Path:
        path = tmp_path_factory.mktemp("cookies") / "cookies.txt"
        return write_session_cookies(path, host, SESSION_VALUE)

    return make
