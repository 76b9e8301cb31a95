"""Taobao: search result pages (inline g_page_config) -> item pages -> Listing."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from scrapy.http import Response

from detectors.types import Listing, Seller

DEFAULT_BASE_URL = "http://127.0.0.1:8800"
_PAGE_CONFIG = re.compile(r"g_page_config\s*=\s*(\{.*?\});\s*\n", re.S)
_PAGE_SIZE = 44
_MAX_PAGES = 100  # what s.taobao.com itself serves


class TaobaoSpider(scrapy.Spider):
    name = "taobao"

    def __init__(self, base_url: str | None = None, q: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.query = q

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._search_request(0)

    def _search_request(self, offset: int) -> scrapy.Request:
        url = f"{self.base_url}/taobao/search?q={quote(self.query)}&s={offset}"
        return scrapy.Request(url, callback=self.parse_search, cb_kwargs={"offset": offset})

    def parse_search(self, response: Response, offset: int) -> Iterator[scrapy.Request]:
        match = _PAGE_CONFIG.search(response.text)
        if not match:
            self.logger.error("no g_page_config on %s: layout changed?", response.url)
            return
        config = json.loads(match.group(1))
        mods = config.get("mods", {})
        auctions = mods.get("itemlist", {}).get("data", {}).get("auctions", []) or []
        for auction in auctions:
            url = urljoin(response.url, auction.get("detail_url", ""))
            yield scrapy.Request(url, callback=self.parse_item, cb_kwargs={"auction": auction})
        if offset == 0:
            # Fan out from the first page so pagination depth stays 1 (no long request chain).
            pager = mods.get("pager", {}).get("data", {})
            total = min(int(pager.get("totalPage", 1)), _MAX_PAGES)
            size = int(pager.get("pageSize", _PAGE_SIZE))
            for page in range(1, total):
                yield self._search_request(page * size)

    def parse_item(self, response: Response, auction: dict[str, Any]) -> Iterator[dict[str, Any]]:
        title = response.css("h3.tb-main-title::attr(data-title)").get() or auction.get(
            "raw_title", ""
        )
        price_text = response.css("em.tb-rmb-num::text").get() or auction.get("view_price")
        attributes = [t.strip() for t in response.css("ul.attributes-list li::text").getall()]
        description = " ".join(
            [*response.css("#J_DivItemDesc ::text").getall(), *attributes]
        ).strip()
        quantity = next(
            (a.split(":", 1)[1].strip("\xa0 ") for a in attributes if a.startswith("净含量")), ""
        )
        images = [
            urljoin(response.url, src)
            for src in response.css("#J_UlThumb img::attr(data-src)").getall()
        ]
        nid = str(auction.get("nid", ""))
        listing = Listing(
            id=f"taobao:{nid}",
            platform="taobao",
            url=response.url,
            title=title.strip(),
            description=description,
            price=_price(price_text),
            quantity=quantity,
            seller=Seller(
                name=auction.get("nick") or response.css(".tb-shop-name a::attr(title)").get(""),
                location=auction.get("item_loc")
                or response.css("span.tb-deliveryAdd::text").get("").strip(),
                id=str(auction.get("user_id", "")),
            ),
            images=tuple(images),
        )
        yield listing.to_dict()


def _price(text: Any) -> float | None:
    """ "149.00 - 159.00" -> 149.0 (the lowest SKU price); junk -> None."""
    if text is None:
        return None
    match = re.search(r"\d+(?:\.\d+)?", str(text))
    return float(match.group()) if match else None
