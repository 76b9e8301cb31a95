"""Search parameters from a query string (pages and API share one reading)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict

from console.backend import SearchParams

FACETS = ("mark", "verdict", "platform", "region", "seller", "status")


def parse_search(query: ImmutableMultiDict[str, str], size: int = 20) -> SearchParams:
    def values(name: str) -> tuple[str, ...]:
        return tuple(v for v in query.getlist(name) if v)

    seen_to = _date(query.get("to"))
    return SearchParams(
        text=str(query.get("q") or "")[:200],
        mark=values("mark"),
        verdict=values("verdict"),
        platform=values("platform"),
        region=values("region"),
        seller=values("seller"),
        status=values("status"),
        seen_from=_date(query.get("from")),
        seen_to=seen_to + timedelta(days=1) if seen_to else None,  # "to" includes that day
        sort=str(query.get("sort") or "relevance"),
        after=decode_cursor(str(query.get("after") or "")),
        size=size,
    )


def _date(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d").replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


def encode_cursor(after: Sequence[Any] | None) -> str:
    if after is None:
        return ""
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode()


def decode_cursor(text: str) -> tuple[Any, ...] | None:
    if not text:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, TypeError):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        return None
    return tuple(value)


def query_string(
    query: ImmutableMultiDict[str, str], keys: Sequence[str], **changes: str | None
) -> str:
    """The current filters with some changed (None drops a key), for facet and page links."""
    pairs: list[tuple[str, str]] = []
    for key in keys:
        if key in changes:
            continue
        pairs.extend((key, v) for v in query.getlist(key) if v)
    pairs.extend((k, v) for k, v in changes.items() if v)
    return urlencode(pairs)


def toggle(query: ImmutableMultiDict[str, str], key: str, value: str) -> str:
    """The query with one facet value switched on or off (and paging reset)."""
    current = [v for v in query.getlist(key) if v]
    chosen = [v for v in current if v != value] if value in current else [*current, value]
    pairs: list[tuple[str, str]] = []
    for name in ("q", "from", "to", "sort", *FACETS):
        if name == key:
            pairs.extend((key, v) for v in chosen)
        else:
            pairs.extend((name, v) for v in query.getlist(name) if v)
    return urlencode(pairs)


def as_mapping(params: SearchParams) -> Mapping[str, Any]:
    return {f: list(getattr(params, f)) for f in FACETS} | {"q": params.text}
