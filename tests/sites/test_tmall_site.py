"""The Tmall spider against its replica: GBK pages (some mislabelled), 429 + Retry-After,
the login wall with and without an imported session, lazy images.

Two crawls serve all tests: one as an anonymous visitor, one with an imported session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from testbed import tmall as tmall_replica
from testbed.generate import TestbedListing
from testbed.politeness import PolitenessRules, login_walled
from testbed.server import TestbedServer

RULES = PolitenessRules()


@dataclass(frozen=True)
class Run:
    bed: TestbedServer
    crawled: dict[str, dict[str, Any]]
    stderr: str

    @property
    def listings(self) -> list[TestbedListing]:
        return list(self.bed.bed.sites["tmall"])


def _run(crawl: Callable[..., Any], cookies: Callable[[str], Path] | None) -> Iterator[Run]:
    with TestbedServer() as bed:
        settings = {}
        if cookies is not None:
            settings["MARKWATCH_COOKIES_FILE"] = str(cookies(urlsplit(bed.url).hostname or ""))
        result = crawl("tmall", f"base_url={bed.url}", settings=settings)
        yield Run(bed, result.by_id(), result.stderr)


@pytest.fixture(scope="module")
def anonymous(crawl: Callable[..., Any]) -> Iterator[Run]:
    yield from _run(crawl, None)


@pytest.fixture(scope="module")
def logged_in(crawl: Callable[..., Any], session_cookies: Callable[[str], Path]) -> Iterator[Run]:
    yield from _run(crawl, session_cookies)


def _page_description(item: TestbedListing) -> str:
    if not item.attributes:
        return f"品名: {item.title[:20].strip()}"
    return "; ".join(f"{k}: {v}" for k, v in item.attributes)


def test_every_listing_is_crawled_with_or_without_a_session(anonymous: Run, logged_in: Run) -> None:
    for run in (anonymous, logged_in):
        assert sorted(run.crawled) == sorted(f"tmall:{i.nid}" for i in run.listings)


def test_gbk_item_pages_decode_to_the_right_text_even_when_mislabelled(logged_in: Run) -> None:
    assert any(tmall_replica.lies_about_charset(i) for i in logged_in.listings)
    for item in logged_in.listings:
        got = logged_in.crawled[f"tmall:{item.nid}"]
        # Title, attributes and shop name come from the GBK item page itself.
        assert got["title"] == item.title
        assert got["description"] == _page_description(item)
        assert got["seller"]["name"] == item.nick
        assert got["price"] == item.price  # from the H5 detail API


def test_429_is_retried_no_sooner_than_retry_after_asks(anonymous: Run) -> None:
    log = anonymous.bed.log.entries()
    throttled = [e for e in log if e.status == 429]
    assert throttled, "the replica must have answered 429 at least once"
    for refusal in throttled:
        later = [e for e in log if e.path == refusal.path and e.at > refusal.at]
        assert later and later[0].status != 429, f"{refusal.path} never retried"
        assert later[0].at - refusal.at >= RULES.retry_after_s - 0.05


def test_login_wall_without_session_keeps_listing_but_not_page_details(anonymous: Run) -> None:
    walled = [i for i in anonymous.listings if login_walled(i.nid, RULES)]
    assert walled
    for item in walled:
        got = anonymous.crawled[f"tmall:{item.nid}"]
        assert got["price"] == item.price  # still known from the detail API
        assert got["description"] == ""  # the page's attributes stayed behind the wall
    assert "login wall on item" in anonymous.stderr
    assert any(e.path.startswith("/tmall/login.htm") for e in anonymous.bed.log.entries())


def test_imported_session_cookies_open_the_login_wall(logged_in: Run) -> None:
    walled = [i for i in logged_in.listings if login_walled(i.nid, RULES)]
    for item in walled:
        assert logged_in.crawled[f"tmall:{item.nid}"]["description"] == _page_description(item)
    entries = logged_in.bed.log.entries()
    assert not any(e.path.startswith("/tmall/login.htm") for e in entries)
    assert all("cookie2=" in e.cookie for e in entries if e.path.startswith("/tmall/item.htm"))


def test_lazy_thumbnails_resolve_to_full_images(anonymous: Run) -> None:
    for item_id, got in list(anonymous.crawled.items())[:5]:
        nid = item_id.removeprefix("tmall:")
        assert got["images"] == [f"{anonymous.bed.url}/tmall/img/{nid}.jpg"]
        answer = httpx.get(got["images"][0])
        if answer.status_code == 429:  # the replica rate-limits 1 URL in 15, once: as a site would
            answer = httpx.get(got["images"][0])
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
