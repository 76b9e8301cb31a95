"""JD: search pages (gl-item cards) -> price endpoint per page -> item pages -> Listing.

The price is not in the HTML: like the browser, we ask the price endpoint for the
page's skus, then merge it into the item page's listing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from scrapy.http import Response

from crawler.parsers import jd as jd_parser
from crawler.parsers.errors import ParseError
from crawler.spiders.common import DEFAULT_BASE_URL
from crawler.stats import report_parse_failure
from detectors.types import Listing

_TOTAL_PAGES = re.compile(r"共\s*<b>\s*(\d+)\s*</b>\s*页")
_MAX_PAGES = 100


class JdSpider(scrapy.Spider):
    name = "jd"

    def __init__(self, base_url: str | None = None, keyword: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.keyword = keyword

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._search(1)

    def _search(self, page: int) -> scrapy.Request:
        url = f"{self.base_url}/jd/search?keyword={quote(self.keyword)}&page={page}"
        return scrapy.Request(url, callback=self.parse_search, cb_kwargs={"page": page})

    def parse_search(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        try:
            cards = jd_parser.parse_search(response.body, response.url)
        except ParseError as exc:
            report_parse_failure(self, response.url, exc)
            return
        if cards:
            skus = ",".join("J_" + c.id.removeprefix("jd:") for c in cards)
            yield scrapy.Request(
                f"{self.base_url}/jd/prices/mgets?skuIds={skus}",
                callback=self.parse_prices,
                cb_kwargs={"cards": cards},
            )
        if page == 1:
            match = _TOTAL_PAGES.search(response.text)
            total = min(int(match.group(1)) if match else 1, _MAX_PAGES)
            for next_page in range(2, total + 1):
                yield self._search(next_page)

    def parse_prices(self, response: Response, cards: list[Listing]) -> Iterator[scrapy.Request]:
        try:
            priced = jd_parser.merge_prices(cards, response.body)
        except ParseError as exc:
            self.logger.error("price endpoint unreadable (%s): items kept without price", exc)
            priced = cards
        for card in priced:
            yield scrapy.Request(card.url, callback=self.parse_item, cb_kwargs={"card": card})

    def parse_item(self, response: Response, card: Listing) -> Iterator[Listing]:
        try:
            item = jd_parser.parse_item(response.body, response.url)
        except ParseError as exc:
            report_parse_failure(self, response.url, exc)
            yield card  # the card alone still names the listing
            return
        merged = dataclasses.replace(
            item,
            url=response.url,
            price=card.price if card.price is not None else item.price,
            seller=dataclasses.replace(item.seller, name=item.seller.name or card.seller.name),
            images=tuple(urljoin(response.url, i) for i in card.images) or item.images,
        )
        yield merged
