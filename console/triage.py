"""Triage actions (one alert or many), shared by the pages and the REST API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from console.backend import ConsoleBackend, NotFound, Transition, TransitionError

ACTIONS = {
    "confirm": "confirmed",
    "dismiss": "dismissed",
    "refer": "referred",
    "close": "closed",
    "reopen": "confirmed",
}


@dataclass(frozen=True, slots=True)
class TriageRequest:
    action: str
    reason: str = ""
    case_number: str = ""
    agency: str = ""

    def transition(self) -> Transition:
        if self.action not in ACTIONS:
            raise TransitionError(f"unknown action {self.action!r}")
        return Transition(
            ACTIONS[self.action],
            reason=self.reason.strip() or None,
            case_number=self.case_number.strip() or None,
            agency=self.agency.strip() or None,
        )


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    done: tuple[int, ...]
    failed: tuple[tuple[int, str], ...]


def apply(
    backend: ConsoleBackend, alert_ids: Iterable[int], request: TriageRequest, actor: str
) -> TriageOutcome:
    """Each alert on its own: one that may not move does not stop the others."""
    change = request.transition()
    done: list[int] = []
    failed: list[tuple[int, str]] = []
    for alert_id in alert_ids:
        try:
            backend.transition(alert_id, change, actor)
            done.append(alert_id)
        except (TransitionError, NotFound) as exc:
            failed.append((alert_id, str(exc)))
    return TriageOutcome(tuple(done), tuple(failed))
