"""The data contracts shared by every layer: Listing in, Finding out.

The JSON shapes are fixed by ARCHITECTURE.md; tools outside the code read them,
so `to_dict`/`from_dict` must round-trip exactly those keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["infringing", "suspicious", "clear"]
VERDICTS: tuple[Verdict, ...] = ("infringing", "suspicious", "clear")
MarkKind = Literal["gi", "olympic"]


class ListingError(ValueError):
    """A Listing dict that does not follow the contract; carries the offending data."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.data = data


@dataclass(frozen=True, slots=True)
class Seller:
    name: str = ""
    location: str = ""
    id: str = ""
    credit_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "location": self.location,
            "id": self.id,
            "credit_code": self.credit_code,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Seller:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ListingError("seller must be an object", data)
        return cls(
            name=_text(data.get("name")),
            location=_text(data.get("location")),
            id=_text(data.get("id")),
            credit_code=_text(data.get("credit_code")) or None,
        )


@dataclass(frozen=True, slots=True)
class Listing:
    id: str
    platform: str
    url: str = ""
    title: str = ""
    description: str = ""
    price: float | None = None
    currency: str = "CNY"
    quantity: str = ""
    seller: Seller = field(default_factory=Seller)
    images: tuple[str, ...] = ()
    source: str = "ecommerce"
    # The item page's attribute table as the platform labels it (产地, 厂名, 生产许可证编号 …).
    attributes: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "platform": self.platform,
            "url": self.url,
            "title": self.title,
            "description": self.description,
            "price": self.price,
            "currency": self.currency,
            "quantity": self.quantity,
            "seller": self.seller.to_dict(),
            "images": list(self.images),
            "source": self.source,
        }
        if self.attributes:
            # Optional key: listings without a table keep the original JSON shape.
            out["attributes"] = dict(self.attributes)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Listing:
        if not isinstance(data, dict):
            raise ListingError("a listing must be a JSON object", data)
        listing_id = _text(data.get("id"))
        if not listing_id:
            raise ListingError("a listing needs a non-empty 'id'", data)
        platform = _text(data.get("platform")) or listing_id.split(":", 1)[0]
        images = data.get("images") or []
        if isinstance(images, str):
            images = [images]
        if not isinstance(images, list):
            raise ListingError("'images' must be a list of paths or URLs", data)
        return cls(
            id=listing_id,
            platform=platform,
            url=_text(data.get("url")),
            title=_text(data.get("title")),
            description=_text(data.get("description")),
            price=_price(data.get("price"), data),
            currency=_text(data.get("currency")) or "CNY",
            quantity=_text(data.get("quantity")),
            seller=Seller.from_dict(data.get("seller")),
            images=tuple(_text(i) for i in images if i),
            source=_text(data.get("source")) or "ecommerce",
            attributes=_attributes(data.get("attributes"), data),
        )


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(
            code=str(data["code"]),
            detail=str(data.get("detail", "")),
            evidence=str(data.get("evidence", "")),
        )


@dataclass(frozen=True, slots=True)
class MarkHit:
    mark: str
    kind: MarkKind
    score: float
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "mark": self.mark,
            "kind": self.kind,
            "score": round(self.score, 4),
            "reasons": [r.to_dict() for r in self.reasons],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarkHit:
        return cls(
            mark=str(data["mark"]),
            kind=data["kind"],
            score=float(data["score"]),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons", [])),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    verdict: Verdict
    score: float
    marks: tuple[MarkHit, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def top_mark(self) -> MarkHit | None:
        return max(self.marks, key=lambda m: m.score) if self.marks else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "marks": [m.to_dict() for m in self.marks],
        }
        if self.errors:
            out["errors"] = list(self.errors)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            id=str(data["id"]),
            verdict=data["verdict"],
            score=float(data["score"]),
            marks=tuple(MarkHit.from_dict(m) for m in data.get("marks", [])),
            errors=tuple(str(e) for e in data.get("errors", [])),
        )


def _attributes(value: Any, data: Any) -> Mapping[str, str]:
    if value is None or value == {}:
        return {}
    if not isinstance(value, dict):
        raise ListingError("'attributes' must be an object of label: text", data)
    out: dict[str, str] = {}
    for key, text in value.items():
        label = _text(key).strip()
        if label:
            out[label] = _text(text).strip()
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            # JSON may carry lone surrogates ("\ud800"); text tools (OpenCC, UTF-8 files)
            # refuse them, so a seller could crash detection for their own listing.
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise ListingError(f"expected text, got {type(value).__name__}", value)


def _price(value: Any, data: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ListingError("'price' must be a number", data)
    try:
        price = float(value)
    except (TypeError, ValueError):
        raise ListingError(f"'price' must be a number, got {value!r}", data) from None
    if price != price or price < 0:  # NaN or negative
        raise ListingError(f"'price' must be a non-negative number, got {value!r}", data)
    return price


@dataclass(frozen=True, slots=True)
class InsigniaMatch:
    """A protected insignia found inside an image, with the matched region as evidence."""

    mark: str  # canonical catalog name, e.g. "冰墩墩"
    score: float  # 0..1
    quad: tuple[tuple[float, float], ...]  # 4 corners in image pixel coordinates
    method: str = ""  # "orb+sift", "phash", ...
    reason: str = ""  # why the detector says so, in words a reviewer can check

    def region_text(self) -> str:
        return "[" + ", ".join(f"({x:.0f},{y:.0f})" for x, y in self.quad) + "]"


@dataclass(frozen=True, slots=True)
class ImageEvidence:
    """What image analysis saw in one listing image; fed to the text/rule engine.

    `image` names the image (path or URL as in Listing.images). `error` is set when
    the image could not be read (corrupt, bomb, unsupported); the run goes on.
    """

    image: str
    ocr_text: str = ""
    insignia: tuple[InsigniaMatch, ...] = ()
    error: str = ""
