"""The crawl's CPU as stats: its own process, and the worker processes it ended."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.cpu import CPU_STAT, SETTING, WORKERS_STAT, CpuStatsExtension

_BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_own_and_worker_cpu_between_open_and_close() -> None:
    crawler = get_crawler()
    assert crawler.stats is not None
    extension = CpuStatsExtension.from_crawler(crawler)
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


def test_off_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        CpuStatsExtension.from_crawler(get_crawler(settings_dict={SETTING: False}))
