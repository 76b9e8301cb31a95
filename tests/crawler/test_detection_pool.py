"""Detection in worker processes gives the findings detection on the reactor thread gives."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from alerts.store import AlertStore
from crawler.components import PipelineComponents
from crawler.parsers import taobao as taobao_parser
from crawler.pool import SETTING, DetectionPool, default_processes
from detectors import Detector, load_catalog
from detectors.types import Finding, ImageEvidence, Listing
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from testbed import taobao
from testbed.server import Testbed

WORKER_START_S = 120.0


def _listings() -> list[Listing]:
    bed = Testbed.build()
    return [
        taobao_parser.parse_item(
            taobao.item_page(item).encode("utf-8"),
            f"http://127.0.0.1/taobao/item.htm?id={item.nid}",
        )
        for item in bed.listings[:240]
    ]


async def _pooled(pool: DetectionPool, jobs: list[tuple[Listing, tuple[ImageEvidence, ...]]]):
    return await asyncio.gather(*(pool.detect(listing, images) for listing, images in jobs))


def test_pooled_findings_are_the_inline_findings() -> None:
    detector = Detector(load_catalog())
    listings = _listings()
    photo = ImageEvidence(image="http://127.0.0.1/taobao/img/1.jpg", ocr_text="长白山人参 正宗")
    jobs = [(listing, (photo,) if n % 5 == 0 else ()) for n, listing in enumerate(listings)]
    inline: list[Finding] = [detector.detect(listing, images=images) for listing, images in jobs]
    assert any(f.verdict != "clear" for f in inline)
    pool = DetectionPool(detector, 1, batch_size=16)
    pool._users = 1
    try:
        pool._started[0].result(timeout=WORKER_START_S)  # waits for the worker, no sleep
        assert pool.ready
        pooled = asyncio.run(_pooled(pool, jobs))
    finally:
        pool.close()
    assert pooled == inline
    assert (pool.pooled, pool.inline) == (len(jobs), 0)
    assert pool.batches >= len(jobs) // 16


def test_default_processes_leave_the_reactor_a_cpu() -> None:
    assert [default_processes(n) for n in (1, 2, 3, 8, 64)] == [0, 1, 2, 4, 4]


def test_pool_off_is_not_configured(tmp_path: Path) -> None:
    components = PipelineComponents(
        Detector(load_catalog()),
        SqliteIndex(tmp_path / "index.sqlite3", Tokenizer()),
        AlertStore(tmp_path / "alerts.sqlite3"),
    )
    crawler = get_crawler(settings_dict={SETTING: 0})
    with pytest.raises(NotConfigured):
        DetectionPool.from_crawler(crawler, components)
