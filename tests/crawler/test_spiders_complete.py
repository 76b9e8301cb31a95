"""Each spider crawls its replica completely: its ids equal the testbed truth for that site."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from detectors.types import Listing
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def testbed_url():  # type: ignore[no-untyped-def]
    # The fast front end (what `markwatch testbed` serves): every site through it.
    with TestbedServer(kind="asgi") as bed:
        yield bed.url


@pytest.mark.parametrize(
    ("spider", "site", "args"),
    [
        ("taobao", "taobao", ()),
        ("jd", "jd", ()),
        ("pdd", "pdd", ()),
        ("tmall", "tmall", ()),
        ("ali1688", "ali1688", ()),
        ("expo", "expo", ()),
        # A site with no Python spider of its own: crawled by its YAML profile alone.
        ("profile", "jlshop", ("-a", "profile=jlshop")),
    ],
)
def test_spider_crawls_its_replica_completely(
    spider: str, site: str, args: tuple[str, ...], testbed_url: str, tmp_path: Path
) -> None:
    out = tmp_path / f"{spider}.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            spider,
            "-a",
            f"base_url={testbed_url}",
            *args,
            "-O",
            str(out),
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ERROR" not in result.stderr, result.stderr[-3000:]
    truth = [t for t in httpx.get(f"{testbed_url}/_truth.json").json() if t["site"] == site]
    crawled = [Listing.from_dict(json.loads(line)) for line in out.read_text("utf-8").splitlines()]
    ids = [c.id for c in crawled]
    assert len(ids) == len(set(ids)), "a listing was emitted twice"
    assert sorted(ids) == sorted(t["id"] for t in truth)
    assert all(c.title and c.price is not None and c.price > 0 for c in crawled)
    gi = {t["id"] for t in truth if t["category"].startswith("gi_")}
    # Where the platform shows no seller location, the stated origin must reach the detector.
    assert all(c.seller.location or "产地" in c.description for c in crawled if c.id in gi)
