"""Run Scrapy crawls in-process with the MarkWatch components plugged in."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler.components import SETTING, PipelineComponents
from crawler.evidence.config import EvidenceConfig
from crawler.openapi import credentials
from crawler.sessions import DIR_SETTING as SESSIONS_SETTING
from markwatch.settings import Settings


@dataclass(frozen=True)
class CrawlJob:
    spider: str
    kwargs: Mapping[str, Any]


def crawl_overrides(settings: Settings, *, screenshots: bool | None = None) -> dict[str, Any]:
    """Scrapy settings that plug a crawl into MarkWatch's data directory."""
    evidence = EvidenceConfig.from_mapping(settings.section("evidence")).with_env(os.environ)
    if screenshots is not None:
        evidence = dataclasses.replace(evidence, screenshots=screenshots)
    return {
        "MARKWATCH_IMAGES_STORE": str(settings.data_dir / "images"),
        "MARKWATCH_ALLOWED_HOSTS": list(settings.allowed_hosts),
        # [platforms.*] app keys; their repr hides key and secret from Scrapy's settings log.
        credentials.SETTING: credentials.from_config(settings.section("platforms")),
        SESSIONS_SETTING: str(settings.data_dir / "sessions"),  # `markwatch login` writes there
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
    settings = scrapy_settings(overrides)
    if components is not None:
        settings.set(SETTING, components, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for job in jobs:
        crawler = process.create_crawler(job.spider)
        crawlers.append(crawler)
        process.crawl(crawler, **dict(job.kwargs))
    process.start()
    return [dict(c.stats.get_stats()) if c.stats else {} for c in crawlers]
