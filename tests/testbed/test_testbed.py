"""The testbed is deterministic, big enough, and serves the real Taobao page structure."""

from __future__ import annotations

import json
import re
from collections import Counter

import httpx

from testbed.generate import generate
from testbed.server import TestbedServer


def test_same_seed_same_listings_and_other_seed_differs() -> None:
    first, again, other = generate(7), generate(7), generate(8)
    assert first == again
    assert [i.nid for i in first] != [i.nid for i in other]


def test_at_least_500_listings_with_every_kind_of_case() -> None:
    listings = generate()
    assert len(listings) >= 500
    assert len({i.nid for i in listings}) == len(listings)
    verdicts = Counter(i.verdict for i in listings)
    assert verdicts["clear"] > 100 and verdicts["infringing"] > 100 and verdicts["suspicious"] > 20
    categories = {i.category for i in listings}
    assert {
        "gi_genuine",
        "gi_outside_region",
        "gi_evasion",
        "olympic_unlicensed",
        "olympic_licensed",
        "distractor",
        "unrelated",
    } <= categories


def test_search_pages_carry_g_page_config_and_cover_truth() -> None:
    with TestbedServer() as bed, httpx.Client(base_url=bed.url) as client:
        truth = client.get("/_truth.json").json()
        seen: list[str] = []
        offset = 0
        while True:
            page = client.get("/taobao/search", params={"q": "", "s": offset}).text
            match = re.search(r"g_page_config\s*=\s*(\{.*?\});\s*\n", page, re.S)
            assert match, "search page lost its inline g_page_config"
            config = json.loads(match.group(1))
            auctions = config["mods"]["itemlist"]["data"]["auctions"]
            assert {"raw_title", "view_price", "item_loc", "nick", "nid"} <= set(auctions[0])
            seen += [f"taobao:{a['nid']}" for a in auctions]
            pager = config["mods"]["pager"]["data"]
            if pager["currentPage"] >= pager["totalPage"]:
                break
            offset += pager["pageSize"]
        assert sorted(seen) == sorted(t["id"] for t in truth if t["site"] == "taobao")
        assert client.get("/taobao/item.htm", params={"id": "nope"}).status_code == 404


def test_query_filters_and_highlights_like_taobao() -> None:
    with TestbedServer() as bed:
        page = httpx.get(f"{bed.url}/taobao/search", params={"q": "五常大米", "s": 0}).text
    config = json.loads(re.search(r"g_page_config\s*=\s*(\{.*?\});\s*\n", page, re.S).group(1))
    auctions = config["mods"]["itemlist"]["data"]["auctions"]
    assert auctions and all("五常大米" in a["raw_title"] for a in auctions)
    assert all("<span class=H>五常大米</span>" in a["title"] for a in auctions)
