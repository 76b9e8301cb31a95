"""The photo download cache stays within MARKWATCH_MEDIA_CACHE_SIZE on a real crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.media import CACHE_ENTRIES_STAT
from testbed.server import TestbedServer
from tests.crawler.scripts import run_script

# One crawl per process: a Twisted reactor starts once per process.
_CRAWL = r"""
import json, sys
from markwatch.crawling import CrawlJob, run_crawls
store, url, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
stats = run_crawls(
    [CrawlJob("taobao", {"base_url": url, "max_pages": 2})],
    None,
    {
        "LOG_LEVEL": "ERROR",
        "ITEM_PIPELINES": {
            "crawler.pipelines.ListingPipeline": 100,
            "crawler.media.ListingImagesPipeline": 250,
        },
        "MARKWATCH_IMAGES_STORE": store,
        "MARKWATCH_MEDIA_CACHE_SIZE": size,
    },
)[0]
print(json.dumps({k: v for k, v in stats.items() if isinstance(v, int)}))
"""


@pytest.mark.parametrize("size", [0, 5])
def test_media_cache_is_bounded_and_every_photo_is_stored(tmp_path: Path, size: int) -> None:
    with TestbedServer(kind="asgi") as bed:
        stats = run_script(_CRAWL, str(tmp_path / "images"), bed.url, str(size))
    listings = 2 * 44
    assert stats["item_scraped_count"] == listings
    # Every listing's photo is fetched and stored (one each on the replica) ...
    assert stats["file_status_count/downloaded"] == listings
    assert len(list((tmp_path / "images").rglob("*.jpg"))) == listings
    # ... and the cache keeps no more than asked (Scrapy's own keeps all 88).
    assert stats[CACHE_ENTRIES_STAT] == size
