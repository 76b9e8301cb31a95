"""The console in real Chromium (Debian's, driven by Playwright) against a live uvicorn.

Staff log in, search 冰墩墩, open the alert, see the image evidence with its matched region,
confirm it and export the case file; a rights holder sees only their own alerts; a title
carrying `<script>` renders as text. Screenshots of the main pages go to
artifacts/screenshots/ (not committed).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from console.app import create_app
from crawler.browser import CHROMIUM_ARGS

from .seed import PASSWORD, XSS_TITLE, Seeded

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def wait_for(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        threading.Event().wait(0.02)  # a short poll interval, not a fixed sleep
    raise AssertionError("condition not met in time")


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def live_url(seeded: Seeded) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(seeded.deps), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page(chromium_path: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=list(CHROMIUM_ARGS))
        context = browser.new_context(
            accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("load")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_staff_search_open_confirm_export(
    browser_page: Any, live_url: str, seeded: Seeded, tmp_path: Path
) -> None:
    page = browser_page
    csp_violations: list[str] = []
    dialogs: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    evidence_answers: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda r: (
            evidence_answers.append((r.status, r.headers.get("content-type", "")))
            if "/evidence/" in r.url
            else None
        ),
    )

    log_in(page, live_url, "staff")
    assert page.url.startswith(f"{live_url}/search")
    page.fill("#q", "冰墩墩")
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit[data-listing='taobao:1001']")
    assert page.inner_text("#total") == "2"
    assert page.inner_text("li.hit[data-listing='taobao:1001'] .hit-link mark") == "冰墩墩"
    shot(page, "search")

    page.click("li.hit[data-listing='taobao:1001'] .hit-link")
    page.wait_for_selector("svg.overlay polygon.region")
    region = page.locator("svg.overlay polygon.region").first
    assert region.is_visible()
    wait_for(lambda: (200, "image/png") in evidence_answers)
    box = page.locator("svg.overlay").first.bounding_box()
    assert box is not None and box["width"] > 100
    shot(page, "alert")

    page.click("#confirm-button")
    page.wait_for_selector("#triage-result")
    assert "已确认" in page.inner_text("#alert-status")
    assert seeded.deps.backend.alert(seeded.alert_ids["taobao:1001"]).status == "confirmed"

    with page.expect_download() as download_info:
        page.click("#casefile-link")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert "summary.html" in names and "SHA256SUMS" in names
    assert any(n.startswith("evidence/images/") for n in names)

    page.goto(f"{live_url}/dashboard")
    page.wait_for_selector("#chart-by_mark svg rect.bar")
    shot(page, "dashboard")

    page.goto(f"{live_url}/alerts/{seeded.alert_ids['pdd:3003']}")
    title = page.inner_text("#alert-title")
    assert "<script>window.__xss=1</script>" in title  # shown as text ...
    assert title.strip() == XSS_TITLE.strip()
    assert page.evaluate("window.__xss === undefined")  # ... never run
    assert page.locator("#alert-title img").count() == 0
    shot(page, "hostile-title")
    assert dialogs == []
    assert csp_violations == []


def test_rights_holder_sees_only_their_alerts(
    browser_page: Any, live_url: str, seeded: Seeded
) -> None:
    page = browser_page
    log_in(page, live_url, "ginseng")
    assert page.url.startswith(f"{live_url}/portal")
    rows = page.locator("#portal-alerts tr")
    assert rows.count() == 1
    assert "长白山人参" in rows.first.inner_text()
    shot(page, "portal")
    answer = page.goto(f"{live_url}/alerts/{seeded.alert_ids['taobao:1001']}")
    assert answer is not None and answer.status == 404
    answer = page.goto(f"{live_url}/search?q=冰墩墩")
    assert answer is not None and answer.status == 403
    page.goto(f"{live_url}/portal?lang=en")
    assert "Rights holder portal" in page.inner_text("h1")
