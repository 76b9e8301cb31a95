"""Index and alert writes in a writer process give what writes on threads give."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.pool import SETTING as POOL_SETTING
from crawler.writer import SETTING as WRITER_SETTING
from testbed.server import TestbedServer
from tests.crawler.scripts import run_script

# One crawl per process: a Twisted reactor starts once per process.
_CRAWL = r"""
import dataclasses, json, sys
from pathlib import Path
from crawler.components import PipelineComponents
from markwatch.compose import services
from markwatch.crawling import CrawlJob, run_crawls
from markwatch.settings import load_settings
data_dir, url, overrides = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
settings = dataclasses.replace(load_settings(environ={}), data_dir=data_dir)
with services(settings) as svc:
    components = PipelineComponents(svc.detector, svc.index, svc.alerts, stores=svc.stores)
    stats = run_crawls(
        [CrawlJob("taobao", {"base_url": url, "max_pages": 3})],
        components,
        {"LOG_LEVEL": "ERROR", **overrides},
    )[0]
    print(json.dumps({
        "alerts": sorted([a.listing_id, a.mark, a.verdict] for a in svc.alerts.alerts()),
        "indexed": svc.index.count(),
        "counted": components.counters.alerts,
        "listings": components.counters.listings,
        "errors": stats.get("log_count/ERROR", 0),
        "batches": stats.get("markwatch/alert_batches", 0),
        "pooled": stats.get("markwatch/detect_pooled", 0),
    }))
"""


def _crawl(data_dir: Path, url: str, overrides: dict[str, Any]) -> dict[str, Any]:
    return run_script(_CRAWL, str(data_dir), url, json.dumps(overrides))


def test_writer_process_and_pool_write_what_the_threads_write(tmp_path: Path) -> None:
    with TestbedServer(kind="asgi") as bed:
        bed.prerender()
        threads = _crawl(tmp_path / "threads", bed.url, {WRITER_SETTING: False, POOL_SETTING: 0})
        process = _crawl(tmp_path / "process", bed.url, {WRITER_SETTING: True, POOL_SETTING: 1})
    assert threads["errors"] == process["errors"] == 0
    assert threads["listings"] == process["listings"] == 3 * 44
    assert process["alerts"] == threads["alerts"] and threads["alerts"]
    assert process["indexed"] == threads["indexed"] == 3 * 44
    assert process["counted"] == threads["counted"] == len(threads["alerts"])
    assert 0 < threads["batches"] < len(threads["alerts"])  # batched, not one per listing
    assert threads["pooled"] == 0
