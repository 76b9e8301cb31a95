"""Page parsers: bytes of a saved page or API response in, Listings out. No network.

`extract(platform, body, url)` picks the platform's parser, which sniffs the page kind
(search page, item page, API JSON) from the content itself. `platform="auto"` also
sniffs the platform, from the URL when given, else from the content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from urllib.parse import urlparse

from crawler.encoding import decode_html
from crawler.parsers import (
    ali1688,
    cantonfair,
    dangdang,
    generic,
    jd,
    pdd,
    taobao,
    taobao_mtop,
    tmall,
)
from crawler.parsers.errors import ParseError
from detectors.types import Listing

Parser = Callable[[bytes, str], list[Listing]]

PARSERS: Mapping[str, Parser] = MappingProxyType(
    {
        "taobao": taobao.extract,
        "taobao_mtop": taobao_mtop.extract,  # today's search answer (mtop JSONP)
        "tmall": tmall.extract,
        "jd": jd.extract,
        "pdd": pdd.extract,
        "1688": ali1688.extract,
        "cantonfair": cantonfair.extract,
        "expo": cantonfair.extract,  # the one exhibition we model so far
        "dangdang": dangdang.extract,
        "generic": generic.extract,
    }
)
PLATFORMS: tuple[str, ...] = (*PARSERS, "auto")

# URL host suffix -> platform, most specific first.
_HOSTS: tuple[tuple[str, str], ...] = (
    ("tmall.com", "tmall"),
    ("taobao.com", "taobao"),
    ("jd.com", "jd"),
    ("3.cn", "jd"),
    ("yangkeduo.com", "pdd"),
    ("pinduoduo.com", "pdd"),
    ("1688.com", "1688"),
    ("cantonfair.org.cn", "cantonfair"),
    ("dangdang.com", "dangdang"),
)
# Content markers -> platform, checked in order on the decoded head of the body.
_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"g_page_config\s*="), "taobao"),
    (re.compile(r"TShop\.Setup\(|\b_DATA_Detail\b|\b_DATA_Mdskip\b|tmall\.com天猫"), "tmall"),
    (re.compile(r'"goods_list"\s*:'), "pdd"),
    (re.compile(r'"shop_id"\s*:[\s\S]{0,2000}?"items"\s*:\s*\[\s*\{\s*"item_id"'), "tmall"),
    (re.compile(r"\"listOffer\"\s*:"), "1688"),
    (re.compile(r"\"(?:Exhibitors|ExhibitorID)\"|^\ufeff?productId,companyId,"), "cantonfair"),
    (re.compile(r"class=\"gl-item|class=\"[^\"]*\bgl-item\b|\[\s*\{\s*\"id\"\s*:\s*\"J_\d"), "jd"),
    (re.compile(r"item\.taobao\.com/item\.htm|\bg_config\s*=[\s\S]{0,20000}?\bidata\b"), "taobao"),
    (re.compile(r"ddimg\.cn/"), "dangdang"),
)
_SNIFF_CHARS = 300_000


def extract(platform: str, body: bytes, url: str = "") -> list[Listing]:
    """Listings in `body` (a saved page or API response) from `platform` or "auto".

    Raises ParseError for an unknown platform or a body its parser cannot read.
    """
    name = platform.strip().lower()
    if name == "auto":
        name = sniff_platform(body, url)
    parser = PARSERS.get(name)
    if parser is None:
        raise ParseError(name or "?", f"unknown platform; choose one of {', '.join(PLATFORMS)}")
    return parser(body, url)


def sniff_platform(body: bytes, url: str = "") -> str:
    """The platform a page or response comes from; "generic" when nothing is recognised."""
    host = (urlparse(url).hostname or "").lower()
    for suffix, platform in _HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return platform
    head = decode_html(body[: _SNIFF_CHARS * 2])[:_SNIFF_CHARS]
    for pattern, platform in _MARKERS:
        if pattern.search(head):
            return platform
    if head.lstrip()[:1] == "[":
        try:
            data = json.loads(decode_html(body))
        except json.JSONDecodeError:
            return "generic"
        if dangdang.looks_like_dangdang(data):
            return "dangdang"
    return "generic"


__all__ = ["PARSERS", "PLATFORMS", "ParseError", "extract", "sniff_platform"]
