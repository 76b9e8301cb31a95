"""Apply a SiteProfile to one page: the links to follow and the Listing on it. No network."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import urljoin

import jmespath
from parsel import Selector

from crawler.encoding import decode_html
from crawler.parsers.common import (
    embedded_json,
    format_location,
    parse_price,
    strip_tags,
    text_of,
    unique_images,
)
from crawler.profiles import FieldRule, LinkRule, SiteProfile
from crawler.spiders.lazy_images import image_url
from detectors.types import Listing, Seller


class ProfilePage:
    """One fetched page, decoded the way the profile says (or sniffed)."""

    def __init__(self, profile: SiteProfile, body: bytes, url: str, declared: str | None = None):
        self.profile = profile
        self.url = url
        self.text = decode_html(body, profile.encoding or declared)
        self.selector = Selector(text=self.text, type="html")

    def links(self, rules: Iterable[LinkRule]) -> list[str]:
        out: list[str] = []
        for rule in rules:
            for url in self._rule_links(rule):
                if url not in out:
                    out.append(url)
        return out

    def _rule_links(self, rule: LinkRule) -> Iterable[str]:
        if rule.css:
            found = self.selector.css(rule.css)
        elif rule.xpath:
            found = self.selector.xpath(rule.xpath)
        else:
            found = self.selector.css("a[href]")
        for node in found:
            href = _href(node)
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = urljoin(self.url, href)
            if rule.allow and not any(re.search(p, url) for p in rule.allow):
                continue
            if any(re.search(p, url) for p in rule.deny):
                continue
            yield url

    def listing(self) -> Listing | None:
        """The Listing on an item page, or None when the page has no id or title."""
        fields = self.profile.fields
        item_id = self.value(fields["id"])
        title = self.value(fields["title"])
        if not item_id or not title:
            return None

        def get(name: str) -> str:
            rule = fields.get(name)
            return self.value(rule) if rule else ""

        images_rule = fields.get("images")
        return Listing(
            id=f"{self.profile.platform}:{item_id}",
            platform=self.profile.platform,
            url=self.url,
            title=title,
            description=get("description"),
            price=parse_price(get("price")),
            currency=get("currency") or "CNY",
            quantity=get("quantity"),
            seller=Seller(
                name=get("seller"), location=format_location(get("location")), id=get("seller_id")
            ),
            images=self.images(images_rule) if images_rule else (),
            source=self.profile.source,
        )

    def value(self, rule: FieldRule) -> str:
        values = self.values(rule)
        return (rule.join.join(values) if rule.all else (values[0] if values else "")) or (
            rule.default
        )

    def values(self, rule: FieldRule) -> list[str]:
        raw: list[str]
        if rule.css or rule.xpath:
            found = self.selector.css(rule.css) if rule.css else self.selector.xpath(rule.xpath)
            raw = [_node_text(n) for n in found]
        elif rule.regex:
            raw = [m.group(1) if m.groups() else m.group(0)
                   for m in re.finditer(rule.regex, self.text)]  # fmt: skip
        else:
            raw = _json_values(self.text, rule)
        cleaned = [strip_tags(v) for v in raw]
        return [v for v in cleaned if v]

    def images(self, rule: FieldRule) -> tuple[str, ...]:
        if rule.css or rule.xpath:
            found = self.selector.css(rule.css) if rule.css else self.selector.xpath(rule.xpath)
            urls = [_image_of(n, self.url) for n in found]
        else:
            urls = self.values(rule)
        return unique_images([u for u in urls if u], self.url)


def _href(node: Selector) -> str:
    if isinstance(node.root, str):  # selected an attribute or text already
        return node.root.strip()
    return (node.attrib.get("href") or "").strip()


def _node_text(node: Selector) -> str:
    if isinstance(node.root, str):
        return node.root
    return " ".join(t.strip() for t in node.css("::text").getall() if t.strip())


def _image_of(node: Selector, base: str) -> str:
    if isinstance(node.root, str):
        return urljoin(base, node.root.strip())
    return image_url(node, base)


def _json_values(text: str, rule: FieldRule) -> list[str]:
    if rule.json_var:
        data = embedded_json(text, re.compile(rule.json_var))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return []
    found = jmespath.search(rule.json, data)
    items = found if isinstance(found, list) else [found]
    return [text_of(v) for v in items if text_of(v)]
