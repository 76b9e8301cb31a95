"""The SSRF guard refuses internal addresses, redirects included, except the allow-list."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.netguard import BlockedAddress, SsrfGuardMiddleware
from crawler.spiders.taobao import TaobaoSpider
from netpolicy import AddressPolicy
from netpolicy import BlockedAddress as BlockedUrl


def fake_dns(host: str, port: int = 0) -> list[str]:
    return {
        "evil.example": ["10.0.0.5"],
        "shop.example": ["93.184.216.34"],
        "rebind.example": ["93.184.216.34", "127.0.0.1"],
    }.get(host, [])


@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        ("http://127.0.0.1:9200/_cluster/health", True),
        ("http://localhost:6379/", True),  # unresolvable names are refused too
        ("http://100.100.100.200/latest/meta-data/", True),  # CGNAT: Alibaba Cloud metadata
        ("http://[::ffff:169.254.169.254]/", True),
        ("http://0.0.0.0:9200/", True),
        ("http://224.0.0.1/", True),
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
    policy = AddressPolicy.from_hosts(["http://127.0.0.1:8800"], resolver=fake_dns)
    if blocked:
        with pytest.raises(BlockedUrl):
            policy.check_url(url)
    else:
        policy.check_url(url)


def test_middleware_trusts_the_spiders_base_url_but_not_links_it_finds() -> None:
    crawler = get_crawler(TaobaoSpider, {"MARKWATCH_ALLOWED_HOSTS": []})
    middleware = SsrfGuardMiddleware.from_crawler(crawler)
    spider = TaobaoSpider(base_url="http://127.0.0.1:8123")
    middleware.spider_opened(spider)
    middleware.process_request(Request("http://127.0.0.1:8123/taobao/search"))
    with pytest.raises(BlockedAddress, match="internal address"):
        middleware.process_request(Request("http://127.0.0.1:9200/"))


def test_the_resolver_refuses_internal_answers_for_untrusted_names() -> None:
    from twisted.internet import defer
    from twisted.internet.error import DNSLookupError

    from crawler.netguard import GuardedResolver

    crawler = get_crawler(TaobaoSpider, {"MARKWATCH_ALLOWED_HOSTS": ["testbed.local:8800"]})
    SsrfGuardMiddleware.from_crawler(crawler).spider_opened(
        TaobaoSpider(base_url="http://shop.local:8123")
    )
    from twisted.internet import reactor

    resolver = GuardedResolver.from_crawler(crawler, reactor)
    answers: list[object] = []
    for name, address in (
        ("rebind.example", "127.0.0.1"),
        ("meta.example", "100.100.100.200"),
        ("shop.example", "93.184.216.34"),
        ("testbed.local", "127.0.0.1"),
        ("shop.local", "127.0.0.1"),
    ):
        result = defer.succeed(address).addCallback(resolver._checked, name)
        result.addErrback(lambda failure: failure.value)
        result.addCallback(answers.append)
    assert [type(a) if isinstance(a, Exception) else a for a in answers] == [
        DNSLookupError,
        DNSLookupError,
        "93.184.216.34",
        "127.0.0.1",
        "127.0.0.1",
    ]
