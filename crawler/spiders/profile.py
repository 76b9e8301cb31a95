"""A site crawled by its YAML profile alone: `scrapy crawl profile -a profile=site.yaml`.

Start URLs may be relative to `-a base_url` (used for replicas and staging copies).
Listing pages are followed by the profile's `follow` rules, item pages by its `items`
rules; every page is also tried as an item page, so single-page sites work too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.keywords import parse_keywords_arg
from crawler.profiles import SiteProfile, bundled_profile, load_profile
from crawler.profiles.extract import ProfilePage
from detectors.types import Listing


def _resolve_profile(name_or_path: str) -> SiteProfile:
    """A path to a YAML file, or the bare name of a profile shipped in crawler/profiles."""
    if name_or_path.isidentifier() and bundled_profile(name_or_path).exists():
        return load_profile(bundled_profile(name_or_path))
    return load_profile(name_or_path)


class ProfileSpider(scrapy.Spider):
    name = "profile"
    default_profile = ""  # set by named spiders for bundled profiles (see below)

    def __init__(
        self,
        profile: str = "",
        base_url: str | None = None,
        keywords: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        profile = profile or self.default_profile
        if not profile:
            raise ValueError("profile needs -a profile=<path.yaml or bundled name>")
        self.profile = _resolve_profile(profile)
        first = urljoin((base_url or "").rstrip("/") + "/", self.profile.start_urls[0])
        parts = urlsplit(first)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"start URL {first!r} is not absolute: give -a base_url=...")
        # The SSRF guard trusts the operator's start site (see crawler.netguard).
        self.base_url = (base_url or f"{parts.scheme}://{parts.netloc}").rstrip("/")
        self.allowed_domains = [parts.hostname or ""]
        self.keywords = parse_keywords_arg(keywords)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ProfileSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ProfileSpider)
        profile = spider.profile
        # Settings are still open at this point: the profile's manners become the crawl's.
        settings = crawler.settings
        settings.set("DEPTH_LIMIT", profile.max_depth, priority="spider")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", profile.rate_limit.concurrency,
                     priority="spider")  # fmt: skip
        settings.set("DOWNLOAD_DELAY", profile.rate_limit.delay, priority="spider")
        settings.set("CLOSESPIDER_PAGECOUNT", profile.max_pages, priority="spider")
        if profile.login_cookies and not settings.get("MARKWATCH_COOKIES_FILE"):
            settings.set("MARKWATCH_COOKIES_FILE", str(profile.login_cookies), priority="spider")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for start in self.profile.start_urls:
            url = urljoin(self.base_url + "/", start)
            for keyword in self.keywords or [""]:
                yield scrapy.Request(url.replace("{keyword}", keyword), callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request | Listing]:
        declared = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        charset = declared.partition("charset=")[2].strip() or None
        page = ProfilePage(self.profile, response.body, response.url, charset)
        listing = page.listing()
        if listing is not None:
            yield listing
        for url in page.links(self.profile.items):
            yield scrapy.Request(url, callback=self.parse)
        for url in page.links(self.profile.follow):
            yield scrapy.Request(url, callback=self.parse)


class JlshopSpider(ProfileSpider):
    """吉林特产商城 by its bundled YAML profile: a name for `markwatch demo` to call, and
    no site code at all (everything is in crawler/profiles/jlshop.yaml)."""

    name = "jlshop"
    default_profile = "jlshop"
