"""JD: search result pages (`gl-item` cards), item pages, and the price endpoint.

JD item pages carry no price: the browser fetches it from a p.3.cn-style endpoint that
answers `[{"id": "J_100105483276", "p": "39.90", "m": "59.00"}]` (or JSONP of it).
Search cards usually render the price, but not always; a missing price stays None
until `merge_prices` fills it in from that endpoint's answer.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers.common import (
    absolute_url,
    as_dict,
    as_list,
    attribute_table,
    load_json,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from crawler.parsers.jsvalues import js_array, js_number, js_string
from detectors.types import Listing, Seller

PLATFORM = "jd"
_SKU_URL = re.compile(r"item\.jd\.com/(\d+)\.html")
_TITLE_SUFFIX = re.compile(r"【[^】]*】.*$|\s*-\s*京东\s*$")
_IMAGE_HOST = "https://img14.360buyimg.com/n1/"
_JSON_ANSWER = re.compile(r"\s*(?:[\w$.]+\(\s*)?[\[{]")  # JSON or JSONP


def extract(body: bytes, url: str = "") -> list[Listing]:
    """A search page, an item page, or a price-endpoint answer (sniffed from content)."""
    text = decode_html(body)
    if _JSON_ANSWER.match(text):
        return [
            Listing(id=f"{PLATFORM}:{sku}", platform=PLATFORM, price=price,
                    url=f"https://item.jd.com/{sku}.html")
            for sku, price in parse_price_api(text).items()
        ]  # fmt: skip
    if "gl-item" in text:
        return parse_search_text(text, url)
    return [parse_item_text(text, url)]


# --- search -------------------------------------------------------------------------------


def parse_search(body: bytes, url: str = "") -> list[Listing]:
    return parse_search_text(decode_html(body), url)


def parse_search_text(text: str, url: str = "") -> list[Listing]:
    page = Selector(text=text, type="html")
    cards = page.css(".gl-item")
    if not cards and not page.css("#J_goodsList, .goods-list-v2, #plist"):
        raise ParseError(PLATFORM, "not a JD search page (no goods list)")
    listings = []
    for card in cards:
        sku = (card.attrib.get("data-sku") or "").strip()
        if not sku.isdigit():
            continue  # ad slots and placeholders
        name = card.css(".p-name em")
        title = strip_tags(name[0].get()) if name else ""
        title = title or strip_tags(card.css(".p-name a::attr(title)").get() or "")
        strong = card.css(".p-price strong")
        price_text = strong.attrib.get("data-price") if strong else None
        if not price_text:
            price_text = " ".join(card.css(".p-price i::text").getall())
        shop = card.css(".p-shop")
        shop_name = card.css(".p-shop a::attr(title)").get() or card.css(".p-shop a::text").get()
        shop_id = (shop.attrib.get("data-shopid") if shop else None) or card.css(
            "[data-venid]::attr(data-venid)"
        ).get()
        link = card.css(".p-img a::attr(href)").get() or f"//item.jd.com/{sku}.html"
        listings.append(
            Listing(
                id=f"{PLATFORM}:{sku}",
                platform=PLATFORM,
                url=absolute_url(link, url),
                title=title,
                description=strip_tags(card.css(".p-name .promo-words").get() or ""),
                price=parse_price(price_text),
                seller=Seller(name=strip_tags(shop_name or ""), id=(shop_id or "").strip()),
                images=unique_images([_card_image(card)], url),
            )
        )
    return listings


def _card_image(card: Selector) -> str:
    image = card.css(".p-img img")
    if not image:
        return ""
    for attribute in ("data-lazy-img", "source-data-lazy-img", "src"):
        value = (image[0].attrib.get(attribute) or "").strip()
        if value and value != "done":  # "done": the lazy loader already swapped it in
            return value
    return ""


# --- item page ------------------------------------------------------------------------------


def parse_item(body: bytes, url: str = "") -> Listing:
    return parse_item_text(decode_html(body), url)


def parse_item_text(text: str, url: str = "") -> Listing:
    page = Selector(text=text, type="html")
    match = _SKU_URL.search(url)
    sku = js_number(text, "skuid") or (match.group(1) if match else "")
    if not sku:
        canonical = page.css("link[rel=canonical]::attr(href)").get() or ""
        match = _SKU_URL.search(canonical)
        sku = match.group(1) if match else ""
    if not sku:
        raise ParseError(PLATFORM, "not a JD search or item page (no sku)")
    title = (
        strip_tags(" ".join(page.css(".sku-name::text").getall()))
        or js_string(text, "name")
        or _TITLE_SUFFIX.sub("", page.css("title::text").get() or "").strip()
    )
    shop_name = (
        page.css(".J-hove-wrap .name a::attr(title)").get()
        or page.css(".shopName a::text, .popbox-inner .mt h3 a::text").get()
        or page.css(".contact .name a::text").get()
        or ""
    )
    images = [
        absolute_url(u) if u.startswith(("//", "http")) else _IMAGE_HOST + u
        for u in (text_of(i) for i in js_array(text, "imageList"))
        if u
    ]
    if not images:
        images = [
            absolute_url(src)
            for src in page.css("#spec-img::attr(data-origin), #spec-img::attr(src)").getall()
        ]
    parameters = [
        strip_tags(li) for li in page.css(".parameter2 li, .p-parameter-list li").getall()
    ]
    return Listing(
        id=f"{PLATFORM}:{sku}",
        platform=PLATFORM,
        url=url or f"https://item.jd.com/{sku}.html",
        title=title,
        description="; ".join(parameters),
        # The page itself shows a placeholder; the real price comes from the endpoint.
        price=parse_price(" ".join(page.css(".p-price .price::text").getall())),
        seller=Seller(
            name=strip_tags(shop_name),
            id=js_number(text, "shopId") or js_number(text, "venderId"),
        ),
        images=unique_images(images),
        attributes=attribute_table(parameters),
    )


# --- price endpoint -----------------------------------------------------------------------------


def parse_price_api(body: bytes | str) -> dict[str, float | None]:
    """sku -> price in CNY from the price endpoint's answer (None when JD shows no price)."""
    data = load_json(body, PLATFORM)
    if isinstance(data, dict):  # some variants wrap the list
        data = data.get("data") or data.get("result") or [data]
    prices: dict[str, float | None] = {}
    for raw in as_list(data):
        entry = as_dict(raw)
        sku = text_of(entry.get("id")).removeprefix("J_")
        if not sku.isdigit():
            continue
        prices[sku] = parse_price(text_of(entry.get("p")))
    return prices


def merge_prices(
    listings: Iterable[Listing], price_answer: bytes | str | Mapping[str, Any]
) -> list[Listing]:
    """`listings` with prices from the price endpoint where the endpoint knows the sku.

    `price_answer` is the endpoint's raw body or an already parsed sku -> price mapping.
    A price already on the listing is replaced: the endpoint is the live number.
    """
    prices = (
        dict(price_answer) if isinstance(price_answer, Mapping) else parse_price_api(price_answer)
    )
    merged = []
    for listing in listings:
        sku = listing.id.removeprefix(f"{PLATFORM}:")
        price = prices.get(sku)
        merged.append(dataclasses.replace(listing, price=price) if price is not None else listing)
    return merged
