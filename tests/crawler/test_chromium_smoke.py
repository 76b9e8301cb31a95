"""Chromium is really there: a JS-built testbed page rendered through scrapy-playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.browser import chromium_path
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]


def test_js_rendered_shop_page_is_crawled_in_chromium(tmp_path: Path) -> None:
    if chromium_path() is None:
        message = "chromium not installed: run scripts/setup.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with TestbedServer() as bed:
        shop, items = next(
            (uid, group) for uid, group in _by_shop(bed.bed.listings).items() if len(group) >= 2
        )
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
                f"base_url={bed.url}",
                "-O",
                str(out),
                "-s",
                "LOG_LEVEL=INFO",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "scrapy-playwright" in result.stderr or "playwright" in result.stderr.lower()
    crawled = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # The shop page has no items in its HTML: they exist only after the browser ran the JS.
    assert sorted(c["id"] for c in crawled) == sorted(f"taobao:{i.nid}" for i in items)
    assert {c["title"] for c in crawled} == {i.title for i in items}


def _by_shop(listings):  # type: ignore[no-untyped-def]
    groups: dict[str, list] = {}  # type: ignore[type-arg]
    for item in listings:
        groups.setdefault(item.user_id, []).append(item)
    return groups
