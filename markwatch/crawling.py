"""Run Scrapy crawls in-process with the MarkWatch components plugged in."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler.components import PipelineComponents, inject
from crawler.openapi import credentials
from crawler.sessions import DIR_SETTING as SESSIONS_SETTING
from markwatch.settings import Settings

PIPELINE_SWITCH_INTERVAL_S = 0.0005


@dataclass(frozen=True)
class CrawlJob:
    spider: str
    kwargs: Mapping[str, Any]


def crawl_overrides(settings: Settings, *, screenshots: bool | None = None) -> dict[str, Any]:
    """Scrapy settings that plug a crawl into MarkWatch's data directory."""
    evidence = settings.evidence
    if screenshots is not None:
        evidence = dataclasses.replace(evidence, screenshots=screenshots)
    return {
        "MARKWATCH_IMAGES_STORE": str(settings.data_dir / "images"),
        "MARKWATCH_ALLOWED_HOSTS": list(settings.allowed_hosts),
        # [platforms.*] app keys; their repr hides key and secret from Scrapy's settings log.
        credentials.SETTING: credentials.from_config(settings.section("platforms")),
        SESSIONS_SETTING: str(settings.data_dir / "sessions"),  # `markwatch login` writes there
        "MARKWATCH_DATA_DIR": str(settings.data_dir),
        "MARKWATCH_COOKIES_FILE": str(settings.cookies_file or ""),
        "MARKWATCH_PROXY": settings.proxy,
        "MARKWATCH_INCREMENTAL": settings.incremental,
        **evidence.scrapy_settings(settings.evidence_dir),
    }


def scrapy_settings(overrides: Mapping[str, Any] | None = None) -> ScrapySettings:
    settings = ScrapySettings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawls(
    jobs: Sequence[CrawlJob],
    components: PipelineComponents | None,
    overrides: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run the jobs concurrently in one reactor; return each crawler's stats."""
    process = CrawlerProcess(scrapy_settings(overrides))
    crawlers = []
    for job in jobs:
        crawler = process.create_crawler(job.spider)
        if components is not None:
            inject(crawler, components)  # the explicit in-process override
        crawlers.append(crawler)
        process.crawl(crawler, **dict(job.kwargs))
    # The pipelines' worker threads (index, alerts, photos) run Python; after each socket
    # call the reactor thread then waits up to the switch interval for the GIL (5 ms by
    # default). A shorter one gives it back sooner: ~15% faster full crawls (bench crawl).
    switch = sys.getswitchinterval()
    if components is not None:
        sys.setswitchinterval(min(switch, PIPELINE_SWITCH_INTERVAL_S))
    try:
        process.start()
    finally:
        sys.setswitchinterval(switch)
    return [dict(c.stats.get_stats()) if c.stats else {} for c in crawlers]
