"""Taobao: search result pages (inline g_page_config) -> item pages -> Listing.

Parsing lives in crawler.parsers.taobao (tested on real saved pages); the spider
only walks the site and merges what the search card and the item page each know.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from scrapy.http import Response

from crawler.parsers import taobao as taobao_parser
from crawler.parsers.common import dig, embedded_json
from crawler.parsers.errors import ParseError
from crawler.spiders.common import DEFAULT_BASE_URL
from crawler.stats import report_parse_failure
from detectors.types import Listing

_PAGE_CONFIG = re.compile(r"g_page_config\s*=\s*")
_PAGE_SIZE = 44
_MAX_PAGES = 100  # what s.taobao.com itself serves
_QUANTITY_KEYS = ("净含量", "规格", "重量")


class TaobaoSpider(scrapy.Spider):
    name = "taobao"

    def __init__(
        self,
        base_url: str | None = None,
        q: str = "",
        max_pages: str | int = _MAX_PAGES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.query = q
        # s.taobao.com stops at 100 pages; the replica can serve more for load tests.
        self.max_pages = int(max_pages)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._search_request(0)

    def _search_request(self, offset: int) -> scrapy.Request:
        url = f"{self.base_url}/taobao/search?q={quote(self.query)}&s={offset}"
        return scrapy.Request(url, callback=self.parse_search, cb_kwargs={"offset": offset})

    def item_url(self, listing_id: str) -> str:
        return f"{self.base_url}/taobao/item.htm?id={listing_id.removeprefix('taobao:')}"

    def parse_search(self, response: Response, offset: int) -> Iterator[scrapy.Request]:
        try:
            cards = taobao_parser.parse_search(response.body, response.url)
        except ParseError as exc:
            report_parse_failure(self, response.url, exc, " (layout changed?)")
            return
        for card in cards:
            card = dataclasses.replace(
                card, images=tuple(urljoin(response.url, i) for i in card.images)
            )
            yield scrapy.Request(
                self.item_url(card.id), callback=self.parse_item, cb_kwargs={"card": card}
            )
        if offset == 0:
            # Fan out from the first page so pagination depth stays 1 (no long request chain).
            config = embedded_json(response.text, _PAGE_CONFIG)
            pager = dig(config, "mods", "pager", "data") or {}
            total = min(int(pager.get("totalPage", 1)), self.max_pages)
            size = int(pager.get("pageSize", _PAGE_SIZE))
            for page in range(1, total):
                yield self._search_request(page * size)

    def parse_item(self, response: Response, card: Listing) -> Iterator[Listing]:
        try:
            item = taobao_parser.parse_item(response.body, response.url)
        except ParseError as exc:
            report_parse_failure(self, response.url, exc)
            yield card
            return
        details = " ".join(t.strip() for t in response.css("#J_DivItemDesc ::text").getall())
        attributes = [a.replace("\xa0", " ") for a in item.description.split("; ")]
        quantity = next(
            (
                a.split(":", 1)[1].strip()
                for a in attributes
                if ":" in a and a.split(":", 1)[0].strip() in _QUANTITY_KEYS
            ),
            "",
        )
        location = card.seller.location or response.css("span.tb-deliveryAdd::text").get("")
        merged = dataclasses.replace(
            item,
            url=response.url,
            title=item.title or card.title,
            description=" ".join(p for p in (details, item.description) if p),
            price=item.price if item.price is not None else card.price,
            quantity=quantity,
            seller=dataclasses.replace(
                card.seller,
                name=card.seller.name or item.seller.name,
                location=location.strip(),
            ),
            images=tuple(urljoin(response.url, i) for i in item.images) or card.images,
        )
        yield merged
