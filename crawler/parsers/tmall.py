"""Tmall: PC item pages (`TShop.Setup`), mobile item pages and the H5 detail API
(`_DATA_Detail` + `_DATA_Mdskip`), and shop item-list data.

The H5 detail data comes in two halves: `_DATA_Detail` is the static item (seller,
title, images, a placeholder price) and `_DATA_Mdskip` the live part (current price,
ship-from place). Where both say something, Mdskip wins.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers.common import (
    absolute_url,
    as_dict,
    as_list,
    attribute_table,
    dig,
    embedded_json,
    format_location,
    load_json,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

PLATFORM = "tmall"
_SETUP = re.compile(r"TShop\.Setup\(\s*")
_DETAIL_VAR = re.compile(r"\b_DATA_Detail\s*=\s*")
_MDSKIP_VAR = re.compile(r"\b_DATA_Mdskip\s*=\s*")
_TITLE_SUFFIX = re.compile(r"\s*-\s*(tmall\.com天猫|天猫Tmall\.com)\s*$", re.I)
_THUMB_SIZE = re.compile(r"_\d+x\d+(q\d+)?\.jpg$")


def looks_like_tmall(text: str) -> bool:
    head = text[:200_000]
    return bool(_SETUP.search(head) or _DETAIL_VAR.search(head)) or "tmall.com天猫" in head


def extract(body: bytes, url: str = "") -> list[Listing]:
    """Any Tmall page or API response we know; the kind is sniffed from the content."""
    return extract_text(decode_html(body), url)


def extract_text(text: str, url: str = "") -> list[Listing]:
    stripped = text.lstrip()
    if stripped[:1] in "{[" or (stripped[:1].isalpha() and stripped[:200].find("({") != -1):
        data = load_json(text, PLATFORM)
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            return parse_shop_itemlist(data)
        return [parse_api(data)]
    if _DETAIL_VAR.search(text):
        return [parse_mobile_item_text(text, url)]
    if _SETUP.search(text):
        return [parse_item_text(text, url)]
    raise ParseError(PLATFORM, "not a Tmall item page, detail API response or shop item list")


# --- H5 detail API ----------------------------------------------------------------------


def parse_api(data: Any) -> Listing:
    """One item from H5 detail data: `{"_DATA_Detail": …, "_DATA_Mdskip": …}` or the raw
    mtop response `{"data": {"item": …, "seller": …, "apiStack": [{"value": "<json>"}]}}`.
    """
    detail, mdskip = _split_api(data)
    item_id = (
        text_of(dig(mdskip, "item", "itemId"))
        or text_of(dig(detail, "item", "itemId"))
        or text_of(dig(detail, "itemDO", "itemId"))
    )
    if not item_id:
        raise ParseError(PLATFORM, "detail data without an item id")
    item_do = as_dict(detail.get("itemDO"))  # the 2015 generation of the same data
    seller = as_dict(detail.get("seller"))
    title = (
        text_of(dig(mdskip, "item", "title"))
        or text_of(dig(detail, "item", "title"))
        or text_of(item_do.get("title"))
    )
    images = [text_of(i) for i in as_list(dig(detail, "item", "images"))]
    images.append(text_of(item_do.get("mainPic")))
    return Listing(
        id=f"{PLATFORM}:{item_id}",
        platform=PLATFORM,
        url=f"https://detail.tmall.com/item.htm?id={item_id}",
        title=strip_tags(title),
        description=_api_description(detail, item_do),
        price=_api_price(detail, mdskip, item_do),
        seller=Seller(
            name=text_of(seller.get("shopName"))
            or text_of(seller.get("sellerNick"))
            or unquote(text_of(item_do.get("sellerNickName"))),
            location=format_location(
                text_of(dig(mdskip, "delivery", "from"))
                or text_of(dig(mdskip, "defaultModel", "deliveryDO", "deliveryAddress"))
                or text_of(item_do.get("prov"))
            ),
            id=text_of(seller.get("userId")) or text_of(item_do.get("userId")),
        ),
        images=unique_images(images),
        attributes=attribute_table(
            [
                f"{k}:{text_of(v)}"
                for group in as_list(dig(detail, "props", "groupProps"))
                for props in as_dict(group).values()
                for prop in as_list(props)
                for k, v in as_dict(prop).items()
            ]
        ),
    )


def _split_api(data: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    if not isinstance(data, dict):
        raise ParseError(PLATFORM, "detail data is not a JSON object")
    if "_DATA_Detail" in data or "_DATA_Mdskip" in data:
        return as_dict(data.get("_DATA_Detail")), as_dict(data.get("_DATA_Mdskip"))
    inner = as_dict(data.get("data"))
    if inner:
        stack = as_list(inner.get("apiStack"))
        live = as_dict(stack[0]).get("value") if stack else None
        if isinstance(live, str):  # mtop nests the live half as a JSON string
            try:
                live = json.loads(live)
            except json.JSONDecodeError:
                live = None
        return inner, as_dict(live)
    raise ParseError(PLATFORM, "JSON is neither H5 detail data nor a shop item list")


def _api_price(
    detail: Mapping[str, Any], mdskip: Mapping[str, Any], item_do: Mapping[str, Any]
) -> float | None:
    live = parse_price(text_of(dig(mdskip, "price", "price", "priceText")))
    if live is not None:
        return live
    sku_prices = [
        parse_price(text_of(as_dict(info).get("price")))
        for info in as_dict(dig(mdskip, "defaultModel", "itemPriceResultDO", "priceInfo")).values()
    ]
    known = [p for p in sku_prices if p is not None]
    if known:
        return min(known)
    for candidate in (
        dig(detail, "mock", "price", "price", "priceText"),
        dig(detail, "detail", "defaultItemPrice"),
        item_do.get("reservePrice"),
    ):
        price = parse_price(text_of(candidate))
        if price is not None:
            return price
    return None


def _api_description(detail: Mapping[str, Any], item_do: Mapping[str, Any]) -> str:
    parts = [text_of(dig(detail, "item", "subtitle")), text_of(item_do.get("newAttraction"))]
    for group in as_list(dig(detail, "props", "groupProps")):
        for props in as_dict(group).values():
            for prop in as_list(props):
                parts.extend(f"{k}:{text_of(v)}" for k, v in as_dict(prop).items())
    return "; ".join(p for p in parts if p)


# --- mobile item page (embeds the H5 data) -------------------------------------------


def parse_mobile_item(body: bytes, url: str = "") -> Listing:
    return parse_mobile_item_text(decode_html(body), url)


def parse_mobile_item_text(text: str, url: str = "") -> Listing:
    data = {
        "_DATA_Detail": embedded_json(text, _DETAIL_VAR),
        "_DATA_Mdskip": embedded_json(text, _MDSKIP_VAR),
    }
    listing = parse_api(data)
    page = Selector(text=text, type="html")
    shop = strip_tags(page.css("#s-shop .shop-t ::text").get() or "")
    price = parse_price(" ".join(page.css("#s-price .mui-price ::text").getall()))
    images = [
        _THUMB_SIZE.sub("", src)
        for src in page.css("#s-showcase img::attr(data-src), #s-showcase img::attr(src)").getall()
    ]
    return dataclasses.replace(
        listing,
        url=url or listing.url,
        seller=Seller(
            name=shop or listing.seller.name,
            location=listing.seller.location,
            id=listing.seller.id,
        ),
        # The page shows the list price; the embedded data may only have promotions.
        price=price if price is not None else listing.price,
        images=unique_images([*listing.images, *images]),
    )


# --- PC item page ----------------------------------------------------------------------


def parse_item(body: bytes, url: str = "") -> Listing:
    return parse_item_text(decode_html(body), url)


def parse_item_text(text: str, url: str = "") -> Listing:
    page = Selector(text=text, type="html")
    setup = as_dict(embedded_json(text, _SETUP))
    item_do = as_dict(setup.get("itemDO"))
    item_id = text_of(item_do.get("itemId")) or text_of(dig(setup, "rateConfig", "itemId"))
    if not item_id:
        raise ParseError(PLATFORM, "item page without TShop.Setup item data")
    title = (
        text_of(item_do.get("title"))
        or " ".join(page.css(".tb-detail-hd h1 ::text").getall())
        or _TITLE_SUFFIX.sub("", page.css("title::text").get() or "")
    )
    price = parse_price(" ".join(page.css(".tm-price::text").getall()))
    if price is None:
        price = parse_price(text_of(dig(setup, "detail", "defaultItemPrice")))
    if price is None:
        price = parse_price(text_of(item_do.get("reservePrice")))
    shop_name = (
        strip_tags(page.css(".slogo-shopname ::text").get() or "")
        or page.css("input[name=seller_nickname]::attr(value)").get()
        or unquote(text_of(item_do.get("sellerNickName")))
    )
    location = (
        " ".join(page.css("li.locus .right::text").getall()).strip()
        or page.css("input[name=region]::attr(value)").get()
        or text_of(item_do.get("prov"))
    )
    thumbs = [_THUMB_SIZE.sub("", src) for src in page.css("#J_UlThumb img::attr(src)").getall()]
    attributes = [strip_tags(a) for a in page.css("#J_AttrUL li::text").getall()]
    return Listing(
        id=f"{PLATFORM}:{item_id}",
        platform=PLATFORM,
        url=url or f"https://detail.tmall.com/item.htm?id={item_id}",
        title=strip_tags(title),
        description="; ".join(a for a in attributes if a),
        price=price,
        seller=Seller(
            name=shop_name or "",
            location=format_location(location or ""),
            id=text_of(item_do.get("userId")) or text_of(dig(setup, "rateConfig", "sellerId")),
        ),
        images=unique_images(thumbs),
        attributes=attribute_table(attributes),
    )


# --- shop item list ----------------------------------------------------------------------


def parse_shop_itemlist(data: Mapping[str, Any]) -> list[Listing]:
    """A shop's item-list data: `{"shop_title", "user_id", "items": [{item_id, title, …}]}`."""
    seller = Seller(name=text_of(data.get("shop_title")), id=text_of(data.get("user_id")))
    listings = []
    for raw in as_list(data.get("items")):
        item = as_dict(raw)
        item_id = text_of(item.get("item_id"))
        if not item_id.isdigit():
            continue
        listings.append(
            Listing(
                id=f"{PLATFORM}:{item_id}",
                platform=PLATFORM,
                url=absolute_url(text_of(item.get("url")))
                or f"https://detail.tmall.com/item.htm?id={item_id}",
                title=strip_tags(text_of(item.get("title"))),
                price=parse_price(text_of(item.get("price"))),
                seller=seller,
                images=unique_images([text_of(item.get("img"))]),
            )
        )
    return listings
