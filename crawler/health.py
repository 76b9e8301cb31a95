"""Crawl health: declarative checks on a run's stats that catch layout changes and blocking.

`evaluate()` is pure (stats + the item counts of previous runs + thresholds -> report) so
it is easy to test and reuse; `CrawlHealthExtension` feeds it from Scrapy at spider close,
logs every failed check as an operator alert and, when MARKWATCH_RUN_REPORT names a file,
writes the run's stats and health there (the scheduler stores them in the crawl history).

Checks (Spidermon-style):
- items: fewer than `min_item_ratio` x the median of previous runs (a layout change
  typically yields pages but no items); skipped until `min_history` runs exist;
- error_rate: ERROR log lines and download exceptions per request;
- http_4xx / http_5xx / http_429 shares of responses (429 and 403 storms mean "blocked");
- parse_failures: pages a spider could not parse (the `markwatch/parse_failures` stat,
  counted by crawler.stats.report_parse_failure).
"""

from __future__ import annotations

import json
import logging
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from crawler.stats import PARSE_FAILURES

logger = logging.getLogger(__name__)

REPORT_SETTING = "MARKWATCH_RUN_REPORT"
BASELINE_SETTING = "MARKWATCH_HEALTH_BASELINE"  # comma-separated item counts of past runs
FATAL_STAT = "markwatch/fatal"  # one line that ends the crawl: `markwatch crawl` exits 1
SESSION_STAT = "markwatch/session_expired"  # the platform whose session ran out


@dataclass(frozen=True)
class HealthThresholds:
    min_item_ratio: float = 0.5
    min_history: int = 3
    max_error_rate: float = 0.05
    max_4xx_share: float = 0.10
    max_5xx_share: float = 0.05
    max_429_share: float = 0.02
    max_parse_failures: int = 0

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> HealthThresholds:
        unknown = set(table) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown [health] keys: {sorted(unknown)}")
        return cls(**dict(table))

    @classmethod
    def from_scrapy(cls, settings: BaseSettings) -> HealthThresholds:
        return cls.from_mapping(settings.getdict("MARKWATCH_HEALTH_THRESHOLDS"))


