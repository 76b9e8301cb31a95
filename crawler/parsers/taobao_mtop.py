"""Taobao/Tmall's current search answer: the mtop JSON(P) the search page loads
(`mtop.relationrecommend.wirelessrecommend.recommend`, `data.itemsArray`), as a
logged-in browser receives it. The old `g_page_config` parser stays for saved pages.

Each item: `item_id`, `title` (may carry <span class=H> highlights), `priceShow.price`
(the price shown; `price` is the list price), `shopInfo.title` (the shop), `procity`
(ship-from, "山西 晋中"), `pic_path`, `auctionURL` (detail.tmall.com or item.taobao.com).
An answer whose `ret` is not SUCCESS (expired token, the RGV587 slider) is a ParseError
naming it, so the crawl reports a blocked session instead of an empty page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.parsers.common import as_dict, load_json, strip_tags, text_of
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

PLATFORM = "taobao"


def extract(body: bytes, url: str = "") -> list[Listing]:
    data = as_dict(load_json(body, PLATFORM))
    ret = [text_of(r) for r in data.get("ret") or []]
    if ret and not any(r.startswith("SUCCESS") for r in ret):
        raise ParseError(PLATFORM, f"mtop answer refused: {'; '.join(ret)}")
    items = as_dict(data.get("data")).get("itemsArray")
    if not isinstance(items, list):
        raise ParseError(PLATFORM, "no data.itemsArray in the mtop search answer")
    return [x for x in (item_listing(as_dict(i)) for i in items) if x is not None]


def item_listing(item: Mapping[str, Any]) -> Listing | None:
    item_id = text_of(item.get("item_id"))
    if not item_id.isdigit():
        return None
    shown = text_of(as_dict(item.get("priceShow")).get("price")) or text_of(item.get("price"))
    try:
        price: float | None = float(shown) if shown else None
    except ValueError:
        price = None
    tmall = "tmall.com" in text_of(item.get("auctionURL"))
    host = "detail.tmall.com" if tmall else "item.taobao.com"
    picture = text_of(item.get("pic_path"))
    return Listing(
        id=f"{PLATFORM}:{item_id}",
        platform=PLATFORM,
        url=f"https://{host}/item.htm?id={item_id}",  # without the ad/tracking parameters
        title=strip_tags(text_of(item.get("title"))),
        price=price,
        seller=Seller(
            name=text_of(as_dict(item.get("shopInfo")).get("title")) or text_of(item.get("nick")),
            location=text_of(item.get("procity")),
        ),
        images=(("https:" + picture) if picture.startswith("//") else picture,) if picture else (),
    )
