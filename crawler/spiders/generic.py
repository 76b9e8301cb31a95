"""Any site with schema.org Product (JSON-LD, microdata, RDFa) or OpenGraph product pages:
`scrapy crawl generic -a start_urls=https://shop.example/,https://shop.example/new`.

Follows every same-site link (robots.txt, DEPTH_LIMIT, canonical URLs and the
dupefilter keep it out of crawler traps) and emits a Listing for each page whose
markup names a product with a price (crawler.parsers.generic).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.parsers import generic as generic_parser
from crawler.parsers.errors import ParseError
from detectors.types import Listing

_SKIP_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".css", ".js", ".pdf", ".zip")


class GenericSpider(scrapy.Spider):
    name = "generic"

    def __init__(self, start_urls: str = "", base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        root = (base_url or "").rstrip("/") + "/"
        self.start_pages = [urljoin(root, u.strip()) for u in start_urls.split(",") if u.strip()]
        if not self.start_pages:
            raise ValueError("generic needs -a start_urls=<url>[,<url>...]")
        first = urlsplit(self.start_pages[0])
        if first.scheme not in ("http", "https") or not first.hostname:
            raise ValueError(f"start URL {self.start_pages[0]!r} is not absolute")
        # The SSRF guard trusts the operator's start site (see crawler.netguard).
        self.base_url = base_url or f"{first.scheme}://{first.netloc}"
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_pages})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_pages:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request | Listing]:
        if not isinstance(response, TextResponse):
            return  # an image or download: nothing to read or follow
        try:
            listings = generic_parser.parse_product_page(response.body, response.url)
        except ParseError:
            listings = []  # most pages of a shop are not product pages
        for listing in listings:
            if listing.price is not None:  # a product mention without an offer is no listing
                yield listing
        for href in response.css("a[href]::attr(href)").getall():
            url = urljoin(response.url, href.strip())
            if url.startswith(("http://", "https://")) and not url.lower().endswith(_SKIP_SUFFIXES):
                yield scrapy.Request(url, callback=self.parse)
