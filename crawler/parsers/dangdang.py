"""Dangdang book lists as scraped items: `[{"name", "price": "¥16.00", "src"}]`.

The records carry no product id, but Dangdang names product images after the product
(`//img3m8.ddimg.cn/5/14/27878108-1_b_….jpg` belongs to product 27878108), so the id
comes from there; records without such an image get a hash of their name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from crawler.parsers.common import (
    as_dict,
    as_list,
    load_json,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing

PLATFORM = "dangdang"
_IMAGE_PRODUCT_ID = re.compile(r"ddimg\.cn/(?:[\w-]+/)*(\d+)-\d+_\w")


def extract(body: bytes, url: str = "") -> list[Listing]:
    return parse_items(load_json(body, PLATFORM))


def looks_like_dangdang(data: Any) -> bool:
    first = as_dict(data[0]) if isinstance(data, list) and data else {}
    return "ddimg.cn" in text_of(first.get("src")) or (
        "name" in first and "price" in first and "src" in first
    )


def parse_items(data: Any) -> list[Listing]:
    if not isinstance(data, list):
        raise ParseError(PLATFORM, "expected a JSON list of scraped items")
    return [x for x in (item_listing(as_dict(raw)) for raw in as_list(data)) if x is not None]


def item_listing(item: Mapping[str, Any]) -> Listing | None:
    title = strip_tags(text_of(item.get("name")))
    image = text_of(item.get("src"))
    if not title:
        return None
    match = _IMAGE_PRODUCT_ID.search(image)
    if match:
        product_id = match.group(1)
        url = f"http://product.dangdang.com/{product_id}.html"
    else:
        product_id = hashlib.sha1(title.encode("utf-8")).hexdigest()[:16]
        url = ""
    return Listing(
        id=f"{PLATFORM}:{product_id}",
        platform=PLATFORM,
        url=url,
        title=title,
        price=parse_price(text_of(item.get("price"))),
        images=unique_images([image]),
    )
