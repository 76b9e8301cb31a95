"""Exhibition (Canton Fair model): exhibitor-search API page by page, then each
exhibitor's exhibit records; every exhibit becomes a Listing with `source: "expo"`."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from scrapy.http import Response

from crawler.parsers import cantonfair as cantonfair_parser
from crawler.parsers.common import as_dict, dig
from crawler.parsers.errors import ParseError
from crawler.spiders.common import DEFAULT_BASE_URL
from detectors.types import Listing

_MAX_PAGES = 500


class ExpoSpider(scrapy.Spider):
    name = "expo"

    def __init__(self, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._exhibitors(1)

    def _exhibitors(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/expo/api/exhibitors?page={page}",
            callback=self.parse_exhibitors,
            cb_kwargs={"page": page},
        )

    def _exhibits(self, company: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/expo/api/exhibits?companyId={quote(company)}&page={page}",
            callback=self.parse_exhibits,
            cb_kwargs={"company": company, "page": page},
        )

    def parse_exhibitors(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        try:
            exhibitors = cantonfair_parser.parse_json(json.loads(response.body))
        except (ParseError, ValueError) as exc:
            self.logger.error("exhibitor search unreadable on %s: %s", response.url, exc)
            return
        for exhibitor in exhibitors:
            yield self._exhibits(exhibitor.seller.id, 1)
        if page == 1:
            pages = dig(json.loads(response.body), "ReturnData", "PageCount")
            for next_page in range(2, min(int(pages or 1), _MAX_PAGES) + 1):
                yield self._exhibitors(next_page)

    def parse_exhibits(
        self, response: Response, company: str, page: int
    ) -> Iterator[scrapy.Request | Listing]:
        try:
            data = as_dict(json.loads(response.body))
            exhibits = cantonfair_parser.parse_json(data)
        except (ParseError, ValueError) as exc:
            self.logger.error("exhibit records unreadable on %s: %s", response.url, exc)
            return
        for exhibit in exhibits:
            yield dataclasses.replace(
                exhibit,
                url=urljoin(response.url, exhibit.url) if exhibit.url else response.url,
                images=tuple(urljoin(response.url, i) for i in exhibit.images),
            )
        if page == 1:
            total, size = dig(data, "data", "total"), dig(data, "data", "pageSize")
            if isinstance(total, int) and isinstance(size, int) and size > 0:
                for next_page in range(2, min(math.ceil(total / size), _MAX_PAGES) + 1):
                    yield self._exhibits(company, next_page)
