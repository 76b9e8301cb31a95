"""Watchlists: who wants which alerts. Matching is pure so it can be table-tested.

Every criterion that is set must hold (AND); within one criterion any entry may match (OR).
An empty criterion does not restrict. A watchlist with no criteria at all matches every
alert of at least its minimum verdict and score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from alerts.models import Alert

VERDICT_RANK = {"clear": 0, "suspicious": 1, "infringing": 2}
OwnerKind = Literal["rights_holder", "staff_team"]
Delivery = Literal["immediate", "digest"]

_LIST_FIELDS = ("marks", "kinds", "keywords", "sellers", "platforms", "regions", "channels")
_FIELDS = {
    "name",
    "owner",
    "owner_kind",
    "min_verdict",
    "min_score",
    "delivery",
    "language",
    "active",
    *_LIST_FIELDS,
}


class WatchlistError(ValueError):
    """A watchlist definition that cannot work; the message names the field."""


@dataclass(frozen=True, slots=True)
class Watchlist:
    name: str
    owner: str
    owner_kind: OwnerKind = "rights_holder"
    marks: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # "gi", "olympic"
    keywords: tuple[str, ...] = ()
    sellers: tuple[str, ...] = ()  # seller name, platform seller id or credit code
    platforms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # matched inside the seller location: "安徽" ⊂ "安徽 亳州"
    min_verdict: str = "suspicious"
    min_score: float = 0.0
    channels: tuple[str, ...] = ()
    delivery: Delivery = "immediate"
    language: str = "zh"
    active: bool = True

    def __post_init__(self) -> None:
        if not self.name:
            raise WatchlistError("a watchlist needs a name")
        if self.owner_kind not in ("rights_holder", "staff_team"):
            raise WatchlistError(
                f"watchlist {self.name!r}: owner_kind must be rights_holder or staff_team"
            )
        if self.min_verdict not in ("suspicious", "infringing"):
            raise WatchlistError(
                f"watchlist {self.name!r}: min_verdict must be suspicious or infringing"
            )
        if self.delivery not in ("immediate", "digest"):
            raise WatchlistError(f"watchlist {self.name!r}: delivery must be immediate or digest")
        if not 0.0 <= self.min_score <= 1.0:
            raise WatchlistError(f"watchlist {self.name!r}: min_score must be within 0..1")

    def criteria(self) -> dict[str, Any]:
        return {
            "marks": list(self.marks),
            "kinds": list(self.kinds),
            "keywords": list(self.keywords),
            "sellers": list(self.sellers),
            "platforms": list(self.platforms),
            "regions": list(self.regions),
            "min_verdict": self.min_verdict,
            "min_score": self.min_score,
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Watchlist:
        name = str(data.get("name", ""))
        for key in data:
            if key not in _FIELDS:
                raise WatchlistError(f"watchlist {name!r}: unknown key {key!r}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in _LIST_FIELDS:
                if not isinstance(value, list | tuple) or not all(
                    isinstance(v, str) for v in value
                ):
                    raise WatchlistError(f"watchlist {name!r}: {key} must be a list of strings")
                values[key] = tuple(value)
            elif key == "min_score":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise WatchlistError(f"watchlist {name!r}: min_score must be a number")
                values[key] = float(value)
            elif key == "active":
                values[key] = bool(value)
            else:
                values[key] = str(value)
        if "owner" not in values:
            raise WatchlistError(f"watchlist {name!r}: owner is required")
        return cls(**values)


def matches(watchlist: Watchlist, alert: Alert) -> bool:
    if not watchlist.active:
        return False
    if VERDICT_RANK.get(alert.verdict, 0) < VERDICT_RANK[watchlist.min_verdict]:
        return False
    if alert.score < watchlist.min_score:
        return False
    if watchlist.marks and alert.mark not in watchlist.marks:
        return False
    if watchlist.kinds and alert.kind not in watchlist.kinds:
        return False
    if watchlist.platforms and alert.platform not in watchlist.platforms:
        return False
    seller = alert.seller
    if watchlist.sellers:
        identities = {str(seller.get(k) or "") for k in ("name", "id", "credit_code")} - {""}
        if not identities & set(watchlist.sellers):
            return False
    if watchlist.regions:
        location = str(seller.get("location") or "")
        if not any(region and region in location for region in watchlist.regions):
            return False
    if watchlist.keywords:
        text = f"{alert.listing.get('title', '')} {alert.listing.get('description', '')}"
        text = text.casefold()
        if not any(k.casefold() in text for k in watchlist.keywords if k):
            return False
    return True
