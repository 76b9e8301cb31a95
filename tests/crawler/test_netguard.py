"""The SSRF guard refuses internal addresses, redirects included, except the allow-list."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from alerts.netguard import BlockedUrl, UrlPolicy
from crawler.netguard import BlockedAddress, SsrfGuardMiddleware
from crawler.spiders.taobao import TaobaoSpider


def fake_dns(host: str) -> list[str]:
    return {
        "evil.example": ["10.0.0.5"],
        "shop.example": ["93.184.216.34"],
        "rebind.example": ["93.184.216.34", "127.0.0.1"],
    }.get(host, [])


@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        ("http://127.0.0.1:9200/_cluster/health", True),
        ("http://localhost:6379/", False),  # unresolvable by fake_dns: download fails on its own
        ("http://[::1]:8000/", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("http://169.254.169.254/latest/meta-data/", True),
        ("http://192.168.1.1/", True),
        ("http://evil.example/", True),
        ("http://rebind.example/", True),
        ("http://shop.example/item.htm?id=1", False),
        ("http://93.184.216.34/", False),
        ("file:///etc/passwd", True),
        ("http://127.0.0.1:8800/taobao/search", False),  # allow-listed testbed
    ],
)
def test_policy(url: str, blocked: bool) -> None:
    policy = UrlPolicy.from_urls(["http://127.0.0.1:8800"], resolver=fake_dns)
    if blocked:
        with pytest.raises(BlockedUrl):
            policy.check(url)
    else:
        policy.check(url)


def test_middleware_trusts_the_spiders_base_url_but_not_links_it_finds() -> None:
    crawler = get_crawler(TaobaoSpider, {"MARKWATCH_ALLOWED_HOSTS": []})
    middleware = SsrfGuardMiddleware.from_crawler(crawler)
    spider = TaobaoSpider(base_url="http://127.0.0.1:8123")
    middleware.spider_opened(spider)
    middleware.process_request(Request("http://127.0.0.1:8123/taobao/search"))
    with pytest.raises(BlockedAddress, match="internal address"):
        middleware.process_request(Request("http://127.0.0.1:9200/"))
