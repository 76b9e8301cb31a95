"""Pure parts of the crawl manners: canonical URLs, Retry-After, cookie files, content
hashes, search keywords and profile validation. No network, no Scrapy process."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.keywords import keywords_from, parse_keywords_arg
from crawler.middlewares import (
    BackoffRetryMiddleware,
    ContentHashStore,
    CookieImportMiddleware,
    PolitenessConfig,
    canonical_url,
    content_hash,
    load_cookies,
    retry_after_seconds,
)
from crawler.profiles import ProfileError, bundled_profile, load_profile, parse_profile


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://h/item.htm?id=1&spm=a.b.c", "http://h/item.htm?id=1"),
        ("http://h/item.htm?spm=x&id=1&ns=1&abbucket=7", "http://h/item.htm?id=1"),
        (
            "http://h/list?page=2&q=%E4%BA%BA%E5%8F%82#top",
            "http://h/list?page=2&q=%E4%BA%BA%E5%8F%82",
        ),
        ("http://h/list?q=人参&page=2", "http://h/list?page=2&q=%E4%BA%BA%E5%8F%82"),
        ("http://h/a?utm_source=x", "http://h/a"),
    ],
)
def test_canonical_url_drops_tracking_and_orders_the_query(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("1", 1.0), ("120", 120.0), ("", None), ("soon", None), (None, None)],
)
def test_retry_after_header_values(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_http_date_counts_from_now() -> None:
    assert retry_after_seconds("Thu, 01 Jan 2037 00:00:10 GMT", now=2114380800.0) == 10.0


def test_backoff_waits_what_retry_after_asks_capped_else_doubles() -> None:
    settings = Settings({"RETRY_ENABLED": True, "RETRY_TIMES": 3, "RETRY_HTTP_CODES": [429, 503]})
    middleware = BackoffRetryMiddleware(
        settings, PolitenessConfig(retry_after_max_s=30.0, backoff_base_s=0.5)
    )
    request = Request("http://h/x")
    asked = Response("http://h/x", status=429, headers={"Retry-After": "5"})
    greedy = Response("http://h/x", status=429, headers={"Retry-After": "3600"})
    assert middleware.delay_for(request, asked) == 5.0
    assert middleware.delay_for(request, greedy) == 30.0
    plain = Response("http://h/x", status=503)
    delays = [
        middleware.delay_for(Request("http://h/x", meta={"retry_times": n}), plain)
        for n in range(3)
    ]
    assert delays == [0.5, 1.0, 2.0]


NETSCAPE = (
    "# Netscape HTTP Cookie File\n"
    ".tmall.com\tTRUE\t/\tTRUE\t0\tcookie2\tsecret\n"
    "#HttpOnly_.taobao.com\tTRUE\t/\tFALSE\t0\t_tb_token_\ttok\n"
    "\n"
)
JSON = '[{"domain": ".tmall.com", "name": "cookie2", "value": "secret", "path": "/"}]'


@pytest.mark.parametrize("content", [NETSCAPE, JSON])
def test_cookie_files_apply_to_their_domain_only(content: str, tmp_path: Path) -> None:
    path = tmp_path / "cookies"
    path.write_text(content, encoding="utf-8")
    middleware = CookieImportMiddleware(load_cookies(path))
    tmall = Request("https://detail.tmall.com/item.htm?id=1")
    middleware.process_request(tmall)
    assert tmall.cookies == {"cookie2": "secret"}
    other = Request("https://example.com/")
    middleware.process_request(other)
    assert other.cookies == {}
    own = Request("https://detail.tmall.com/", cookies={"cookie2": "mine"})
    middleware.process_request(own)
    assert own.cookies == {"cookie2": "mine"}  # a request's own cookie wins


def test_malformed_cookie_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text("not a cookie line\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cookies\.txt"):
        load_cookies(path)


def test_content_hash_store_passes_new_and_changed_listings_only(tmp_path: Path) -> None:
    listing = {"id": "jd:1", "title": "五常大米 5kg", "price": 59.9, "url": "http://a/1?x=1"}
    store = ContentHashStore(tmp_path / "h.sqlite3")
    assert store.changed("jd:1", content_hash(listing))
    assert not store.changed("jd:1", content_hash({**listing, "url": "http://a/1?x=2"}))
    assert store.changed("jd:1", content_hash({**listing, "price": 19.9}))
    store.close()
    reopened = ContentHashStore(tmp_path / "h.sqlite3")
    assert not reopened.changed("jd:1", content_hash({**listing, "price": 19.9}))
    reopened.close()


def test_keywords_from_catalog_and_watchlists_dedupe_in_stable_order() -> None:
    got = keywords_from(
        ["长白山人参", "冰墩墩", " 五常大米 "], ["冰墩墩", "ＢＪ２０２２", "", "bj2022"]
    )
    assert got == ["长白山人参", "冰墩墩", "五常大米", "BJ2022"]
    assert parse_keywords_arg("人参，大米,人参") == ["人参", "大米"]
    assert parse_keywords_arg("") == []


def test_bundled_profile_loads() -> None:
    profile = load_profile(bundled_profile("jlshop"))
    assert profile.platform == "jlshop" and profile.encoding == "gbk"
    assert {"id", "title", "price", "images"} <= set(profile.fields)


_OK = {"name": "s", "start_urls": ["http://h/"], "fields": {"id": ".id", "title": "h1"}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_url": "http://h/"}, "unknown key"),
        ({"start_urls": []}, "start_urls"),
        ({"fields": {"title": "h1"}}, "fields.id"),
        ({"fields": {"id": ".id", "title": "h1", "prise": ".p"}}, "unknown field"),
        ({"fields": {"id": {"css": ".a", "xpath": "//a"}, "title": "h1"}}, "exactly one"),
        ({"fields": {"id": {"regex": "(["}, "title": "h1"}}, "bad regex"),
        ({"max_depth": "deep"}, "max_depth"),
    ],
)
def test_profile_mistakes_are_reported_by_key(change: dict[str, object], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile({**_OK, **change})
