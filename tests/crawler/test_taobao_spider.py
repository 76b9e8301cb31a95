"""The Taobao spider, fed saved testbed responses (no network, no reactor)."""

from __future__ import annotations

import httpx
import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.pipelines import ListingPipeline
from crawler.spiders.taobao import TaobaoSpider
from crawler.stats import PARSE_FAILURES
from detectors.types import Listing, Seller
from testbed.server import TestbedServer


def _response(client: httpx.Client, url: str, request: Request | None = None) -> HtmlResponse:
    body = client.get(url).content
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request)


def test_search_page_yields_item_requests_and_fans_out_all_pages() -> None:
    with TestbedServer() as bed, httpx.Client() as client:
        spider = TaobaoSpider(base_url=bed.url)
        first = _response(client, f"{bed.url}/taobao/search?q=&s=0")
        requests = list(spider.parse_search(first, offset=0))
    items = [r for r in requests if "item.htm" in r.url]
    pages = [r for r in requests if "/taobao/search" in r.url]
    assert len(items) == 44
    total = len(bed.bed.listings)
    assert len(pages) == (total + 43) // 44 - 1  # every other page, requested at once


def test_item_page_becomes_a_contract_listing() -> None:
    with TestbedServer() as bed, httpx.Client() as client:
        spider = TaobaoSpider(base_url=bed.url)
        expected = next(i for i in bed.bed.listings if i.category == "gi_genuine")
        card = Listing(
            id=f"taobao:{expected.nid}",
            platform="taobao",
            seller=Seller(expected.nick, expected.location, expected.user_id),
        )
        url = f"{bed.url}/taobao/item.htm?id={expected.nid}"
        (listing,) = list(spider.parse_item(_response(client, url), card=card))
    assert isinstance(listing, Listing)  # the item is the contract dataclass itself
    assert Listing.from_dict(listing.to_dict()) == listing
    assert listing.id == f"taobao:{expected.nid}"
    assert listing.title == expected.title
    assert listing.price == expected.price
    assert listing.seller.location == expected.location
    assert listing.quantity == expected.quantity
    assert "产地" in listing.description


def test_search_page_without_page_config_yields_nothing_and_counts_a_parse_failure() -> None:
    crawler = get_crawler(TaobaoSpider)
    crawler.stats.open_spider()
    spider = TaobaoSpider.from_crawler(crawler, base_url="http://127.0.0.1:9")
    response = HtmlResponse(
        url="http://127.0.0.1:9/taobao/search", body=b"<html>blocked</html>", encoding="utf-8"
    )
    assert list(spider.parse_search(response, offset=0)) == []
    assert crawler.stats.get_value(PARSE_FAILURES) == 1


def test_listing_pipeline_takes_a_listing_or_a_dict() -> None:
    listing = Listing(id="taobao:1", platform="taobao", url="http://x/1", title="长白山人参")
    pipeline = ListingPipeline(None)
    assert pipeline.process_item(listing) == listing.to_dict()
    assert pipeline.process_item(listing.to_dict()) == listing.to_dict()
    with pytest.raises(DropItem, match="invalid listing"):
        pipeline.process_item({"title": "no id"})