@dataclass(frozen=True)
class RunStats:
    requests: int = 0
    responses: int = 0
    items: int = 0
    errors: int = 0  # ERROR log lines + download exceptions
    status_counts: Mapping[int, int] = field(default_factory=dict)
    parse_failures: int = 0
    session_expired: str = ""  # platform name, when a session-gated page turned us away

    @classmethod
    def from_scrapy(cls, stats: Mapping[str, Any], parse_failures: int | None = None) -> RunStats:
        prefix = "downloader/response_status_count/"
        statuses = {
            int(k[len(prefix) :]): int(v)
            for k, v in stats.items()
            if k.startswith(prefix) and k[len(prefix) :].isdigit()
        }
        return cls(
            requests=int(stats.get("downloader/request_count", 0)),
            responses=int(stats.get("downloader/response_count", 0)),
            items=int(stats.get("item_scraped_count", 0)),
            errors=int(stats.get("log_count/ERROR", 0))
            + int(stats.get("downloader/exception_count", 0)),
            status_counts=statuses,
            session_expired=str(stats.get(SESSION_STAT) or ""),
            parse_failures=(
                int(stats.get(PARSE_FAILURES, 0)) if parse_failures is None else parse_failures
            ),
        )

    def share(self, low: int, high: int) -> float:
        hits = sum(n for code, n in self.status_counts.items() if low <= code <= high)
        return hits / self.responses if self.responses else 0.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    value: float
    limit: float
    message: str


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def alert(self, spider: str) -> OperatorAlert | None:
        if self.ok:
            return None
        return OperatorAlert(
            spider=spider,
            checks=tuple(c.name for c in self.failed),
            message="; ".join(c.message for c in self.failed),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


@dataclass(frozen=True)
class OperatorAlert:
    """For the people running the crawler, not for rights holders."""

    spider: str
    checks: tuple[str, ...]
    message: str
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def evaluate(
    stats: RunStats, previous_items: Sequence[int], thresholds: HealthThresholds
) -> HealthReport:
    t = thresholds
    checks: list[CheckResult] = []
    if len(previous_items) >= t.min_history:
        median = float(statistics.median(previous_items))
        floor = median * t.min_item_ratio
        checks.append(
            CheckResult(
                "items",
                stats.items >= floor,
                stats.items,
                floor,
                f"{stats.items} items, previous runs' median {median:g} (layout changed?)",
            )
        )
    error_rate = stats.errors / stats.requests if stats.requests else 0.0
    checks.append(
        CheckResult(
            "error_rate",
            error_rate <= t.max_error_rate,
            error_rate,
            t.max_error_rate,
            f"error rate {error_rate:.0%}",
        )
    )
    for name, low, high, limit, why in (
        ("http_429", 429, 429, t.max_429_share, "rate limited: we are being blocked"),
        ("http_4xx", 400, 499, t.max_4xx_share, "blocked or pages gone"),
        ("http_5xx", 500, 599, t.max_5xx_share, "site failing"),
    ):
        share = stats.share(low, high)
        checks.append(
            CheckResult(name, share <= limit, share, limit, f"{name[5:]} share {share:.0%} ({why})")
        )
    checks.append(
        CheckResult(
            "parse_failures",
            stats.parse_failures <= t.max_parse_failures,
            stats.parse_failures,
            t.max_parse_failures,
            f"{stats.parse_failures} pages failed to parse (layout changed?)",
        )
    )
    if stats.session_expired:
        checks.append(CheckResult("session", False, 1, 0, expired_message(stats.session_expired)))
    return HealthReport(tuple(checks))


def expired_message(platform: str) -> str:
    return f"session expired: run markwatch login {platform}"


class CrawlHealthExtension:
    """Scrapy extension; on when MARKWATCH_RUN_REPORT or MARKWATCH_HEALTH_ENABLED is set."""

    def __init__(
        self,
        crawler: Crawler,
        thresholds: HealthThresholds,
        baseline: Sequence[int],
        report_path: Path | None,
    ) -> None:
        self.crawler = crawler
        self.thresholds = thresholds
        self.baseline = tuple(baseline)
        self.report_path = report_path
        self.started = datetime.now(UTC)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlHealthExtension:
        settings = crawler.settings
        report = settings.get(REPORT_SETTING)
        if not report and not settings.getbool("MARKWATCH_HEALTH_ENABLED"):
            raise NotConfigured  # off by default: no message, so Scrapy logs no warning
        raw = str(settings.get(BASELINE_SETTING) or "")
        baseline = [int(x) for x in raw.split(",") if x.strip()]
        return cls(
            crawler,
            HealthThresholds.from_scrapy(settings),
            baseline,
            Path(report) if report else None,
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        raw = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        stats = RunStats.from_scrapy(raw)
        report = evaluate(stats, self.baseline, self.thresholds)
        alert = report.alert(spider.name)
        if alert is not None:
            logger.error("crawl health alert for %s: %s", spider.name, alert.message)
        if self.crawler.stats:
            self.crawler.stats.set_value("markwatch/health_ok", report.ok)
        if self.report_path is not None:
            self._write(spider.name, reason, stats, report, alert)

    def _write(
        self,
        spider: str,
        reason: str,
        stats: RunStats,
        report: HealthReport,
        alert: OperatorAlert | None,
    ) -> None:
        payload = {
            "spider": spider,
            "reason": reason,
            "started": self.started.isoformat(timespec="seconds"),
            "ended": datetime.now(UTC).isoformat(timespec="seconds"),
            "pages": stats.responses,
            "items": stats.items,
            "errors": stats.errors,
            "stats": {**asdict(stats), "status_counts": dict(stats.status_counts)},
            "health": report.to_dict(),
            "operator_alert": asdict(alert) if alert else None,
        }
        assert self.report_path is not None
        self.report_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.report_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.report_path)
