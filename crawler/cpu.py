"""CPU a crawl used, as stats: the crawl process and its worker processes.

`markwatch/cpu_seconds` is the crawl process's user and system CPU from spider open to
spider close; `markwatch/cpu_seconds_workers` is the CPU of the child processes that
ended in that time (the detection, photo and writer workers are joined when the item
pipelines close, before the spider-closed signal). Beside the run's duration they tell a
crawl short of CPU from one that waits on the network or a store. With several spiders in
one process the figures cover the process, not one spider.

MARKWATCH_CPU_STATS=false turns it off (NotConfigured).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

SETTING = "MARKWATCH_CPU_STATS"
CPU_STAT = "markwatch/cpu_seconds"
WORKERS_STAT = "markwatch/cpu_seconds_workers"


@dataclass(frozen=True, slots=True)
class CpuTimes:
    own: float  # this process, user + system
    children: float  # ended and waited-for child processes, user + system

    @classmethod
    def now(cls) -> CpuTimes:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime)


class CpuStatsExtension:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.opened: CpuTimes | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CpuStatsExtension:
        if not crawler.settings.getbool(SETTING, True):
            raise NotConfigured(f"{SETTING} is off")
        if crawler.stats is None:
            raise NotConfigured("the crawler has no stats collector")
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.opened = CpuTimes.now()

    def spider_closed(self) -> None:
        if self.opened is None:
            return
        now = CpuTimes.now()
        self.stats.set_value(CPU_STAT, round(now.own - self.opened.own, 3))
        self.stats.set_value(WORKERS_STAT, round(now.children - self.opened.children, 3))
