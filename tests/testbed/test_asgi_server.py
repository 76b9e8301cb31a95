"""The fast (uvicorn, pre-rendered) front end behaves like the threaded one it replaces."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from testbed import politeness
from testbed.server import Testbed, TestbedServer


@pytest.fixture(scope="module")
def beds() -> Iterator[tuple[TestbedServer, TestbedServer]]:
    bed = Testbed.build()
    with TestbedServer(bed) as threaded, TestbedServer(bed, kind="asgi") as fast:
        yield threaded, fast


def _targets(bed: Testbed) -> list[str]:
    taobao, jd, tmall = bed.sites["taobao"][0], bed.sites["jd"][0], bed.sites["tmall"][0]
    return [
        "/robots.txt",
        "/_truth.json",
        "/taobao/search?q=&s=44",
        f"/taobao/item.htm?id={taobao.nid}",
        f"/taobao/img/{taobao.nid}.jpg",
        "/jd/search?keyword=&page=2",
        f"/jd/item/{jd.nid}.html",
        "/pdd/api/goods_list?page=1",
        f"/tmall/h5/detail?id={tmall.nid}&callback=cb",
        "/expo/api/exhibitors?page=1",
        "/jlshop/list?page=1",
        "/taobao/item.htm?id=does-not-exist",
    ]


def test_same_status_type_and_bytes_as_the_threaded_server(
    beds: tuple[TestbedServer, TestbedServer],
) -> None:
    threaded, fast = beds
    with httpx.Client(timeout=30) as client:
        for target in _targets(threaded.bed):
            want = client.get(threaded.url + target)
            got = client.get(fast.url + target)
            assert (got.status_code, got.headers["content-type"], got.content) == (
                want.status_code,
                want.headers["content-type"],
                want.content,
            ), target


def test_prerendered_pages_are_served_from_memory(
    beds: tuple[TestbedServer, TestbedServer],
) -> None:
    _, fast = beds
    rendered = fast.prerender()
    item = fast.bed.sites["taobao"][3]
    assert rendered >= len(fast.bed.listings) * 2  # item page and photo of every listing
    assert f"/taobao/item.htm?id={item.nid}" in fast.router._cache
    response = httpx.get(f"{fast.url}/taobao/item.htm?id={item.nid}", timeout=30)
    assert response.status_code == 200 and item.nid in response.text


def test_stateful_routes_are_never_cached() -> None:
    """429 once per chosen URL, login walls by cookie: request state, not page content."""
    with TestbedServer(kind="asgi") as fast, httpx.Client(timeout=30) as client:
        throttled = next(
            f"/tmall/item.htm?id={item.nid}"
            for item in fast.bed.sites["tmall"]
            if politeness.FirstHitThrottle(politeness.PolitenessRules()).should_throttle(
                f"/tmall/item.htm?id={item.nid}"
            )
        )
        first = client.get(fast.url + throttled)
        assert first.status_code == 429 and first.headers["retry-after"] == "1"
        assert client.get(fast.url + throttled).status_code != 429  # once only

        walled = next(
            item
            for item in fast.bed.sites["tmall"]
            if politeness.login_walled(item.nid, politeness.PolitenessRules())
        )
        target = f"/tmall/item.htm?id={walled.nid}"
        client.get(fast.url + target)  # spend a possible first-hit 429
        anonymous = client.get(fast.url + target)
        assert anonymous.status_code == 302
        assert anonymous.headers["location"].startswith(politeness.LOGIN_PATH)
        cookie = {"Cookie": f"{politeness.SESSION_COOKIE}={politeness.SESSION_VALUE}"}
        assert client.get(fast.url + target, headers=cookie).status_code == 200
        assert client.get(fast.url + target).status_code == 302  # not cached for others

        logged = [e.path for e in fast.log.entries()]
        assert logged.count(target) == 4
        assert [e.cookie for e in fast.log.entries() if e.path == target][2].startswith(
            politeness.SESSION_COOKIE
        )


def test_only_get_is_served() -> None:
    with TestbedServer(kind="asgi") as fast:
        assert httpx.post(f"{fast.url}/taobao/search?q=", timeout=30).status_code == 405
