"""Search parameters from a query string (pages and API share one reading)."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field
from starlette.datastructures import ImmutableMultiDict

from console.backend import MAX_ID, SearchParams

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
        seen_to=_day_after(seen_to),  # "to" includes that day
        sort=str(query.get("sort") or "relevance"),
        after=decode_cursor(str(query.get("after") or "")),
        size=size,
    )


def _date(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d").replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


def _day_after(day: datetime | None) -> datetime | None:
    """The end of a "to" day; the last representable day has no end (no upper bound)."""
    if day is None:
        return None
    try:
        return day + timedelta(days=1)
    except OverflowError:
        return None


List = list[Annotated[str, Field(max_length=200)]]


class SearchQueryParams(BaseModel):
    """The search's query string, as the API documents it in OpenAPI."""

    q: str = Field("", max_length=200, description="full text")
    mark: List = Field([], max_length=50)
    verdict: list[Literal["infringing", "suspicious", "clear"]] = Field([], max_length=3)
    platform: List = Field([], max_length=50)
    region: List = Field([], max_length=50)
    seller: List = Field([], max_length=50)
    status: List = Field([], max_length=10)
    from_: date | None = Field(None, alias="from", description="first day seen, YYYY-MM-DD")
    to: date | None = Field(None, description="last day seen (inclusive), YYYY-MM-DD")
    sort: Literal["relevance", "score", "last_seen", "price"] = "relevance"
    after: str = Field("", max_length=2000, description="cursor: `next` of the previous page")


def search_params(query: SearchQueryParams, size: int = 20) -> SearchParams:
    def day(value: date | None) -> datetime | None:
        return datetime(value.year, value.month, value.day, tzinfo=UTC) if value else None

    return SearchParams(
        text=query.q,
        mark=tuple(v for v in query.mark if v),
        verdict=tuple(query.verdict),
        platform=tuple(v for v in query.platform if v),
        region=tuple(v for v in query.region if v),
        seller=tuple(v for v in query.seller if v),
        status=tuple(v for v in query.status if v),
        seen_from=day(query.from_),
        seen_to=_day_after(day(query.to)),
        sort=query.sort,
        after=decode_cursor(query.after, strict=True),
        size=size,
    )


class BadCursor(ValueError):
    """An `after` cursor that no search page handed out."""


def encode_cursor(after: Sequence[Any] | None) -> str:
    if after is None:
        return ""
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode()


def decode_cursor(text: str, *, strict: bool = False) -> tuple[Any, ...] | None:
    """The (sort key, listing id) pair of a cursor; None (or BadCursor when strict) else."""
    if not text:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, TypeError):
        value = None
    if not _cursor_shape(value):
        if strict:
            raise BadCursor("not a cursor from a search page")
        return None
    return tuple(value)


def _cursor_shape(value: Any) -> bool:
    # Both index back ends page on [sort key, listing id]; anything else fails in the index.
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        return False
    key = value[0]
    if isinstance(key, bool) or not isinstance(key, str | int | float):
        return False
    if isinstance(key, int) and abs(key) > MAX_ID:
        return False
    return not (isinstance(key, float) and not math.isfinite(key))


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
