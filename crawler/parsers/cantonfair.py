"""Canton Fair (cantonfair.org.cn): the exhibitor-search API and exhibit search records.

Exhibitor search answers `{"ReturnData": {"Exhibitors": [{ExhibitorID, Name, KeyWord,
BoothInfos}]}}`; an exhibitor directory page embeds the same JSON in a script. Exhibit
records (`getSearchGoods`) name the product and its exhibitor; saved as CSV, their
list-valued cells hold Python-literal text ("['https://…']").
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers.common import (
    as_dict,
    as_list,
    dig,
    format_location,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

PLATFORM = "cantonfair"
SOURCE = "expo"
# The fair's currency codes, as inferred from the records (USD for the export quotes).
CURRENCIES: Mapping[str, str] = {"1": "CNY", "2": "USD"}
_COUNTRY_LEVEL = {"中国", "China", "Mainland China"}


def extract(body: bytes, url: str = "") -> list[Listing]:
    """Exhibitor API JSON, exhibit JSON or CSV, or an exhibitor directory page."""
    text = decode_html(body).lstrip("\ufeff")
    head = text.lstrip()[:1]
    if head in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(PLATFORM, f"malformed JSON ({exc.msg} at char {exc.pos})") from None
        return parse_json(data)
    if head == "<":
        return parse_exhibitor_page(text)
    return parse_exhibits_csv(text)


def parse_json(data: Any) -> list[Listing]:
    if _exhibitors(data) is not None:
        return parse_exhibitor_api(data)
    rows = data if isinstance(data, list) else dig(data, "data", "list") or dig(data, "list")
    if isinstance(rows, list):
        return [x for x in (parse_exhibit_record(as_dict(r)) for r in rows) if x is not None]
    raise ParseError(PLATFORM, "JSON is neither an exhibitor search answer nor exhibit records")


# --- exhibitors -------------------------------------------------------------------------


def parse_exhibitor_api(data: Any) -> list[Listing]:
    """One Listing per exhibitor: the company is both the seller and what is listed."""
    exhibitors = _exhibitors(data)
    if exhibitors is None:
        raise ParseError(PLATFORM, "no ReturnData.Exhibitors list in the answer")
    listings = []
    for raw in exhibitors:
        exhibitor = as_dict(raw)
        exhibitor_id = text_of(exhibitor.get("ExhibitorID"))
        name = text_of(exhibitor.get("Name"))
        if not exhibitor_id or not name:
            continue
        booths = [as_dict(b) for b in as_list(exhibitor.get("BoothInfos"))]
        details = [text_of(exhibitor.get("KeyWord"))]
        details += [f"{text_of(b.get('CategoryName'))} {text_of(b.get('Name'))}" for b in booths]
        listings.append(
            Listing(
                id=f"{PLATFORM}:{exhibitor_id}",
                platform=PLATFORM,
                url=text_of(exhibitor.get("Url")),
                title=name,
                description="; ".join(d.strip() for d in details if d.strip()),
                price=None,
                seller=Seller(name=name, id=exhibitor_id),
                source=SOURCE,
            )
        )
    return listings


def parse_exhibitor_page(text: str) -> list[Listing]:
    """An exhibitor directory page whose script embeds the exhibitor-search JSON."""
    for script in Selector(text=text, type="html").css("script::text").getall():
        start = script.find("{")
        while start != -1:
            try:
                data, _ = json.JSONDecoder().raw_decode(script, start)
            except json.JSONDecodeError:
                start = script.find("{", start + 1)
                continue
            if _exhibitors(data) is not None:
                return parse_exhibitor_api(data)
            break
    raise ParseError(PLATFORM, "page embeds no exhibitor-search JSON")


def _exhibitors(data: Any) -> list[Any] | None:
    for path in (("ReturnData", "Exhibitors"), ("Exhibitors",), ("data", "Exhibitors")):
        found = dig(data, *path)
        if isinstance(found, list):
            return found
    return None


# --- exhibits ------------------------------------------------------------------------------


def parse_exhibits_csv(text: str) -> list[Listing]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        if not reader.fieldnames or "productId" not in reader.fieldnames:
            raise ParseError(PLATFORM, "CSV without a productId column")
        rows = list(reader)
    except csv.Error as exc:
        raise ParseError(PLATFORM, f"malformed CSV: {exc}") from None
    return [x for x in (parse_exhibits_csv_row(row) for row in rows) if x is not None]


def parse_exhibits_csv_row(row: Mapping[str, Any]) -> Listing | None:
    """One exhibit record from the CSV (list cells are Python-literal text)."""
    return parse_exhibit_record(row)


def parse_exhibit_record(record: Mapping[str, Any]) -> Listing | None:
    """One exhibit, from a CSV row or the JSON API alike; None without a product id."""
    product_id = text_of(record.get("productId"))
    if not product_id:
        return None
    low = parse_price(text_of(record.get("minPrice")))
    currency = CURRENCIES.get(text_of(record.get("currency")), "CNY")
    region = [
        text_of(as_dict(area).get("label"))
        for area in _listish(record.get("countryArea"))
        if text_of(as_dict(area).get("label")) not in _COUNTRY_LEVEL
    ]
    tags = [text_of(as_dict(t).get("title")) for t in _listish(record.get("tagNameCN"))]
    description = strip_tags(text_of(record.get("descriptionCN"))) or strip_tags(
        text_of(record.get("descriptionEN"))
    )
    return Listing(
        id=f"{PLATFORM}:{product_id}",
        platform=PLATFORM,
        url=text_of(record.get("productHrefCN")) or text_of(record.get("productHrefEN")),
        title=text_of(record.get("productNameCN")) or text_of(record.get("productNameEN")),
        description="; ".join(p for p in (description, " ".join(t for t in tags if t)) if p),
        price=low if low else None,  # 0 means "price on request"
        currency=currency,
        seller=Seller(
            name=text_of(record.get("companyNameCN")) or text_of(record.get("companyNameEN")),
            location=format_location(*region),
            id=text_of(record.get("companyId")),
        ),
        images=unique_images([text_of(i) for i in _listish(record.get("imageList"))]),
        source=SOURCE,
    )


def _listish(value: Any) -> list[Any]:
    """A list cell: a real list (JSON API) or its Python/JSON literal text (CSV)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str) or not value.strip().startswith("["):
        return []
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return []
    return parsed if isinstance(parsed, list) else []
