"""The alert lifecycle: which status may follow which, and what each move must carry.

new → confirmed | dismissed; confirmed → referred | dismissed | closed; referred → closed;
dismissed → confirmed (a dismissal overturned on review) | closed.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("new", "confirmed", "dismissed", "referred", "closed")

ALLOWED: dict[str, frozenset[str]] = {
    "new": frozenset({"confirmed", "dismissed"}),
    "confirmed": frozenset({"referred", "dismissed", "closed"}),
    "dismissed": frozenset({"confirmed", "closed"}),
    "referred": frozenset({"closed"}),
    "closed": frozenset(),
}

# Statuses in which re-sightings may still notify watchlists that newly match.
NOTIFIABLE_STATUSES = frozenset({"new", "confirmed"})


class TransitionError(ValueError):
    """A status change the lifecycle does not allow, or one missing what it must carry."""


@dataclass(frozen=True, slots=True)
class Transition:
    to_status: str
    reason: str | None = None  # required for dismissed
    case_number: str | None = None  # required for referred
    agency: str | None = None  # required for referred


def check(from_status: str, transition: Transition) -> None:
    to = transition.to_status
    if to not in STATUSES:
        raise TransitionError(f"unknown status {to!r}")
    if to not in ALLOWED.get(from_status, frozenset()):
        raise TransitionError(f"an alert cannot go from {from_status!r} to {to!r}")
    if to == "dismissed" and not (transition.reason or "").strip():
        raise TransitionError("dismissing an alert needs a reason")
    if to == "referred" and not (
        (transition.case_number or "").strip() and (transition.agency or "").strip()
    ):
        raise TransitionError("referring an alert needs a case number and a receiving agency")


# One listing may carry several alerts (one per mark); its status in the search index is the
# first of these its alerts hold, so an open question on any mark keeps it in the queue.
LISTING_STATUS_PRECEDENCE = ("new", "confirmed", "referred", "dismissed", "closed")

# A dismissed alert whose verdict climbs this ladder is re-opened by the crawler.
VERDICT_RANK = {"clear": 0, "suspicious": 1, "infringing": 2}


def listing_status(statuses: set[str] | frozenset[str]) -> str:
    """The listing-level status of a set of alert statuses ("new" when there are none)."""
    return next((s for s in LISTING_STATUS_PRECEDENCE if s in statuses), "new")
