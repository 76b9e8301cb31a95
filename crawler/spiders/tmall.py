"""Tmall: shop item list ("load more" XHR with a cursor) -> PC item page (GBK, sometimes
mislabelled) -> H5 detail API (live price, ship-from) -> Listing.

Item pages behind the login wall need a session: the one `markwatch login tmall` stored
(a Taobao account's), or cookies given as MARKWATCH_COOKIES_FILE. Without one the listing
is still emitted from the list card and the H5 API, minus the attributes only the item
page shows, and the wall is counted in the crawl stats.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from parsel import Selector
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.encoding import decode_html
from crawler.keywords import parse_keywords_arg
from crawler.parsers import tmall as tmall_parser
from crawler.parsers.common import as_dict, embedded_json, load_json, text_of
from crawler.parsers.errors import ParseError
from crawler.sessions import use_session
from crawler.spiders.common import DEFAULT_BASE_URL
from crawler.spiders.lazy_images import image_urls
from crawler.stats import report_parse_failure
from detectors.types import Listing

_LIST_CONFIG = re.compile(r"__ITEMLIST_CONFIG__\s*=\s*")
_MAX_PAGES = 100  # "load more" clicks per keyword; a shop rarely shows more
_PAGE_SIZE = 20
LOGIN_MARKERS = ("login.htm", "login.taobao.com", "login.tmall.com")
_QUANTITY = re.compile(r"(?:净含量|规格|重量)\s*[:：]\s*([^;；]+)")


def is_login_page(response: Response) -> bool:
    """A login wall: we were redirected to a login URL, or got its form instead."""
    if any(marker in response.url for marker in LOGIN_MARKERS):
        return True
    return b'id="J_LoginForm"' in response.body[:20000]


class TmallSpider(scrapy.Spider):
    name = "tmall"
    # Cursor pages chain one after another (no page count to fan out from).
    custom_settings = {"DEPTH_LIMIT": _MAX_PAGES + 3}  # noqa: RUF012 (Scrapy's own attribute)
    session_platform = "tmall"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # A stored session opens the walled item pages (and their evidence captures).
        use_session(settings, cls.session_platform)

    def __init__(self, base_url: str | None = None, keywords: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.keywords = parse_keywords_arg(keywords) or [""]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.base_url}/tmall/list", callback=self.parse_list_page)

    def parse_list_page(self, response: Response) -> Iterator[scrapy.Request]:
        config = as_dict(embedded_json(response.text, _LIST_CONFIG))
        api = text_of(config.get("api")) or "/tmall/api/itemlist"
        cursor = text_of(config.get("cursor"))
        for keyword in self.keywords:
            yield self._more(urljoin(response.url, api), cursor, keyword, 1)

    def _more(self, api: str, cursor: str, keyword: str, page: int) -> scrapy.Request:
        url = f"{api}?cursor={quote(cursor)}&size={_PAGE_SIZE}&q={quote(keyword)}"
        return scrapy.Request(
            url, callback=self.parse_more, cb_kwargs={"api": api, "keyword": keyword, "page": page}
        )

    def parse_more(
        self, response: Response, api: str, keyword: str, page: int
    ) -> Iterator[scrapy.Request]:
        try:
            data = as_dict(load_json(response.body, tmall_parser.PLATFORM))
            cards = tmall_parser.parse_shop_itemlist(data)
        except ParseError as exc:
            self.logger.error("item list unreadable on %s: %s", response.url, exc)
            return
        for card in cards:
            url = urljoin(response.url, card.url)
            yield scrapy.Request(url, callback=self.parse_item, cb_kwargs={"card": card})
        cursor = text_of(data.get("next_cursor"))
        if data.get("has_more") and cursor and cards and page < _MAX_PAGES:
            yield self._more(api, cursor, keyword, page + 1)

    def _detail_api(self, item_id: str, card: Listing, page: Listing | None) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/tmall/h5/detail?id={item_id}&callback=mtopjsonp1",
            callback=self.parse_detail_api,
            cb_kwargs={"card": card, "page": page},
        )

    def parse_item(self, response: Response, card: Listing) -> Iterator[scrapy.Request]:
        item_id = card.id.removeprefix("tmall:")
        if is_login_page(response):
            self.crawler.stats.inc_value("markwatch/login_wall")
            self.logger.info("login wall on item %s: import a session to see its page", item_id)
            yield self._detail_api(item_id, card, None)
            return
        try:
            page = tmall_parser.parse_item(response.body, response.url)
        except ParseError as exc:
            report_parse_failure(self, response.url, exc)
            page = None
        if page is not None:
            # The parser reads `src`, which is a placeholder here: resolve the lazy URLs.
            selector = Selector(text=decode_html(response.body), type="html")
            lazy = image_urls(selector.css("#J_UlThumb img"), response.url)
            page = dataclasses.replace(page, url=response.url, images=lazy or page.images)
        yield self._detail_api(item_id, card, page)

    def parse_detail_api(
        self, response: Response, card: Listing, page: Listing | None
    ) -> Iterator[Listing]:
        try:
            api = tmall_parser.extract(response.body, response.url)[0]
        except (ParseError, IndexError) as exc:
            self.logger.error("detail API unreadable on %s: %s", response.url, exc)
            api = card
        base = page or api
        yield dataclasses.replace(
            base,
            url=f"{self.base_url}/tmall/item.htm?id={card.id.removeprefix('tmall:')}",
            title=base.title or api.title or card.title,
            quantity=base.quantity or _quantity(base.description),
            price=api.price if api.price is not None else card.price,
            seller=dataclasses.replace(
                api.seller,
                name=(page.seller.name if page else "") or api.seller.name,
                location=api.seller.location or base.seller.location,
            ),
            images=tuple(urljoin(response.url, i) for i in (base.images or api.images)),
        )


def _quantity(description: str) -> str:
    match = _QUANTITY.search(description)
    return match.group(1).strip() if match else ""
