"""Fault test (issue 5): Elasticsearch is killed in the middle of a `markwatch crawl` and
started again; afterwards the index holds exactly the crawled truth set and the spool is
empty: nothing lost, nothing doubled.

The crawl runs as a subprocess against a private Elasticsearch node (own ports and data
directory, see tests/indexer/test_es_fault.py) and a testbed whose item pages pause at two
gates, so the kill and the restart land at known points of the crawl without any sleep:
gate 1 (after the first index flush) -> SIGKILL the node -> the next flush is spooled ->
gate 2 -> restart the node -> the rest of the crawl writes through and replays the spool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from indexer.spool import Spool
from testbed.server import Testbed, make_handler

from ..indexer.test_es_fault import EsNode  # type: ignore[misc]  # mypy: tests/ is no package
from .conftest import REPO, wait_for

pytestmark = pytest.mark.services
GATE_TIMEOUT_S = 300.0


@dataclass
class Gates:
    """Item pages served so far; pages past a gate's count wait until it opens."""

    at: tuple[int, ...]
    opened: list[threading.Event] = field(default_factory=list)
    served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.opened = [threading.Event() for _ in self.at]

    def pass_through(self) -> None:
        with self.lock:
            self.served += 1
            number = self.served
        for count, event in zip(self.at, self.opened, strict=True):
            if number > count and not event.wait(GATE_TIMEOUT_S):
                raise TimeoutError("gate never opened")

    def waiting_at(self, gate: int) -> bool:
        with self.lock:
            return self.served > self.at[gate]


@pytest.fixture
def gated_testbed() -> Iterator[tuple[str, Gates, Testbed]]:
    bed = Testbed.build()
    gates = Gates(at=(250, 450))  # index flushes every 200 listings: 200 | kill | 400 | up
    base = make_handler(bed)

    class Gated(base):  # type: ignore[valid-type,misc]
        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/taobao/item.htm":
                gates.pass_through()
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gated)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", gates, bed
    finally:
        for event in gates.opened:
            event.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def es_node() -> Iterator[EsNode]:
    installed = list((REPO / ".services").glob("elasticsearch-*/bin/elasticsearch"))
    if not installed:
        message = "Elasticsearch not installed: run bash scripts/setup.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    node = EsNode(REPO / ".services" / f"crawl-fault-{uuid.uuid4().hex[:8]}")
    node.up()
    try:
        yield node
    finally:
        node.down()
        subprocess.run(["rm", "-rf", str(node.state_dir)], check=False)


def _alias_ids(url: str, alias: str) -> list[str]:
    httpx.post(f"{url}/{alias}/_refresh", timeout=30).raise_for_status()
    ids: list[str] = []
    after: list[object] | None = None
    while True:
        body: dict[str, object] = {"size": 1000, "sort": [{"id": "asc"}], "_source": False}
        if after:
            body["search_after"] = after
        hits = httpx.post(f"{url}/{alias}/_search", json=body, timeout=30).json()["hits"]["hits"]
        ids += [h["_id"] for h in hits]
        if len(hits) < 1000:
            return ids
        after = hits[-1]["sort"]


def test_es_killed_and_restarted_mid_crawl_ends_with_exactly_the_truth_set(
    es_node: EsNode, gated_testbed: tuple[str, Gates, Testbed], tmp_path: Path
) -> None:
    url, gates, bed = gated_testbed
    prefix = f"mwfault-{uuid.uuid4().hex[:8]}-"
    env = {
        **os.environ,
        "MARKWATCH_DATA_DIR": str(tmp_path / "data"),
        "MARKWATCH_INDEX": "elasticsearch",
        "MARKWATCH_ES_URL": es_node.url,
        "MARKWATCH_ES_PREFIX": prefix,
        "MARKWATCH_IMAGES": "0",  # photos are not what this test is about
    }
    log = (tmp_path / "crawl.log").open("w")
    crawl = subprocess.Popen(
        [sys.executable, "-m", "markwatch.cli", "crawl", "taobao", "-a", f"base_url={url}",
         "-s", "LOG_LEVEL=INFO"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    spool_path = tmp_path / "data" / "es-spool.sqlite3"
    try:
        wait_for(lambda: gates.waiting_at(0), 180, "the crawl to reach gate 1")
        es_node.kill()
        gates.opened[0].set()
        wait_for(lambda: gates.waiting_at(1), 180, "the crawl to reach gate 2")

        def spooled() -> int:
            spool = Spool(spool_path)
            try:
                return len(spool)
            finally:
                spool.close()

        # The flush at 400 listings found the node dead: its writes wait in the spool.
        wait_for(spooled, 60, "writes to reach the spool while Elasticsearch is down")
        es_node.up()
        gates.opened[1].set()
        stdout, _ = crawl.communicate(timeout=300)
    finally:
        if crawl.poll() is None:
            crawl.kill()
        log.close()
    stderr = (tmp_path / "crawl.log").read_text()
    assert crawl.returncode == 0, stderr[-3000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    truth = sorted(f"taobao:{item.nid}" for item in bed.sites["taobao"])
    assert summary["listings"] == len(truth)
    # The operator was told, in plain words, that writes were being spooled.
    assert "Elasticsearch unreachable, spooling writes" in stderr

    ids = _alias_ids(es_node.url, f"{prefix}listings")
    assert len(ids) == len(set(ids)), "a listing was indexed twice"
    assert ids == truth, "listings lost or invented"
    assert spooled() == 0, "writes left behind in the spool"
