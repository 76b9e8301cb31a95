"""Crawl health checks: which checks fail for a blocked crawl, a changed layout, a good run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.health import CrawlHealthExtension, HealthThresholds, RunStats, evaluate
from crawler.stats import PARSE_FAILURES, report_parse_failure

HEALTHY = {
    "downloader/request_count": 700,
    "downloader/response_count": 700,
    "downloader/response_status_count/200": 700,
    "item_scraped_count": 620,
}
PAST = [610, 620, 625]


def _stats(**changes: Any) -> dict[str, Any]:
    return {**HEALTHY, **changes}


@pytest.mark.parametrize(
    ("case", "stats", "parse_failures", "failing"),
    [
        ("healthy run", _stats(), 0, set()),
        (
            "blocked: 429 storm",
            _stats(
                **{
                    "downloader/response_status_count/200": 400,
                    "downloader/response_status_count/429": 300,
                    "item_scraped_count": 380,
                }
            ),
            0,
            {"http_429", "http_4xx"},
        ),
        (
            "blocked: 403 wall",
            _stats(
                **{
                    "downloader/response_status_count/200": 30,
                    "downloader/response_status_count/403": 670,
                    "item_scraped_count": 0,
                }
            ),
            0,
            {"http_4xx", "items"},
        ),
        (
            "site down: 5xx and download errors",
            _stats(
                **{
                    "downloader/response_status_count/200": 500,
                    "downloader/response_status_count/503": 200,
                    "downloader/exception_count": 90,
                    "item_scraped_count": 600,
                }
            ),
            0,
            {"http_5xx", "error_rate"},
        ),
        (
            "layout changed: pages but no items",
            _stats(item_scraped_count=3, **{"log_count/ERROR": 15}),
            15,
            {"items", "parse_failures"},
        ),
    ],
)
def test_checks_that_fail(
    case: str, stats: dict[str, Any], parse_failures: int, failing: set[str]
) -> None:
    report = evaluate(RunStats.from_scrapy(stats, parse_failures), PAST, HealthThresholds())
    assert {c.name for c in report.failed} == failing, case
    alert = report.alert("taobao")
    assert (alert is None) == (not failing)
    if alert:
        assert set(alert.checks) == failing and alert.message


def test_item_count_check_waits_for_enough_history() -> None:
    stats = RunStats.from_scrapy(_stats(item_scraped_count=1))
    assert "items" not in {c.name for c in evaluate(stats, [600], HealthThresholds()).checks}
    assert "items" in {c.name for c in evaluate(stats, PAST, HealthThresholds()).failed}


def test_thresholds_come_from_config_and_reject_typos() -> None:
    assert HealthThresholds.from_mapping({"max_429_share": 0.5}).max_429_share == 0.5
    with pytest.raises(ValueError, match="max_429_shar"):
        HealthThresholds.from_mapping({"max_429_shar": 0.5})


def test_extension_counts_parse_failures_and_writes_the_run_report(tmp_path: Path) -> None:
    report_path = tmp_path / "run.json"
    crawler = get_crawler(
        Spider,
        {"MARKWATCH_RUN_REPORT": str(report_path), "MARKWATCH_HEALTH_BASELINE": "600,610,620"},
    )
    crawler.stats.open_spider()
    extension = CrawlHealthExtension.from_crawler(crawler)
    spider = Spider(name="taobao_healthtest")
    spider.crawler = crawler
    for key, value in _stats(item_scraped_count=0).items():
        crawler.stats.set_value(key, value)
    report_parse_failure(spider, "http://x", ValueError("no g_page_config"))
    assert crawler.stats.get_value(PARSE_FAILURES) == 1
    extension.spider_closed(spider, "finished")

    written = json.loads(report_path.read_text())
    assert written["items"] == 0 and written["pages"] == 700
    failed = {c["name"] for c in written["health"]["checks"] if not c["ok"]}
    assert failed == {"items", "parse_failures"}
    assert written["operator_alert"]["spider"] == "taobao_healthtest"


def test_extension_is_off_unless_configured() -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        CrawlHealthExtension.from_crawler(get_crawler(Spider, {}))
