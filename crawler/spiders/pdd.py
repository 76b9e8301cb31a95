"""Pinduoduo: the goods-list JSON API page by page, then each goods' detail API."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response

from crawler.parsers import pdd as pdd_parser
from crawler.parsers.common import as_dict, strip_tags, text_of
from crawler.parsers.errors import ParseError
from crawler.spiders.common import DEFAULT_BASE_URL
from crawler.stats import report_parse_failure
from detectors.types import Listing

_MAX_PAGES = 200


class PddSpider(scrapy.Spider):
    name = "pdd"

    def __init__(self, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._page(1)

    def _page(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/pdd/api/goods_list?page={page}&size=50",
            callback=self.parse_list,
            cb_kwargs={"page": page},
        )

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        try:
            listings = pdd_parser.extract(response.body, response.url)
            has_more = bool(as_dict(json.loads(response.body)).get("has_more"))
        except (ParseError, ValueError) as exc:
            report_parse_failure(self, response.url, exc)
            return
        for listing in listings:
            goods_id = listing.id.removeprefix("pdd:")
            yield scrapy.Request(
                f"{self.base_url}/pdd/api/goods/{goods_id}",
                callback=self.parse_detail,
                cb_kwargs={"listing": listing},
            )
        if has_more and listings and page < _MAX_PAGES:
            yield self._page(page + 1)

    def parse_detail(self, response: Response, listing: Listing) -> Iterator[Listing]:
        try:
            goods = as_dict(as_dict(json.loads(response.body)).get("goods"))
        except ValueError as exc:
            self.logger.error("goods detail unreadable on %s: %s", response.url, exc)
            goods = {}
        description = strip_tags(text_of(goods.get("goods_desc")))
        yield dataclasses.replace(
            listing,
            url=response.url,
            description=description,
            images=tuple(urljoin(response.url, i) for i in listing.images),
        )
