"""Alert records and outbound messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True, slots=True)
class AlertChange:
    alert: Alert
    created: bool  # False: a re-sighting of an alert we already had


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    alert_id: int
    channel: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
