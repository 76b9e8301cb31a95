"""Records the alert store hands out: alerts, their audit trail, sellers, users, outbox messages.

All are frozen snapshots; change them through `AlertStore`, which audits every change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

AlertStatus = Literal["new", "confirmed", "dismissed", "referred", "closed"]
OutboxState = Literal["pending", "sending", "sent", "dead"]


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    listing_id: str
    mark: str
    kind: str
    verdict: str
    score: float
    status: str
    first_seen: str
    last_seen: str
    listing: dict[str, Any]
    reasons: list[dict[str, str]]
    seller_id: int | None = None
    price: float | None = None
    previous_price: float | None = None
    gone: bool = False
    repeat_infringer: bool = False
    dismissed_reason: str | None = None
    case_number: str | None = None
    agency: str | None = None

    @property
    def platform(self) -> str:
        return str(self.listing.get("platform", ""))

    @property
    def seller(self) -> dict[str, Any]:
        seller = self.listing.get("seller") or {}
        return dict(seller) if isinstance(seller, dict) else {}


@dataclass(frozen=True, slots=True)
class AlertChange:
    alert: Alert
    created: bool  # False: a re-sighting of an alert we already had
    changes: tuple[str, ...] = ()  # what a re-sighting changed: "price", "verdict", "reappeared"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    alert_id: int
    at: str
    actor: str
    action: str  # "created", "seen", "price_changed", "gone", "status", ...
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SellerProfile:
    id: int
    key: str  # platform + platform seller id (or name when no id is shown)
    platform: str
    platform_seller_id: str
    name: str
    shop_url: str | None
    credit_code: str | None
    locations: tuple[str, ...]
    first_seen: str
    last_seen: str


@dataclass(frozen=True, slots=True)
class RepeatInfringer:
    """A seller (or every shop of one legal entity, by credit code) over the threshold."""

    seller: SellerProfile
    confirmed_alerts: int
    related_seller_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Literal["staff", "rights_holder"]
    display_name: str = ""
    email: str = ""
    organisation: str = ""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    alert_id: int | None
    channel: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    kind: Literal["alert", "digest"] = "alert"
    claim_token: str = ""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    channel: str
    idempotency_key: str
    attempts: int
    last_error: str
    created_at: str
