"""Taobao: search result pages (inline `g_page_config` JSON) and item detail pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers import tmall
from crawler.parsers.common import (
    absolute_url,
    as_dict,
    attribute_table,
    dig,
    embedded_json,
    format_location,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from crawler.parsers.jsvalues import js_array, js_number, js_string
from detectors.types import Listing, Seller

PLATFORM = "taobao"
_PAGE_CONFIG = re.compile(r"g_page_config\s*=\s*")
_TITLE_SUFFIX = re.compile(r"\s*-\s*淘宝网\s*$")


def extract(body: bytes, url: str = "") -> list[Listing]:
    """Any Taobao page: a search result page or an item page (Tmall items go to tmall)."""
    text = decode_html(body)
    if _PAGE_CONFIG.search(text):
        return parse_search_text(text, url)
    if tmall.looks_like_tmall(text):
        return tmall.extract_text(text, url)
    return [parse_item_text(text, url)]


def parse_search(body: bytes, url: str = "") -> list[Listing]:
    return parse_search_text(decode_html(body), url)


def parse_search_text(text: str, url: str = "") -> list[Listing]:
    config = embedded_json(text, _PAGE_CONFIG)
    if not isinstance(config, dict):
        raise ParseError(PLATFORM, "search page without a readable g_page_config")
    auctions = dig(config, "mods", "itemlist", "data", "auctions")
    if auctions is None:
        return []  # a "no results" page has no item list at all
    if not isinstance(auctions, list):
        raise ParseError(PLATFORM, "g_page_config item list is not a list")
    listings = []
    for auction in auctions:
        listing = _auction_listing(as_dict(auction))
        if listing is not None:
            listings.append(listing)
    return listings


def _auction_listing(auction: Mapping[str, Any]) -> Listing | None:
    nid = text_of(auction.get("nid"))
    if not nid.isdigit():
        return None
    # `title` carries <span class=H> highlights and, for ads, a longer ad text.
    marked_title = strip_tags(text_of(auction.get("title")))
    title = strip_tags(text_of(auction.get("raw_title"))) or marked_title
    # Canonical item URL: ads point at a click tracker, others carry tracking parameters.
    on_tmall = "tmall.com" in text_of(auction.get("detail_url"))
    host = "detail.tmall.com" if on_tmall else "item.taobao.com"
    detail_url = f"https://{host}/item.htm?id={nid}"
    return Listing(
        id=f"{PLATFORM}:{nid}",
        platform=PLATFORM,
        url=detail_url,
        title=title,
        description=marked_title if marked_title != title else "",
        price=parse_price(text_of(auction.get("view_price"))),
        seller=Seller(
            name=text_of(auction.get("nick")),
            location=format_location(text_of(auction.get("item_loc"))),
            id=text_of(auction.get("user_id")),
        ),
        images=unique_images([text_of(auction.get("pic_url"))]),
    )


def parse_item(body: bytes, url: str = "") -> Listing:
    return parse_item_text(decode_html(body), url)


def parse_item_text(text: str, url: str = "") -> Listing:
    page = Selector(text=text, type="html")
    item_id = (
        js_number(text, "itemId")
        or _id_from_url(url)
        or _id_from_url(page.css("link[rel=canonical]::attr(href)").get() or "")
    )
    if not item_id:
        raise ParseError(PLATFORM, "not a Taobao search or item page (no item id)")
    title = (
        page.css(".tb-main-title::attr(data-title)").get()
        or " ".join(page.css("#J_Title .tb-main-title ::text").getall())
        or _TITLE_SUFFIX.sub("", page.css("title::text").get() or "")
    )
    price_text = (
        page.css("#J_PromoPriceNum::text").get() or page.css("#J_StrPrice .tb-rmb-num::text").get()
    )
    attributes = [strip_tags(a) for a in page.css("ul.attributes-list li::text").getall()]
    shop_name = strip_tags(page.css(".tb-shop-name ::text").get() or "") or js_string(
        text, "shopName"
    )
    images = [absolute_url(text_of(i)) for i in js_array(text, "auctionImages")]
    if not images:
        images = [
            re.sub(r"_\d+x\d+\.jpg.*$", "", src)  # thumbnails -> the full picture
            for src in page.css("#J_UlThumb img::attr(data-src)").getall()
        ]
    return Listing(
        id=f"{PLATFORM}:{item_id}",
        platform=PLATFORM,
        url=url or f"https://item.taobao.com/item.htm?id={item_id}",
        title=strip_tags(title),
        description="; ".join(a for a in attributes if a),
        price=parse_price(price_text),
        seller=Seller(
            name=shop_name or js_string(text, "sellerNick"),
            id=js_number(text, "sellerId"),
        ),
        images=unique_images(images),
        attributes=attribute_table(attributes),
    )


def _id_from_url(url: str) -> str:
    values = parse_qs(urlparse(url).query).get("id", [])
    return values[0] if values and values[0].isdigit() else ""
