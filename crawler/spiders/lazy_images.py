"""Lazy-loaded images: the real URL sits in a data attribute, `src` holds a placeholder."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from parsel import Selector

# Attributes the platforms use for the deferred URL, most specific first
# (Taobao/Tmall data-ks-lazyload, JD data-lazy-img, common lazyload libraries).
LAZY_ATTRIBUTES: tuple[str, ...] = (
    "data-ks-lazyload", "data-lazy-img", "data-lazyload", "data-original", "data-src",
    "data-lazy-src",
)  # fmt: skip
_PLACEHOLDER = re.compile(r"(?:^data:|blank\.gif$|s\.gif$|spacer\.gif$|loading\.gif$|1x1\.)", re.I)
_THUMB_SUFFIX = re.compile(r"(\.(?:jpe?g|png|webp))_\d+x\d+(?:q\d+)?\.jpe?g$", re.I)


def is_placeholder(url: str) -> bool:
    return not url.strip() or bool(_PLACEHOLDER.search(url.strip()))


def image_url(img: Selector, base_url: str) -> str:
    """The real URL of one <img>: the first lazy attribute, else a non-placeholder src.
    Thumbnail suffixes like `.jpg_60x60q90.jpg` are cut to get the full image."""
    for attribute in (*LAZY_ATTRIBUTES, "src"):
        value = (img.attrib.get(attribute) or "").strip()
        if value and not is_placeholder(value):
            return urljoin(base_url, _THUMB_SUFFIX.sub(r"\1", value))
    return ""


def image_urls(images: Iterable[Selector], base_url: str) -> tuple[str, ...]:
    out: list[str] = []
    for img in images:
        url = image_url(img, base_url)
        if url and url not in out:
            out.append(url)
    return tuple(out)
