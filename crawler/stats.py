"""Crawl statistics MarkWatch adds to Scrapy's own (read by the health extension)."""

from __future__ import annotations

from scrapy import Spider

PARSE_FAILURES = "markwatch/parse_failures"


def report_parse_failure(spider: Spider, url: str, exc: Exception, hint: str = "") -> None:
    """A page the spider could not parse: logged for people, counted for the health check."""
    spider.logger.error("parse failure on %s%s: %s", url, hint, exc)
    crawler = getattr(spider, "crawler", None)  # absent when a test builds the spider bare
    if crawler is not None and crawler.stats is not None:
        crawler.stats.inc_value(PARSE_FAILURES)
