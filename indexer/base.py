"""The backend-neutral search index contract (SQLite and Elasticsearch implement it).

A document is one listing together with the latest finding about it: what staff
search, filter and facet on. Document id = listing id, so re-indexing the same
listing replaces it (idempotent upsert).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from detectors.types import Finding, Listing

SortField = Literal["score", "last_seen", "price", "relevance"]
FACET_FIELDS: tuple[str, ...] = ("mark", "kind", "verdict", "platform", "region", "status")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IndexedDoc:
    listing: Listing
    finding: Finding
    first_seen: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)
    status: str = "new"  # mirrors the alert lifecycle for filtering

    @property
    def id(self) -> str:
        return self.listing.id

    @property
    def marks(self) -> list[str]:
        return sorted({m.mark for m in self.finding.marks})

    @property
    def kinds(self) -> list[str]:
        return sorted({m.kind for m in self.finding.marks})

    @property
    def search_text(self) -> str:
        """What full-text search matches: the listing's words plus the marks found in it,
        so a search for a mark also finds its evasive spellings (长-白-山人参, 冰dun墩)."""
        listing = self.listing
        return " ".join((listing.title, listing.description, listing.seller.name, *self.marks))

    @property
    def region(self) -> str:
        """Province of the seller location ("吉林 白山" -> "吉林")."""
        return self.listing.seller.location.split(" ")[0] if self.listing.seller.location else ""

    def to_source(self) -> dict[str, Any]:
        """The stored document, shared by both backends (plus backend-specific token fields)."""
        return {
            "id": self.id,
            "listing": self.listing.to_dict(),
            "finding": self.finding.to_dict(),
            "platform": self.listing.platform,
            "seller": self.listing.seller.name,
            "region": self.region,
            "verdict": self.finding.verdict,
            "score": round(self.finding.score, 4),
            "mark": self.marks,
            "kind": self.kinds,
            "status": self.status,
            "price": self.listing.price,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    mark: Sequence[str] = ()
    kind: Sequence[str] = ()
    verdict: Sequence[str] = ()
    platform: Sequence[str] = ()
    seller: Sequence[str] = ()
    region: Sequence[str] = ()
    status: Sequence[str] = ()
    seen_from: datetime | None = None
    seen_to: datetime | None = None
    min_score: float | None = None
    sort: SortField = "relevance"
    descending: bool = True
    size: int = 20
    search_after: tuple[Any, ...] | None = None
    facets: bool = False
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    source: Mapping[str, Any]
    highlights: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: Sequence[SearchHit]
    next_after: tuple[Any, ...] | None = None
    facets: Mapping[str, Sequence[tuple[str, int]]] = field(default_factory=dict)
    histogram: Sequence[tuple[str, int]] = ()  # (day ISO date, count) on last_seen


@dataclass(frozen=True, slots=True)
class DocError:
    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class BulkReport:
    indexed: int = 0
    errors: Sequence[DocError] = ()
    spooled: int = 0  # written to the local spool because the backend was unreachable


class IndexError_(RuntimeError):
    """A backend failure that carries the documents it concerns."""

    def __init__(self, message: str, errors: Sequence[DocError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


class SearchIndex(Protocol):
    name: str

    def upsert(self, docs: Iterable[IndexedDoc]) -> BulkReport: ...

    def set_status(self, statuses: Mapping[str, str]) -> int:
        """Set the triage status of stored documents (listing id -> status), leaving the rest
        of each document alone; ids not in the index are skipped. Returns how many changed."""
        ...

    def get(self, doc_id: str) -> Mapping[str, Any] | None: ...

    def search(self, query: SearchQuery) -> SearchPage: ...

    def count(self) -> int: ...

    def refresh(self) -> None: ...

    def close(self) -> None: ...
