"""1688.com offer search pages: the offer list is inline JSON (`pageConfig.listOffer`);
when a page has only rendered cards we fall back to the offer links in the markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers.common import (
    as_dict,
    as_list,
    dig,
    embedded_json,
    format_location,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

PLATFORM = "1688"
_PAGE_CONFIG = re.compile(r"\bpageConfig\s*=\s*")
_OFFER_URL = re.compile(r"detail\.1688\.com/offer/(\d+)\.html")


def extract(body: bytes, url: str = "") -> list[Listing]:
    return parse_search(body, url)


def parse_search(body: bytes, url: str = "") -> list[Listing]:
    text = decode_html(body)
    config = embedded_json(text, _PAGE_CONFIG)
    offers = dig(config, "listOffer")
    if isinstance(offers, list):
        return [o for o in (offer_listing(as_dict(raw)) for raw in offers) if o is not None]
    listings = _cards(Selector(text=text, type="html"))
    if not listings and not isinstance(config, dict):
        raise ParseError(PLATFORM, "no offer list (pageConfig.listOffer) or offer links in page")
    return listings


def offer_listing(offer: Mapping[str, Any]) -> Listing | None:
    attr = as_dict(offer.get("attr"))
    offer_id = (
        text_of(offer.get("offerid"))
        or text_of(offer.get("offerId"))
        or text_of(attr.get("id"))
        or text_of(dig(offer, "discountPrice", "id"))
    )
    if not offer_id.isdigit():
        return None
    company = as_dict(attr.get("company"))
    properties = [
        f"{text_of(as_dict(p).get('p'))}:{text_of(as_dict(p).get('v'))}"
        for p in as_list(offer.get("cpv"))
    ]
    return Listing(
        id=f"{PLATFORM}:{offer_id}",
        platform=PLATFORM,
        url=f"https://detail.1688.com/offer/{offer_id}.html",
        title=strip_tags(text_of(offer.get("title")) or text_of(offer.get("subject"))),
        description="; ".join(p for p in properties if p != ":"),
        price=_price(offer, attr),
        seller=Seller(
            name=text_of(company.get("name")) or text_of(offer.get("loginId")),
            location=format_location(
                text_of(company.get("province")), text_of(company.get("city"))
            ),
            id=text_of(offer.get("memberId")),
        ),
        images=unique_images([text_of(offer.get("imgUrl"))]),
    )


def _price(offer: Mapping[str, Any], attr: Mapping[str, Any]) -> float | None:
    """The price the card shows: the list price before the buyer-specific discount."""
    for value in (
        dig(offer, "discountPrice", "price"),
        offer.get("strPriceMoney"),
        dig(offer, "priceMoney", "amount"),
    ):
        price = parse_price(value if isinstance(value, (int, float)) else text_of(value))
        if price:
            return price
    split = as_dict(dig(attr, "tradePrice", "offerPrice", "value"))
    whole, cents = split.get("integer"), split.get("decimals")
    if isinstance(whole, int) and isinstance(cents, int):
        return round(whole + cents / 100, 2)
    return None


def _cards(page: Selector) -> list[Listing]:
    listings: list[Listing] = []
    seen: set[str] = set()
    for link in page.css("a[href*='detail.1688.com/offer/']"):
        match = _OFFER_URL.search(link.attrib.get("href", ""))
        if not match or match.group(1) in seen:
            continue
        offer_id = match.group(1)
        seen.add(offer_id)
        card = link.xpath("ancestor-or-self::*[contains(@class,'offer')][1]") or link
        title = card.css(".subject::attr(title)").get() or strip_tags(
            card.css(".subject, .title").get() or link.attrib.get("title", "")
        )
        listings.append(
            Listing(
                id=f"{PLATFORM}:{offer_id}",
                platform=PLATFORM,
                url=f"https://detail.1688.com/offer/{offer_id}.html",
                title=title,
                price=parse_price(" ".join(card.css(".price ::text").getall())),
                images=unique_images(card.css("img::attr(src)").getall()[:1]),
            )
        )
    return listings
