"""Alert writes in batches (`record_many`): one transaction, the same result as one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alerts.store import AlertStore
from detectors.types import Seller

from .samples import OLYMPIC_REASON, finding, listing

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _batch() -> list[Any]:
    shop = Seller("山货店", "安徽 亳州", id="s-1")
    moved = Seller("山货店", "吉林 白山", id="s-1", credit_code="91220000MA0Y000001")
    items = [listing(n, seller=shop) for n in range(1, 5)]
    items.append(listing(5, seller=moved))  # the same seller, telling something new
    items.append(listing(6, seller=Seller()))  # no seller at all
    pairs = [(item, finding(item)) for item in items]
    two_marks = listing(7, seller=shop)
    pairs.append((two_marks, finding(two_marks)))
    pairs.append((two_marks, finding(two_marks, mark="冰墩墩", reason=OLYMPIC_REASON)))
    clear = listing(8)
    pairs.append((clear, finding(clear, verdict="clear")))
    return pairs


def _state(store: AlertStore) -> dict[str, Any]:
    alerts = sorted(
        (a.listing_id, a.mark, a.status, a.verdict, a.seller_id is not None, a.repeat_infringer)
        for a in store.alerts()
    )
    sellers = [(s.key, s.name, s.credit_code, s.locations) for s in store.sellers()]
    trails = [store.audit_trail(a.id) for a in store.alerts()]
    events = sorted((e.action, e.to_status) for trail in trails for e in trail)
    return {"alerts": alerts, "sellers": sellers, "events": events}


def _summary(changes: list[Any]) -> list[tuple[str, str, bool, tuple[str, ...]]]:
    return [(c.alert.listing_id, c.alert.mark, c.created, c.changes) for c in changes]


def test_a_batch_records_what_one_by_one_records(db_url: str, tmp_path: Any) -> None:
    pairs = _batch()
    single = AlertStore(tmp_path / "single.sqlite3", ("staff-hook",))
    one_by_one = [single.record(item, found, at=T0) for item, found in pairs]
    batched = AlertStore(db_url, ("staff-hook",))
    in_batch = batched.record_many(pairs, at=T0)
    assert [_summary(c) for c in in_batch] == [_summary(c) for c in one_by_one]
    assert _state(batched) == _state(single)
    assert len(batched.outbox_messages()) == len(single.outbox_messages()) == 8


def test_a_batch_written_again_creates_nothing(db_url: str) -> None:
    store = AlertStore(db_url, ("staff-hook",))
    pairs = _batch()
    store.record_many(pairs, at=T0)
    again = store.record_many(pairs, at=T0)
    assert not any(c.created for changes in again for c in changes)
    assert store.count() == 8  # one per (listing, mark)
    assert len(store.outbox_messages()) == 8  # the same messages, not queued twice
