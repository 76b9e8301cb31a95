"""Logged-in sessions: `markwatch login` stores them owner-only; a browser-driven spider
reuses one; a stale session (slider) or none (login wall) on the session-gated replica
area fails the crawl's health check with "session expired: run markwatch login taobao"."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.browser import chromium_path
from crawler.sessions import BrowserCookie, blocked_by, save_state, storage_state
from testbed import politeness
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]
MESSAGE = "session expired: run markwatch login taobao"


@pytest.fixture(scope="module")
def bed() -> Iterator[TestbedServer]:
    with TestbedServer() as server:
        yield server


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return env | {"PYTHONPATH": str(REPO), "MARKWATCH_DATA_DIR": str(tmp_path / "data")}


def _login(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "markwatch.cli", "login", *args],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_login_imports_cookies_owner_only(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        f".taobao.com\tTRUE\t/\tFALSE\t0\t{politeness.SESSION_COOKIE}\tabc123\n"
        ".taobao.com\tTRUE\t/\tFALSE\t0\t_tb_token_\txyz\n",
        encoding="utf-8",
    )
    result = _login(tmp_path, "tmall", "--cookies", str(cookies))  # a Taobao account
    assert result.returncode == 0, result.stderr
    state_file = tmp_path / "data" / "sessions" / "taobao.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_file.parent.stat().st_mode) == 0o700
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert {c["name"] for c in state["cookies"]} == {politeness.SESSION_COOKIE, "_tb_token_"}
    assert state["origins"] == []


def test_login_without_display_or_cookies_says_what_to_do(tmp_path: Path) -> None:
    result = _login(tmp_path, "jd")
    assert result.returncode == 2
    assert "--cookies" in result.stderr and "no display" in result.stderr


def test_block_pages_are_recognised() -> None:
    assert blocked_by("http://x/a", politeness.slider_page().encode()) == "captcha"
    assert blocked_by("http://x/tmall/login.htm?r=1", b"") == "login_wall"
    assert blocked_by("http://x/b", politeness.login_page("/").encode()) == "login_wall"
    assert blocked_by("http://x/c", b"<html><li class='shop-item'></li></html>") is None


def _shop_crawl(bed: TestbedServer, tmp_path: Path, cookie_value: str | None) -> dict[str, Any]:
    sessions = tmp_path / "sessions"
    if cookie_value is not None:
        cookie = BrowserCookie("127.0.0.1", politeness.SESSION_COOKIE, cookie_value)
        save_state(sessions / "taobao.json", storage_state([cookie]))
    shop = bed.bed.sites["taobao"][0].user_id
    report = tmp_path / "report.json"
    out = tmp_path / "items.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "taobao_shop",
            "-a",
            f"shop={shop}",
            "-a",
            f"base_url={bed.url}{politeness.GATED_PREFIX}",
            "-s",
            f"MARKWATCH_SESSIONS_DIR={sessions}",
            "-s",
            f"MARKWATCH_RUN_REPORT={report}",
            "-O",
            str(out),
        ],
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    payload = json.loads(report.read_text(encoding="utf-8"))
    payload["stderr"] = result.stderr
    payload["items_out"] = out.read_text(encoding="utf-8").count("\n") if out.exists() else 0
    return payload


needs_chromium = pytest.mark.skipif(
    chromium_path() is None and os.environ.get("CI") != "true", reason="no Chromium"
)


@needs_chromium
@pytest.mark.parametrize(("cookie", "why"), [("stale-session", "captcha"), (None, "login wall")])
def test_expired_or_missing_session_fails_the_health_check(
    cookie: str | None, why: str, bed: TestbedServer, tmp_path: Path
) -> None:
    report = _shop_crawl(bed, tmp_path, cookie)
    health = report["health"]
    assert isinstance(health, dict) and health["ok"] is False
    failed = [c for c in health["checks"] if not c["ok"]]
    assert [c["message"] for c in failed if c["name"] == "session"] == [MESSAGE]
    assert MESSAGE in str(report["stderr"]) and why in str(report["stderr"])
    assert report["reason"] == "session_expired"


@needs_chromium
def test_valid_session_is_reused_by_the_browser(bed: TestbedServer, tmp_path: Path) -> None:
    report = _shop_crawl(bed, tmp_path, politeness.SESSION_VALUE)
    assert report["health"]["ok"] is True, report["stderr"][-2000:]
    assert report["items"] == report["items_out"] > 0
