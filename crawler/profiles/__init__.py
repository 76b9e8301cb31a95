"""YAML site profiles: staff add a shop or expo site by selectors, without Python.

A profile names where to start, which links lead to more listing pages (pagination)
and to item pages, and how to read each field of a Listing from an item page
(CSS, XPath, a regex, or a JMESPath into JSON embedded in the page). The `profile`
spider runs it. See README, "Adding a site by YAML profile", and `jlshop.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FIELD_NAMES = ("id", "title", "price", "currency", "quantity", "description", "seller",
               "seller_id", "location", "images")  # fmt: skip
_FIELD_KEYS = {"css", "xpath", "regex", "json", "json_var", "join", "all", "default"}
_LINK_KEYS = {"css", "xpath", "allow", "deny"}
_TOP_KEYS = {"name", "platform", "source", "start_urls", "encoding", "follow", "items",
             "fields", "login_cookies", "rate_limit", "max_depth", "max_pages"}  # fmt: skip


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class FieldRule:
    """How to read one field. Exactly one of css / xpath / regex / json is set.

    css/xpath select text or attributes (`::text`, `::attr(x)`, `@x`); selecting `<img>`
    elements for `images` resolves lazy-loading attributes. `regex` runs on the page
    text (group 1 if any). `json` is a JMESPath into the JSON value assigned after
    the `json_var` marker in a script (or into the whole body when it is JSON).
    """

    css: str = ""
    xpath: str = ""
    regex: str = ""
    json: str = ""
    json_var: str = ""
    join: str = " "  # how several matches become one value
    all: bool = False  # keep every match (images always do)
    default: str = ""


@dataclass(frozen=True)
class LinkRule:
    """Which links to follow: selected by css/xpath (elements or hrefs), then filtered
    by `allow`/`deny` regexes on the absolute URL. With no selector, every link."""

    css: str = ""
    xpath: str = ""
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateLimit:
    concurrency: int = 2
    delay: float = 1.0


@dataclass(frozen=True)
class SiteProfile:
    name: str
    platform: str
    start_urls: tuple[str, ...]
    fields: Mapping[str, FieldRule]
    follow: tuple[LinkRule, ...] = ()
    items: tuple[LinkRule, ...] = ()
    source: str = "ecommerce"
    encoding: str = ""
    login_cookies: Path | None = None
    rate_limit: RateLimit = field(default_factory=RateLimit)
    max_depth: int = 5
    max_pages: int = 1000
    path: Path | None = None


def load_profile(path: str | Path) -> SiteProfile:
    """Read and validate a profile; raises ProfileError naming what is wrong."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from None
    return parse_profile(data, path)


def parse_profile(data: Any, path: Path | None = None) -> SiteProfile:
    where = str(path or "<profile>")
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: a profile is a mapping of keys")
    _no_unknown(data, _TOP_KEYS, where)
    name = _text(data.get("name"))
    if not name:
        raise ProfileError(f"{where}: `name` is required")
    starts = data.get("start_urls")
    if isinstance(starts, str):
        starts = [starts]
    if not isinstance(starts, list) or not starts or not all(isinstance(s, str) for s in starts):
        raise ProfileError(f"{where}: `start_urls` must be a non-empty list of URLs")
    fields_data = data.get("fields")
    if not isinstance(fields_data, dict):
        raise ProfileError(f"{where}: `fields` must map field names to rules")
    fields = {}
    for key, spec in fields_data.items():
        if key not in FIELD_NAMES:
            raise ProfileError(f"{where}: unknown field `{key}`; known: {', '.join(FIELD_NAMES)}")
        fields[key] = _field_rule(spec, f"{where}: fields.{key}")
    for required in ("id", "title"):
        if required not in fields:
            raise ProfileError(f"{where}: `fields.{required}` is required")
    cookies = _text(data.get("login_cookies"))
    cookie_path = Path(cookies) if cookies else None
    if cookie_path is not None and not cookie_path.is_absolute() and path is not None:
        cookie_path = path.parent / cookie_path
    rate = data.get("rate_limit") or {}
    if not isinstance(rate, dict):
        raise ProfileError(f"{where}: `rate_limit` must be a mapping")
    _no_unknown(rate, {"concurrency", "delay"}, f"{where}: rate_limit")
    return SiteProfile(
        name=name,
        platform=_text(data.get("platform")) or name,
        start_urls=tuple(starts),
        fields=fields,
        follow=_link_rules(data.get("follow"), f"{where}: follow"),
        items=_link_rules(data.get("items"), f"{where}: items"),
        source=_text(data.get("source")) or "ecommerce",
        encoding=_text(data.get("encoding")),
        login_cookies=cookie_path,
        rate_limit=RateLimit(
            concurrency=_int(rate.get("concurrency", 2), f"{where}: rate_limit.concurrency"),
            delay=float(rate.get("delay", 1.0)),
        ),
        max_depth=_int(data.get("max_depth", 5), f"{where}: max_depth"),
        max_pages=_int(data.get("max_pages", 1000), f"{where}: max_pages"),
        path=path,
    )


def _field_rule(spec: Any, where: str) -> FieldRule:
    if isinstance(spec, str):  # shorthand: a bare CSS selector
        spec = {"css": spec}
    if not isinstance(spec, dict):
        raise ProfileError(f"{where}: a rule is a CSS string or a mapping")
    _no_unknown(spec, _FIELD_KEYS, where)
    kinds = [k for k in ("css", "xpath", "regex", "json") if spec.get(k)]
    if len(kinds) != 1:
        raise ProfileError(f"{where}: give exactly one of css, xpath, regex, json")
    if spec.get("regex"):
        _compile(spec["regex"], where)
    return FieldRule(
        css=_text(spec.get("css")),
        xpath=_text(spec.get("xpath")),
        regex=_text(spec.get("regex")),
        json=_text(spec.get("json")),
        json_var=_text(spec.get("json_var")),
        join=str(spec.get("join", " ")),
        all=bool(spec.get("all", False)),
        default=_text(spec.get("default")),
    )


def _link_rules(spec: Any, where: str) -> tuple[LinkRule, ...]:
    if spec is None:
        return ()
    rules = spec if isinstance(spec, list) else [spec]
    out = []
    for n, rule in enumerate(rules):
        if isinstance(rule, str):
            rule = {"css": rule}
        if not isinstance(rule, dict):
            raise ProfileError(f"{where}[{n}]: a link rule is a CSS string or a mapping")
        _no_unknown(rule, _LINK_KEYS, f"{where}[{n}]")
        allow = tuple(_strings(rule.get("allow")))
        deny = tuple(_strings(rule.get("deny")))
        for pattern in (*allow, *deny):
            _compile(pattern, f"{where}[{n}]")
        out.append(LinkRule(_text(rule.get("css")), _text(rule.get("xpath")), allow, deny))
    return tuple(out)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ProfileError(f"{where}: bad regex {pattern!r}: {exc}") from None


def _no_unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:  # most often a typo; silently ignoring it would crawl the wrong thing
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ProfileError(f"{where}: not a whole number: {value!r}") from None


def bundled_profile(name: str) -> Path:
    """The path of a profile shipped in this package (e.g. "jlshop")."""
    return Path(__file__).with_name(f"{name}.yaml")
