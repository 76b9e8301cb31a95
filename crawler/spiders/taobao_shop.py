"""Taobao shop pages, whose item list is built by JavaScript: rendered in Chromium.

Uses scrapy-playwright with the system's Chromium (no browser download here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.browser import CHROMIUM_ARGS, chromium_path
from crawler.sessions import BLOCK_SELECTORS, use_session
from crawler.spiders.common import DEFAULT_BASE_URL
from crawler.spiders.taobao import TaobaoSpider
from detectors.types import Listing, Seller


def playwright_settings() -> dict[str, Any]:
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": chromium_path(),
            "headless": True,
            "args": list(CHROMIUM_ARGS),
        },
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    }


class TaobaoShopSpider(scrapy.Spider):
    """Crawls one shop page (rendered), then the item pages it links to."""

    name = "taobao_shop"
    custom_settings = playwright_settings()
    # Real shop pages need a logged-in session: a wall or slider ends the crawl loudly.
    needs_session = True
    session_platform = "taobao"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        use_session(settings, cls.session_platform)  # `markwatch login taobao`'s state

    def __init__(self, shop: str = "", base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not shop:
            raise ValueError("taobao_shop needs -a shop=<seller user_id>")
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.shop = shop
        self._item_parser = TaobaoSpider(base_url=self.base_url)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        from scrapy_playwright.page import PageMethod

        yield scrapy.Request(
            f"{self.base_url}/taobao/shop/{self.shop}",
            callback=self.parse_shop,
            meta={
                "playwright": True,
                "playwright_page_methods": [
                    # A login wall or slider instead of the shop is an answer too.
                    PageMethod(
                        "wait_for_selector", f"li.shop-item, {BLOCK_SELECTORS}", timeout=15000
                    )
                ],
            },
        )

    def parse_shop(self, response: Response) -> Iterator[scrapy.Request]:
        for li in response.css("li.shop-item"):
            href = li.css("a::attr(href)").get()
            title = li.css("a::text").get(default="")
            if not href:
                continue
            card = Listing(
                id=f"taobao:{li.attrib.get('data-nid', '')}",
                platform="taobao",
                title=title,
                seller=Seller(id=self.shop),
            )
            yield scrapy.Request(
                urljoin(response.url, href),
                callback=self._item_parser.parse_item,
                cb_kwargs={"card": card},
            )
