"""Listing photos: downloaded through Scrapy's files pipeline, with size limits.

Files land under MARKWATCH_IMAGES_STORE named by the SHA-1 of their URL (Scrapy's
default); the item gains `image_files`: [{"url", "path", "checksum"}], which the
detect stage reads. A listing whose images fail still goes on, without them.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.pipelines.files import FilesPipeline

DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_IMAGES_PER_LISTING = 5


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
        return pipeline

    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    max_images: int = DEFAULT_MAX_IMAGES_PER_LISTING

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
