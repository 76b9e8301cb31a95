"""The crawl's CPU and memory growth as stats: its own process, and the workers it ended."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.resources import (
    CPU_STAT,
    GROWTH_STAT,
    SETTING,
    WORKERS_STAT,
    ResourceStatsExtension,
    growth_per_1k,
)
from tests.crawler.scripts import run_script

_BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_own_and_worker_cpu_between_open_and_close() -> None:
    crawler = get_crawler()
    assert crawler.stats is not None
    extension = ResourceStatsExtension.from_crawler(crawler)
    _burn(0.1)  # before the spider opens: not counted
    started = time.process_time()
    extension.spider_opened()
    _burn(0.3)
    subprocess.run([sys.executable, "-c", _BURN.format(s=0.4)], check=True)
    extension.spider_closed()
    own = crawler.stats.get_value(CPU_STAT)
    workers = crawler.stats.get_value(WORKERS_STAT)
    assert 0.3 <= own <= time.process_time() - started + 0.01
    assert workers >= 0.4
    assert crawler.stats.get_value(GROWTH_STAT) is None  # no items, no samples


# In a fresh interpreter: a process that has run other tests has freed heap to reuse,
# and its RSS would not grow.
_GROWING = r"""
import json
from scrapy.utils.test import get_crawler
from crawler.resources import GROWTH_STAT, ResourceStatsExtension
crawler = get_crawler(settings_dict={"MARKWATCH_RSS_SAMPLE_ITEMS": 100})
extension = ResourceStatsExtension.from_crawler(crawler)
extension.spider_opened()
kept = []
page = bytes(range(256)) * 80  # 20 KB, written: resident once copied
for _ in range(2000):
    kept.append(bytearray(page))  # 20 MB per 1,000 items
    extension.item_scraped()
extension.spider_closed()
print(json.dumps({
    "growth": crawler.stats.get_value(GROWTH_STAT), "samples": len(extension.samples),
    "kept": len(kept),
}))
"""


def test_memory_growth_is_measured_while_items_are_scraped() -> None:
    out = run_script(_GROWING)
    assert out["samples"] == 20 and out["kept"] == 2000
    assert 15 <= out["growth"] <= 25, out


def test_growth_is_the_slope_of_the_second_half() -> None:
    # Warm-up first (a cache filling), then flat: the figure is the flat part's.
    samples = [(i * 500, 100.0 + min(i, 4) * 10.0) for i in range(1, 17)]
    assert growth_per_1k(samples) == pytest.approx(0.0)
    rising = [(i * 1000, 200.0 + 0.5 * i) for i in range(1, 17)]
    assert growth_per_1k(rising) == pytest.approx(0.5)
    assert growth_per_1k(rising[:7]) is None  # too few samples to tell


def test_off_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        ResourceStatsExtension.from_crawler(get_crawler(settings_dict={SETTING: False}))
