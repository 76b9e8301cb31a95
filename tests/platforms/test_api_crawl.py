"""The API spiders against the testbed's replicas, through `markwatch crawl`: complete truth
sets with the default keywords, bursts absorbed by backoff, a wrong secret stops the crawl."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]
PLATFORM = {"taobao_api": "taobao", "jd_api": "jd", "pdd_api": "pdd"}


@pytest.fixture(scope="module")
def bed() -> Iterator[TestbedServer]:
    with TestbedServer() as server:
        yield server


def _crawl(
    spider: str, bed: TestbedServer, tmp_path: Path, env_extra: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MARKWATCH_TAOBAO", "MARKWATCH_JD", "MARKWATCH_PDD"))
    }
    env |= {
        "PYTHONPATH": str(REPO),
        "MARKWATCH_DATA_DIR": str(tmp_path / "data"),
        "MARKWATCH_IMAGES": "0",  # photos are not what these tests are about
        **env_extra,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "markwatch.cli",
            "crawl",
            spider,
            "-a",
            f"base_url={bed.url}",
            *args,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _keys(bed: TestbedServer) -> dict[str, dict[str, str]]:
    keys = httpx.get(f"{bed.url}/_api_keys.json").json()
    assert set(keys) == {"taobao", "jd", "pdd"}
    return dict(keys)


def _env_keys(platform: str, key: str, secret: str) -> dict[str, str]:
    up = platform.upper()
    return {f"MARKWATCH_{up}_APP_KEY": key, f"MARKWATCH_{up}_APP_SECRET": secret}


@pytest.mark.parametrize("spider", ["taobao_api", "jd_api", "pdd_api"])
def test_default_keywords_reach_the_whole_replica(
    spider: str, bed: TestbedServer, tmp_path: Path
) -> None:
    platform = PLATFORM[spider]
    creds = _keys(bed)[platform]
    if spider == "taobao_api":  # credentials from the config file ([platforms.taobao])
        (tmp_path / "markwatch.toml").write_text(
            f'[platforms.taobao]\napp_key = "{creds["app_key"]}"\n'
            f'app_secret = "{creds["app_secret"]}"\n',
            encoding="utf-8",
        )
        env: dict[str, str] = {}
    else:
        env = _env_keys(platform, creds["app_key"], creds["app_secret"])
    # Paced a little faster than the replica's quota (6 calls/s; the spiders' default is
    # 5/s), so that it refuses some calls and backoff has to absorb them.
    result = _crawl(spider, bed, tmp_path, env, "-s", "DOWNLOAD_DELAY=0.15")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    truth = [t for t in httpx.get(f"{bed.url}/_truth.json").json() if t["site"] == spider]
    assert len(truth) >= 100
    assert summary["listings"] == len(truth)
    # The replica refused some keyword searches; backoff absorbed it.
    assert "rate limited" in result.stderr
    assert creds["app_secret"] not in result.stderr + result.stdout  # never logged
    assert creds["app_key"] not in result.stderr + result.stdout

    db = sqlite3.connect(tmp_path / "data" / "index.sqlite3")
    docs = {row[0]: json.loads(row[1]) for row in db.execute("SELECT id, source FROM docs")}
    assert set(docs) == {t["id"] for t in truth}
    # Flagged listings keep the API answer that listed them, marked as such; no screenshot
    # of a page nobody fetched.
    warcs = list((tmp_path / "data" / "evidence" / "warc").rglob("*.warc"))
    assert len(warcs) == summary["findings"] > 0
    assert all(b"found by API, page not captured" in w.read_bytes() for w in warcs)
    log = (tmp_path / "data" / "evidence" / "log.jsonl").read_text(encoding="utf-8")
    assert log.count("found-by-api-page-not-captured.warc") == len(warcs)
    assert not (tmp_path / "data" / "evidence" / "screenshots").exists()
    if spider == "taobao_api":  # TOP's provcity is the ship-from region
        expected = {f"taobao:{i.nid}": i.location for i in bed.bed.sites[spider]}
        located = {k: d["listing"]["seller"]["location"] for k, d in docs.items()}
        assert located == expected


@pytest.mark.parametrize(
    ("spider", "named"),
    [("taobao_api", "Invalid signature"), ("jd_api", "无效签名"), ("pdd_api", "签名")],
)
def test_wrong_secret_stops_with_one_line_and_yields_nothing(
    spider: str, named: str, bed: TestbedServer, tmp_path: Path
) -> None:
    platform = PLATFORM[spider]
    creds = _keys(bed)[platform]
    result = _crawl(spider, bed, tmp_path, _env_keys(platform, creds["app_key"], "wrong-secret"))
    assert result.returncode != 0
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["listings"] == 0
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("markwatch crawl:")]
    assert len(lines) == 1, result.stderr[-2000:]
    assert "signature error" in lines[0] and named in lines[0]
    assert "wrong-secret" not in result.stderr


def test_keywords_argument_overrides_the_default(bed: TestbedServer, tmp_path: Path) -> None:
    creds = _keys(bed)["pdd"]
    env = _env_keys("pdd", creds["app_key"], creds["app_secret"])
    result = _crawl("pdd_api", bed, tmp_path, env, "-a", "keywords=冰墩墩,雪容融")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    expected = [
        i
        for i in bed.bed.sites["pdd_api"]
        if any(k in i.title or k == i.mark for k in ("冰墩墩", "雪容融"))
    ]
    assert summary["listings"] == len(expected) > 0


def test_missing_credentials_name_the_variables(bed: TestbedServer, tmp_path: Path) -> None:
    result = _crawl("jd_api", bed, tmp_path, {})
    assert result.returncode != 0
    assert "MARKWATCH_JD_APP_KEY" in result.stderr
