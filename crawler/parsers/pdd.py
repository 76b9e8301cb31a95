"""Pinduoduo (yangkeduo): goods-list API responses. Every price there is in fen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.parsers.common import (
    as_dict,
    dig,
    fen_to_yuan,
    load_json,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

PLATFORM = "pdd"
# Where goods lists live in the API variants we know of.
_LIST_PATHS: tuple[tuple[str, ...], ...] = (
    ("goods_list",),
    ("data", "goods_list"),
    ("result", "goods_list"),
    ("items",),
    ("data", "list"),
)


def extract(body: bytes, url: str = "") -> list[Listing]:
    return parse_api(load_json(body, PLATFORM))


def parse_api(data: Any) -> list[Listing]:
    """Listings from a goods-list response; goods without an id are skipped."""
    goods: list[Any] | None = None
    for path in _LIST_PATHS:
        found = dig(data, *path)
        if isinstance(found, list):
            goods = found
            break
    if goods is None:
        if isinstance(data, list):
            goods = data
        else:
            raise ParseError(PLATFORM, "no goods list in the API response")
    listings = []
    for raw in goods:
        listing = goods_listing(as_dict(raw))
        if listing is not None:
            listings.append(listing)
    return listings


def goods_listing(goods: Mapping[str, Any]) -> Listing | None:
    goods_id = text_of(goods.get("goods_id"))
    if not goods_id.isdigit():
        return None
    title = strip_tags(text_of(goods.get("goods_name")) or text_of(goods.get("short_name")))
    mall_id = text_of(goods.get("mall_id")) or text_of(dig(goods, "ad", "mall_id"))
    return Listing(
        id=f"{PLATFORM}:{goods_id}",
        platform=PLATFORM,
        url=f"https://mobile.yangkeduo.com/goods.html?goods_id={goods_id}",
        title=title,
        price=_price(goods),
        seller=Seller(name=text_of(goods.get("mall_name")), id=mall_id),
        images=unique_images([text_of(goods.get("hd_thumb_url")), text_of(goods.get("thumb_url"))]),
    )


def _price(goods: Mapping[str, Any]) -> float | None:
    """The price a buyer sees on the card: the group-buy price, else the single price."""
    for value in (
        dig(goods, "group", "price"),
        goods.get("min_group_price"),
        goods.get("price"),
        goods.get("normal_price"),
        goods.get("min_normal_price"),
    ):
        price = fen_to_yuan(value)
        if price is not None:
            return price
    return None
