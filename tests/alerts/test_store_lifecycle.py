"""Alert store of record on SQLite and PostgreSQL: dedup, re-crawl updates, lifecycle, audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.lifecycle import ALLOWED, STATUSES, Transition, TransitionError, check
from alerts.store import AlertStore

from .samples import finding, listing


def test_recrawl_updates_the_alert_instead_of_creating_one(db_url: str) -> None:
    store = AlertStore(db_url)
    item = listing(1, price=39.9)
    first = store.record(item, finding(item), at=datetime(2026, 3, 1, tzinfo=UTC))
    cheaper = listing(1, price=19.9)
    again = store.record(cheaper, finding(cheaper), at=datetime(2026, 3, 8, tzinfo=UTC))

    assert [c.created for c in first] == [True] and [c.created for c in again] == [False]
    assert again[0].changes == ("price",)
    assert store.count() == 1
    alert = store.get(first[0].alert.id)
    assert (alert.price, alert.previous_price) == (19.9, 39.9)
    assert alert.first_seen.startswith("2026-03-01") and alert.last_seen.startswith("2026-03-08")
    trail = store.audit_trail(alert.id)
    assert [e.action for e in trail] == ["created", "price_changed"]
    assert trail[1].detail == {"from": 39.9, "to": 19.9}
    store.close()


def test_listing_gone_then_back_is_recorded(db_url: str) -> None:
    store = AlertStore(db_url)
    item = listing(2)
    store.record(item, finding(item))
    (gone,) = store.listing_gone(item.id)
    assert gone.gone is True
    (back,) = store.record(item, finding(item))
    assert back.alert.gone is False and back.changes == ("reappeared",)
    assert [e.action for e in store.audit_trail(gone.id)] == ["created", "gone", "reappeared"]
    store.close()


def test_lifecycle_to_closed_is_audited_with_who_when_what(db_url: str) -> None:
    store = AlertStore(db_url)
    item = listing(3)
    (change,) = store.record(item, finding(item))
    alert_id = change.alert.id
    store.transition(alert_id, Transition("confirmed"), actor="li.wei")
    referred = store.transition(
        alert_id,
        Transition("referred", case_number="JL-2026-0042", agency="吉林省市场监督管理厅"),
        actor="li.wei",
        at=datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
    )
    assert (referred.status, referred.case_number) == ("referred", "JL-2026-0042")
    store.transition(alert_id, Transition("closed"), actor="zhang.min")

    status_events = [e for e in store.audit_trail(alert_id) if e.action == "status"]
    assert [(e.actor, e.from_status, e.to_status) for e in status_events] == [
        ("li.wei", "new", "confirmed"),
        ("li.wei", "confirmed", "referred"),
        ("zhang.min", "referred", "closed"),
    ]
    assert status_events[1].at.startswith("2026-04-02T09:30")
    assert status_events[1].detail == {
        "case_number": "JL-2026-0042",
        "agency": "吉林省市场监督管理厅",
    }
    store.close()


def test_dismissal_keeps_its_reason_and_rejected_moves_change_nothing(db_url: str) -> None:
    store = AlertStore(db_url)
    item = listing(4)
    (change,) = store.record(item, finding(item))
    with pytest.raises(TransitionError, match="reason"):
        store.transition(change.alert.id, Transition("dismissed"), actor="li.wei")
    with pytest.raises(TransitionError, match="cannot go"):
        store.transition(change.alert.id, Transition("closed"), actor="li.wei")
    dismissed = store.transition(
        change.alert.id, Transition("dismissed", reason="正品授权经销商"), actor="li.wei"
    )
    assert dismissed.dismissed_reason == "正品授权经销商"
    assert [e.action for e in store.audit_trail(change.alert.id)] == ["created", "status"]
    store.close()


@pytest.mark.parametrize(
    ("from_status", "to_status", "extra", "allowed"),
    [
        ("new", "confirmed", {}, True),
        ("new", "dismissed", {"reason": "authorised reseller"}, True),
        ("new", "dismissed", {}, False),  # needs a reason
        ("new", "referred", {"case_number": "1", "agency": "AMR"}, False),  # confirm first
        ("confirmed", "referred", {"case_number": "1", "agency": "AMR"}, True),
        ("confirmed", "referred", {"case_number": "1"}, False),  # needs the agency
        ("confirmed", "closed", {}, True),
        ("referred", "closed", {}, True),
        ("referred", "new", {}, False),
        ("dismissed", "confirmed", {}, True),  # a dismissal overturned on review
        ("closed", "new", {}, False),
        ("new", "archived", {}, False),
    ],
)
def test_lifecycle_rules(
    from_status: str, to_status: str, extra: dict[str, str], allowed: bool
) -> None:
    transition = Transition(to_status, **extra)
    if allowed:
        check(from_status, transition)
    else:
        with pytest.raises(TransitionError):
            check(from_status, transition)


def test_every_status_has_a_rule() -> None:
    assert set(ALLOWED) == set(STATUSES)
