"""1688: offer search pages (offers inline as `pageConfig.listOffer`), page by page.

Each offer on the search page is complete (title, price, company, province/city), so
no detail page is fetched. Pagination fans out from page 1 (`pageCount`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import scrapy
from scrapy.http import Response

from crawler.encoding import decode_html
from crawler.keywords import parse_keywords_arg
from crawler.parsers import ali1688 as ali1688_parser
from crawler.parsers.common import dig, embedded_json
from crawler.parsers.errors import ParseError
from crawler.spiders.common import DEFAULT_BASE_URL
from crawler.stats import report_parse_failure
from detectors.types import Listing

_PAGE_CONFIG = re.compile(r"\bpageConfig\s*=\s*")
_MAX_PAGES = 50  # 1688 itself stops at 50 result pages


class Ali1688Spider(scrapy.Spider):
    name = "ali1688"

    def __init__(self, base_url: str | None = None, keywords: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.keywords = parse_keywords_arg(keywords) or [""]
        # On the real site the offer URL is the offer's own page; on a replica there is
        # none, so the listing points at the search page that showed it.
        self.real_site = (urlsplit(self.base_url).hostname or "").endswith("1688.com")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for keyword in self.keywords:
            yield self._search(keyword, 1)

    def _search(self, keyword: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/1688/search?keywords={quote(keyword)}&beginPage={page}",
            callback=self.parse_search,
            cb_kwargs={"keyword": keyword, "page": page},
        )

    def parse_search(
        self, response: Response, keyword: str, page: int
    ) -> Iterator[scrapy.Request | Listing]:
        try:
            offers = ali1688_parser.parse_search(response.body, response.url)
        except ParseError as exc:
            report_parse_failure(self, response.url, exc, " (layout changed?)")
            return
        for offer in offers:
            yield dataclasses.replace(
                offer,
                url=offer.url if self.real_site else response.url,
                images=tuple(urljoin(response.url, i) for i in offer.images),
            )
        if page == 1:
            config = embedded_json(decode_html(response.body), _PAGE_CONFIG)
            total = dig(config, "pageCount")
            pages = min(int(total) if isinstance(total, int) else 1, _MAX_PAGES)
            for next_page in range(2, pages + 1):
                yield self._search(keyword, next_page)
