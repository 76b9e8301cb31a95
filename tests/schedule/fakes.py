"""A controllable clock and a crawl that ends when a test says so, for the scheduler tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markwatch.scheduler import CrawlOutcome

T0 = datetime(2026, 3, 1, 10, 2, tzinfo=UTC)


@dataclass
class FakeClock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at += timedelta(**kwargs)


@dataclass
class FakeCrawl:
    outcome: CrawlOutcome | None = None

    def poll(self) -> CrawlOutcome | None:
        return self.outcome
