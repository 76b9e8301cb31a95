"""Adding a site by YAML profile alone: a profile written here (no Python) crawls the
吉林特产商城 replica completely; incremental re-crawls drop unchanged listings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from testbed.server import TestbedServer

PROFILE = r"""
name: jilin-specialties
platform: jltc
start_urls: ["/jlshop/list?page=1"]
follow: ".pager a.next"
items:
  - css: "ul.goods-list a.goods-link"
    allow: ['/goods/\d+\.html']
fields:
  id: {regex: 'data-goods-id="(\d+)"'}
  title: {xpath: "//h1[@class='goods-name']/text()"}
  price: {css: ".goods-price .num::text"}
  seller: ".shop-name::text"
  location: ".shop-location::text"
  description: {json: "description", json_var: 'application/ld\+json">'}
  images: "#gallery img"
rate_limit: {concurrency: 4, delay: 0}
max_depth: 6
"""


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "jilin.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def test_a_new_site_is_crawled_completely_from_its_yaml_profile(
    bed: TestbedServer, crawl: Callable[..., Any], profile: Path
) -> None:
    result = crawl("profile", f"profile={profile}", f"base_url={bed.url}")
    listings = {i.nid: i for i in bed.bed.sites["jlshop"]}
    crawled = result.by_id()
    assert sorted(crawled) == sorted(f"jltc:{nid}" for nid in listings)
    for item_id, got in crawled.items():
        truth = listings[item_id.removeprefix("jltc:")]
        assert (got["title"], got["price"], got["seller"]["name"]) == (
            truth.title, truth.price, truth.nick,
        )  # fmt: skip
        assert got["description"] == truth.description  # JMESPath into the JSON-LD
        # Lazy images: the real URL from data-lazy-img, not the blank.gif placeholder.
        assert got["images"] == [f"{bed.url}/jlshop/img/{truth.nid}.jpg"]
    assert httpx.get(next(iter(crawled.values()))["images"][0]).status_code == 200


def test_incremental_recrawl_skips_unchanged_listings(
    bed: TestbedServer, crawl: Callable[..., Any], tmp_path: Path
) -> None:
    # A bare `scrapy crawl` takes MarkWatch's options as Scrapy settings (-s).
    options = {"MARKWATCH_INCREMENTAL": "1", "MARKWATCH_DATA_DIR": str(tmp_path / "data")}
    args = ("profile=jlshop", f"base_url={bed.url}")
    first = crawl("profile", *args, settings=options)
    assert len(first.items) == len(bed.bed.sites["jlshop"])
    second = crawl("profile", *args, settings=options)
    assert second.items == []  # nothing changed: nothing reaches detection again
    assert (tmp_path / "data" / "crawl" / "content_hashes.sqlite3").exists()


def test_proxy_setting_routes_requests_through_the_proxy(
    bed: TestbedServer, crawl: Callable[..., Any]
) -> None:
    # The testbed answers absolute-form request lines too, so it can stand in as the proxy.
    with TestbedServer() as proxy:
        crawl("profile", "profile=jlshop", f"base_url={bed.url}",
              settings={"MARKWATCH_PROXY": proxy.url}, log_level="WARNING")  # fmt: skip
        proxied = [e.target for e in proxy.log.entries()]
    assert proxied and all(t.startswith(f"{bed.url}/") for t in proxied)
    assert bed.log.entries() == []
