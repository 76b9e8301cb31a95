"""Any page with schema.org Product data (JSON-LD, microdata, RDFa via extruct), with
OpenGraph (`og:title`, `product:price:amount`) as the fallback.

Ids are `generic:<host>:<sku>` when the product names a sku/productID/mpn/gtin,
else `generic:<sha1 of the canonical URL>[:16]`, so the same page always gets the same id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlparse

import extruct
from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers.common import (
    absolute_url,
    as_dict,
    format_location,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

PLATFORM = "generic"
_SYNTAXES = ["json-ld", "microdata", "rdfa", "opengraph"]
_SKU_KEYS = ("sku", "productID", "mpn", "gtin13", "gtin", "gtin12", "gtin14", "gtin8")
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")


def extract(body: bytes, url: str = "") -> list[Listing]:
    return parse_product_page(body, url)


def parse_product_page(body: bytes, url: str = "") -> list[Listing]:
    """One Listing per named schema.org Product on the page, else one from OpenGraph."""
    text = decode_html(body)
    if text.lstrip()[:1] in ("{", "["):
        raise ParseError(PLATFORM, "expected an HTML page, got JSON")
    canonical = _canonical_url(text, url)
    try:
        data = extruct.extract(text, base_url=canonical or None, syntaxes=_SYNTAXES,
                               uniform=True, errors="ignore")  # fmt: skip
    except (ValueError, TypeError) as exc:  # extruct gives up on some malformed markup
        raise ParseError(PLATFORM, f"unreadable markup ({exc})") from None
    listings: list[Listing] = []
    seen: set[str] = set()
    for product in _products(data):
        listing = _product_listing(product, canonical)
        if listing is not None and listing.id not in seen and listing.title not in seen:
            seen.update((listing.id, listing.title))
            listings.append(listing)
    if listings:
        return listings
    for graph in data.get("opengraph", []):
        listing = _opengraph_listing(as_dict(graph), canonical)
        if listing is not None:
            return [listing]
    raise ParseError(PLATFORM, "no schema.org Product or OpenGraph title on the page")


def _canonical_url(text: str, url: str) -> str:
    page = Selector(text=text, type="html")
    for candidate in (
        page.css("link[rel=canonical]::attr(href)").get(),
        page.css("meta[property='og:url']::attr(content)").get(),
    ):
        if candidate and candidate.strip():
            return urljoin(url, candidate.strip()) if url else candidate.strip()
    return url


def _products(data: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for item in _flatten(data.get("json-ld", [])):
        if _is_product(item.get("@type")):
            yield item
    for item in data.get("microdata", []):
        if isinstance(item, dict) and _is_product(item.get("@type")):
            yield item
    yield from _rdfa_products(data.get("rdfa", []))


def _flatten(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, dict):
        yield value
        yield from _flatten(value.get("@graph", []))


def _is_product(kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(text_of(k).rsplit("/", 1)[-1] in ("Product", "ProductModel") for k in kinds)


def _rdfa_products(nodes: list[Any]) -> Iterator[Mapping[str, Any]]:
    """RDFa comes out as expanded JSON-LD; rebuild plain schema.org-shaped dicts."""
    by_id = {text_of(n.get("@id")): n for n in nodes if isinstance(n, dict)}

    def simplify(node: Mapping[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {"@type": node.get("@type")}
        for key, values in node.items():
            if not key.startswith(_SCHEMA_PREFIXES) or not isinstance(values, list):
                continue
            simple = []
            for value in values:
                value = as_dict(value)
                if "@value" in value:
                    simple.append(value["@value"])
                elif value.get("@id") in by_id and depth < 3:
                    simple.append(simplify(by_id[value["@id"]], depth + 1))
                elif "@id" in value:
                    simple.append(value["@id"])
            out[key.rsplit("/", 1)[-1]] = simple[0] if len(simple) == 1 else simple
        return out

    for node in by_id.values():
        if _is_product(node.get("@type")):
            yield simplify(node, 0)


def _first_text(value: Any) -> str:
    if isinstance(value, list):
        return next((t for t in (_first_text(v) for v in value) if t), "")
    if isinstance(value, dict):
        return text_of(value.get("name")) or text_of(value.get("@value"))
    return text_of(value)


def _product_listing(product: Mapping[str, Any], canonical: str) -> Listing | None:
    title = strip_tags(_first_text(product.get("name")))
    if not title:
        return None
    offers = product.get("offers")
    offer = as_dict(offers[0] if isinstance(offers, list) and offers else offers)
    price = None
    for key in ("price", "lowPrice", "highPrice"):
        price = parse_price(_first_text(offer.get(key)))
        if price is not None:
            break
    seller = as_dict(offer.get("seller"))
    address = as_dict(seller.get("address"))
    product_url = text_of(product.get("url"))
    url = urljoin(canonical, product_url) if product_url else canonical
    images = product.get("image")
    image_list = images if isinstance(images, list) else [images]
    return Listing(
        id=_listing_id(product, url, title),
        platform=PLATFORM,
        url=url,
        title=title,
        description=strip_tags(_first_text(product.get("description"))),
        price=price,
        currency=text_of(offer.get("priceCurrency")).upper() or "CNY",
        seller=Seller(
            name=_first_text(seller.get("name")),
            location=format_location(
                text_of(address.get("addressRegion")), text_of(address.get("addressLocality"))
            ),
        ),
        images=unique_images(
            [absolute_url(_image_url(i), canonical) for i in image_list if _image_url(i)]
        ),
    )


def _image_url(value: Any) -> str:
    if isinstance(value, dict):
        return text_of(value.get("url")) or text_of(value.get("contentUrl"))
    return text_of(value)


def _opengraph_listing(graph: Mapping[str, Any], canonical: str) -> Listing | None:
    title = strip_tags(text_of(graph.get("og:title")))
    if not title:
        return None
    og_url = text_of(graph.get("og:url"))
    url = urljoin(canonical, og_url) if og_url else canonical
    price = parse_price(
        text_of(graph.get("product:price:amount")) or text_of(graph.get("og:price:amount"))
    )
    currency = text_of(graph.get("product:price:currency")) or text_of(
        graph.get("og:price:currency")
    )
    return Listing(
        id=_listing_id({}, url, title),
        platform=PLATFORM,
        url=url,
        title=title,
        description=strip_tags(text_of(graph.get("og:description"))),
        price=price,
        currency=currency.upper() or "CNY",
        images=unique_images([absolute_url(text_of(graph.get("og:image")), canonical)]),
    )


def _listing_id(product: Mapping[str, Any], url: str, title: str) -> str:
    host = urlparse(url).hostname or ""
    for key in _SKU_KEYS:
        sku = _first_text(product.get(key))
        if sku:
            return f"{PLATFORM}:{host}:{sku}" if host else f"{PLATFORM}:{sku}"
    basis = url or title
    return f"{PLATFORM}:{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:16]}"
