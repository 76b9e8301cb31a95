"""Listing photos: downloaded through Scrapy's files pipeline, with size limits.

Files land under MARKWATCH_IMAGES_STORE named by the SHA-1 of their URL (Scrapy's
default); the item gains `image_files`: [{"url", "path", "checksum"}], which the
detect stage reads. A listing whose images fail still goes on, without them.

Scrapy's media pipelines keep the result of every download for the whole crawl
(`info.downloaded`, scrapy/scrapy#939): one entry per photo, so a long crawl grows by
each photo it fetches. Here that cache keeps the last MARKWATCH_MEDIA_CACHE_SIZE results
(0: none); a photo asked for again after its entry went is not fetched again while the
stored file is fresh (FILES_EXPIRES): the files pipeline checks the store first.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.pipelines.files import FilesPipeline
from scrapy.utils.datatypes import LocalCache

DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_IMAGES_PER_LISTING = 5
# Enough for the photos several listings share (a shop's banner, one product's photo on
# many listings) inside one crawl; a few MB.
DEFAULT_MEDIA_CACHE_SIZE = 10_000
CACHE_ENTRIES_STAT = "markwatch/media_cache_entries"  # at the crawl's end


class ListingImagesPipeline(FilesPipeline):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingImagesPipeline:
        store = crawler.settings.get("MARKWATCH_IMAGES_STORE")
        if not store:
            raise NotConfigured("MARKWATCH_IMAGES_STORE not set: images are not downloaded")
        pipeline = cls(store, crawler=crawler)
        pipeline.max_bytes = crawler.settings.getint(
            "MARKWATCH_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES
        )
        pipeline.max_images = crawler.settings.getint(
            "MARKWATCH_MAX_IMAGES_PER_LISTING", DEFAULT_MAX_IMAGES_PER_LISTING
        )
        cache_size = crawler.settings.getint("MARKWATCH_MEDIA_CACHE_SIZE", DEFAULT_MEDIA_CACHE_SIZE)
        if cache_size < 0:
            raise ValueError(f"MARKWATCH_MEDIA_CACHE_SIZE must be 0 or more, got {cache_size}")
        pipeline.cache_size = cache_size
        return pipeline

    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    max_images: int = DEFAULT_MAX_IMAGES_PER_LISTING
    cache_size: int = DEFAULT_MEDIA_CACHE_SIZE

    def open_spider(self, spider: Any = None) -> None:
        super().open_spider(spider)
        # Bounded, oldest first out (see the module's docstring).
        self.spiderinfo.downloaded = LocalCache(self.cache_size)

    def close_spider(self, spider: Any = None) -> None:
        if self.crawler.stats is not None:
            entries = len(self.spiderinfo.downloaded)
            self.crawler.stats.set_value(CACHE_ENTRIES_STAT, entries)

    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        urls = [u for u in item.get("images", []) if u.startswith(("http://", "https://"))]
        return [
            Request(url, meta={"download_maxsize": self.max_bytes, "download_warnsize": 0})
            for url in urls[: self.max_images]
        ]

    def item_completed(self, results: list[Any], item: Any, info: Any) -> Any:
        item["image_files"] = [
            {"url": result["url"], "path": result["path"], "checksum": result["checksum"]}
            for ok, result in results
            if ok
        ]
        return item
