"""The generic spider on a site it was never told about: it finds every product page,
stays out of robots.txt-disallowed paths, and does not walk the endless calendar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testbed.server import TestbedServer

DEPTH_LIMIT = 4


def test_generic_spider_finds_products_and_escapes_the_calendar_trap(
    bed: TestbedServer, crawl: Callable[..., Any]
) -> None:
    host = urlsplit(bed.url).hostname
    result = crawl(
        "generic",
        f"start_urls={bed.url}/jlshop/list?page=1",
        settings={"DEPTH_LIMIT": str(DEPTH_LIMIT)},
    )
    expected = {f"generic:{host}:{i.nid}" for i in bed.bed.sites["jlshop"]}
    assert {item["id"] for item in result.items} == expected
    assert all(item["price"] and item["seller"]["name"] for item in result.items)

    paths = [e.path for e in bed.log.entries()]
    calendar = [p for p in paths if p.startswith("/jlshop/calendar")]
    months = [parse_qs(urlsplit(p).query)["month"][0] for p in calendar]
    # Depth limit: the chains of "previous/next month" links are cut after a few hops ...
    assert 0 < len(calendar) <= 2 * DEPTH_LIMIT
    # ... and canonical URLs (tracking `spm` dropped) make "previous month" links repeats.
    assert len(months) == len(set(months)), f"a calendar month was fetched twice: {months}"
    assert not any(p.startswith("/jlshop/search") for p in paths), "robots.txt ignored"
    assert "/robots.txt" in paths
