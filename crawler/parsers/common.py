"""Small helpers every platform parser shares: JSON guards, prices, URLs, places."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from crawler.encoding import decode_html
from crawler.parsers.errors import ParseError

# Province-level names as the platforms abbreviate them ("广东 深圳", "江苏南京").
PROVINCES: tuple[str, ...] = (
    "黑龙江", "内蒙古",  # three-character names first so "黑龙江" is not cut short
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南",
    "陕西", "甘肃", "青海", "台湾", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip
_PROVINCE_SUFFIXES = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区",
                      "特别行政区")  # fmt: skip
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LOCATION_SEPARATORS = re.compile(r"[\s,，/|·]+")


def load_json(body: bytes | str, platform: str) -> Any:
    """Parse a JSON (or JSONP) response body, or raise ParseError."""
    text = decode_html(body) if isinstance(body, bytes) else body
    text = text.strip()
    if text and text[0] not in "[{":
        # JSONP: callback({...}); keep what is inside the outermost parentheses.
        start, end = text.find("("), text.rfind(")")
        if start == -1 or end <= start:
            raise ParseError(platform, "response is not JSON")
        text = text[start + 1 : end]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(platform, f"malformed JSON ({exc.msg} at char {exc.pos})") from None


def embedded_json(text: str, marker: str | re.Pattern[str]) -> Any | None:
    """The JSON value assigned right after `marker` in a page script, or None.

    Uses a streaming decode, so whatever follows the value (`;`, more script) is ignored.
    """
    if isinstance(marker, str):
        index = text.find(marker)
        if index == -1:
            return None
        start = index + len(marker)
    else:
        match = marker.search(text)
        if match is None:
            return None
        start = match.end()
    while start < len(text) and text[start] not in "{[":
        if not text[start].isspace() and text[start] != "=":
            return None  # something other than a literal is assigned
        start += 1
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return None
    return value


def as_dict(value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one (APIs change types under us)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dig(value: Any, *path: str) -> Any:
    """value[p0][p1]... through JSON objects; None as soon as a step is missing."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text_of(value: Any) -> str:
    """A JSON scalar as display text; objects, lists and null become ""."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return ""


def strip_tags(markup: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", markup))).strip()


def parse_price(value: Any) -> float | None:
    """A price in currency units from "¥16.00", "149.00 - 159.00" (the low end), 39.9 ...

    None when there is no usable number: empty, negative, NaN, or not a number at all.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        if value.strip().startswith("-"):  # JD answers "-1.00" for "no price"
            return None
        numbers = [float(n) for n in _NUMBER.findall(value.replace(",", ""))]
        if not numbers:
            return None
        number = min(numbers)
    else:
        return None
    if math.isnan(number) or math.isinf(number) or number < 0:
        return None
    return round(number, 2)


def fen_to_yuan(value: Any) -> float | None:
    """Pinduoduo-style integer prices in fen (1/100 CNY) as CNY."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
        return None
    return round(value / 100, 2)


def absolute_url(url: str, base: str = "") -> str:
    """Protocol-relative ("//img...") URLs get https:, relative ones are joined to `base`."""
    url = url.strip()
    if not url:
        return ""
    if url.startswith("//"):
        return "https:" + url
    if base and not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return urljoin(base, url)
    return url


def format_location(*parts: str) -> str:
    """A seller location in the platforms' own style: province and city, one space apart.

    "江苏,  南京" and "江苏南京" both become "江苏 南京"; "广东省 深圳市" keeps its words.
    """
    words = [w for part in parts for w in _LOCATION_SEPARATORS.split(part or "") if w]
    if len(words) == 1:
        words = _split_province(words[0])
    deduped: list[str] = []
    for word in words:
        if word not in deduped:  # "上海 上海" says nothing more than "上海"
            deduped.append(word)
    return " ".join(deduped)


def _split_province(word: str) -> list[str]:
    for province in PROVINCES:
        if word.startswith(province):
            rest = word[len(province) :]
            for suffix in _PROVINCE_SUFFIXES:
                if rest.startswith(suffix):
                    province, rest = province + suffix, rest[len(suffix) :]
                    break
            return [province, rest] if rest else [province]
    return [word]


def unique_images(urls: list[str], base: str = "") -> tuple[str, ...]:
    seen: list[str] = []
    for url in urls:
        absolute = absolute_url(url, base)
        if absolute and absolute not in seen:
            seen.append(absolute)
    return tuple(seen)


_ATTRIBUTE_SPLIT_RE = re.compile(r"\s*[:：]\s*")


def attribute_table(items: list[str]) -> dict[str, str]:
    """An item page's attribute list ("产地:&nbsp;吉林省抚松县", "品牌：X") as label -> value.

    The first colon (half- or full-width) splits label from value; entries without one and
    empty values are left out; a label seen twice keeps its first value.
    """
    table: dict[str, str] = {}
    for item in items:
        parts = _ATTRIBUTE_SPLIT_RE.split(item.replace("\xa0", " ").strip(), maxsplit=1)
        if len(parts) != 2:
            continue
        label, value = parts[0].strip(), " ".join(parts[1].split())
        if label and value and len(label) <= 20:
            table.setdefault(label, value)
    return table
