"""The Taobao spider on the shared Redis frontier (several workers, one crawl).

Start it on any number of machines with the same frontier prefix:

    markwatch crawl taobao_redis -a base_url=URL -a q=人参 -a seed=1 \
        -s REDIS_URL=redis://host:6379/0 -s MARKWATCH_FRONTIER=crawl-20240601

`seed=1` pushes the first search page as a JSON request; seeding twice is harmless
(the shared duplicate filter drops the second). Settings default from
`crawler.distributed.redis_settings`; `-s` overrides any of them.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy_redis.spiders import RedisMixin

from crawler.distributed import FrontierConfig, redis_settings
from crawler.spiders.taobao import TaobaoSpider


class TaobaoRedisSpider(RedisMixin, TaobaoSpider):
    name = "taobao_redis"

    def __init__(self, *args: Any, seed: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seed = seed.lower() in ("1", "true", "yes")
        # scrapy-redis sets this at class definition (import time); count from now.
        self.spider_idle_start_time = int(time.time())

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Spider priority: a `-s` on the command line still wins.
        settings.setdict(redis_settings(FrontierConfig.from_scrapy(settings)), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> TaobaoRedisSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup_redis(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # scrapy-redis still reads start URLs in start_requests(), which Scrapy >= 2.16
        # no longer calls.
        if self.seed and self.server is not None:
            first = self._search_request(0)
            self.server.rpush(str(self.redis_key), json.dumps({"url": first.url}))
        for request in self.next_requests():
            yield request

    def make_request_from_data(self, data: bytes) -> scrapy.Request | None:
        try:
            url = json.loads(data)["url"]
        except (ValueError, KeyError, TypeError):
            self.logger.error("bad start request in Redis: %r", data[:200])
            return None
        query = parse_qs(urlsplit(url).query)
        offset = int(query.get("s", ["0"])[0] or 0)
        # Filtered (unlike scrapy-redis' default) so a repeated seed is not refetched.
        return scrapy.Request(url, callback=self.parse_search, cb_kwargs={"offset": offset})
