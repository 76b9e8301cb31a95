"""CPU and memory a crawl used, as stats: the crawl process and its worker processes.

- `markwatch/cpu_seconds`: the crawl process's user and system CPU from spider open to
  spider close;
- `markwatch/cpu_seconds_workers`: the CPU of the child processes that ended in that time
  (the detection, photo and writer workers are joined when the item pipelines close,
  before the spider-closed signal);
- `markwatch/rss_growth_mb_per_1k_items`: how fast the crawl process's resident memory
  grows, the least-squares slope of RSS against items scraped over the second half of the
  crawl (the first half fills the bounded caches: evidence buffer, photo cache); sampled
  every `MARKWATCH_RSS_SAMPLE_ITEMS` items, reported from 8 samples on.

Beside the run's duration the CPU tells a crawl short of CPU from one that waits on the
network or a store; the growth says whether memory stays flat on long crawls. With
several spiders in one process the figures cover the process, not one spider.

MARKWATCH_RESOURCE_STATS=false turns it off (NotConfigured).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Sequence
from dataclasses import dataclass

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

SETTING = "MARKWATCH_RESOURCE_STATS"
SAMPLE_SETTING = "MARKWATCH_RSS_SAMPLE_ITEMS"
CPU_STAT = "markwatch/cpu_seconds"
WORKERS_STAT = "markwatch/cpu_seconds_workers"
GROWTH_STAT = "markwatch/rss_growth_mb_per_1k_items"
MIN_SAMPLES = 8
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20


@dataclass(frozen=True, slots=True)
class CpuTimes:
    own: float  # this process, user + system
    children: float  # ended and waited-for child processes, user + system

    @classmethod
    def now(cls) -> CpuTimes:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime)


def rss_mb() -> float | None:
    """This process's resident memory now (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return None


def growth_per_1k(samples: Sequence[tuple[int, float]]) -> float | None:
    """MB per 1,000 items: the least-squares slope over the second half of the samples."""
    if len(samples) < MIN_SAMPLES:
        return None
    tail = samples[len(samples) // 2 :]
    n = len(tail)
    mean_x = sum(x for x, _ in tail) / n
    mean_y = sum(y for _, y in tail) / n
    spread = sum((x - mean_x) ** 2 for x, _ in tail)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in tail) / spread
    return slope * 1000


class ResourceStatsExtension:
    def __init__(self, stats: StatsCollector, sample_items: int = 500) -> None:
        if sample_items < 1:
            raise ValueError(f"{SAMPLE_SETTING} must be 1 or more, got {sample_items}")
        self.stats = stats
        self.sample_items = sample_items
        self.opened: CpuTimes | None = None
        self.items = 0
        self.samples: list[tuple[int, float]] = []  # (items scraped, RSS MB)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResourceStatsExtension:
        if not crawler.settings.getbool(SETTING, True):
            raise NotConfigured(f"{SETTING} is off")
        if crawler.stats is None:
            raise NotConfigured("the crawler has no stats collector")
        extension = cls(crawler.stats, crawler.settings.getint(SAMPLE_SETTING, 500))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.opened = CpuTimes.now()

    def item_scraped(self) -> None:
        self.items += 1
        if self.items % self.sample_items == 0:
            rss = rss_mb()
            if rss is not None:
                self.samples.append((self.items, rss))

    def spider_closed(self) -> None:
        if self.opened is not None:
            now = CpuTimes.now()
            self.stats.set_value(CPU_STAT, round(now.own - self.opened.own, 3))
            self.stats.set_value(WORKERS_STAT, round(now.children - self.opened.children, 3))
        growth = growth_per_1k(self.samples)
        if growth is not None:
            self.stats.set_value(GROWTH_STAT, round(growth, 3))
