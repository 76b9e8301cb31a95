"""The alert store of record (SQLite) with a transactional delivery outbox.

An alert is one (listing, mark) pair: re-crawls update it, never duplicate it.
Creating an alert and queueing its messages happen in one transaction, so a
crash can neither lose a notification nor queue it twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alerts.models import Alert, AlertChange, OutboxMessage
from detectors.types import Finding, Listing

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    listing_id TEXT NOT NULL,
    mark TEXT NOT NULL,
    kind TEXT NOT NULL,
    verdict TEXT NOT NULL,
    score REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    listing TEXT NOT NULL,
    reasons TEXT NOT NULL,
    UNIQUE (listing_id, mark)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    channel TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
"""


def _now() -> datetime:
    return datetime.now(UTC)


class AlertStore:
    def __init__(self, path: Path | str, channel_names: Sequence[str] = ()) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self.channel_names = tuple(channel_names)

    def record(self, listing: Listing, finding: Finding) -> list[AlertChange]:
        """Create or refresh the alerts for a finding; queue messages for new ones."""
        if finding.verdict == "clear":
            return []
        now = _now().isoformat()
        changes: list[AlertChange] = []
        listing_json = json.dumps(listing.to_dict(), ensure_ascii=False)
        with self._db:
            for hit in finding.marks:
                if not hit.reasons:
                    continue
                reasons = [r.to_dict() for r in hit.reasons]
                row = self._db.execute(
                    "SELECT id FROM alerts WHERE listing_id=? AND mark=?", (listing.id, hit.mark)
                ).fetchone()
                if row:
                    self._db.execute(
                        "UPDATE alerts SET verdict=?, score=?, last_seen=?, listing=?, reasons=? "
                        "WHERE id=?",
                        (finding.verdict, hit.score, now, listing_json,
                         json.dumps(reasons, ensure_ascii=False), row[0]),
                    )
                    changes.append(AlertChange(self._get(row[0]), created=False))
                    continue
                cursor = self._db.execute(
                    "INSERT INTO alerts (listing_id, mark, kind, verdict, score, first_seen, "
                    "last_seen, listing, reasons) VALUES (?,?,?,?,?,?,?,?,?)",
                    (listing.id, hit.mark, hit.kind, finding.verdict, hit.score, now, now,
                     listing_json, json.dumps(reasons, ensure_ascii=False)),
                )
                alert = self._get(int(cursor.lastrowid or 0))
                for channel in self.channel_names:
                    self._queue(alert, channel, now)
                changes.append(AlertChange(alert, created=True))
        return changes

    def _queue(self, alert: Alert, channel: str, now: str) -> None:
        key = f"markwatch-alert-{alert.id}-{channel}"
        self._db.execute(
            "INSERT OR IGNORE INTO outbox (alert_id, channel, idempotency_key, payload, "
            "next_attempt_at) VALUES (?,?,?,?,?)",
            (alert.id, channel, key, json.dumps(alert_payload(alert, key), ensure_ascii=False),
             now),
        )

    def _get(self, alert_id: int) -> Alert:
        row = self._db.execute(
            "SELECT id, listing_id, mark, kind, verdict, score, status, first_seen, last_seen, "
            "listing, reasons FROM alerts WHERE id=?",
            (alert_id,),
        ).fetchone()
        return _alert(row)

    def alerts(self) -> list[Alert]:
        rows = self._db.execute(
            "SELECT id, listing_id, mark, kind, verdict, score, status, first_seen, last_seen, "
            "listing, reasons FROM alerts ORDER BY id"
        ).fetchall()
        return [_alert(r) for r in rows]

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM alerts").fetchone()[0])

    # -- outbox --------------------------------------------------------------
    def due_messages(self, limit: int = 100, now: datetime | None = None) -> list[OutboxMessage]:
        at = (now or _now()).isoformat()
        rows = self._db.execute(
            "SELECT id, alert_id, channel, idempotency_key, payload, attempts FROM outbox "
            "WHERE state='pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (at, limit),
        ).fetchall()
        return [OutboxMessage(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def mark_sent(self, message_id: int) -> None:
        with self._db:
            self._db.execute(
                "UPDATE outbox SET state='sent', sent_at=?, attempts=attempts+1 WHERE id=?",
                (_now().isoformat(), message_id),
            )

    def mark_failed(self, message_id: int, error: str, retry_in: timedelta | None) -> None:
        """Schedule a retry, or move the message to the dead-letter state."""
        with self._db:
            if retry_in is None:
                self._db.execute(
                    "UPDATE outbox SET state='dead', last_error=?, attempts=attempts+1 WHERE id=?",
                    (error, message_id),
                )
            else:
                self._db.execute(
                    "UPDATE outbox SET last_error=?, attempts=attempts+1, next_attempt_at=? "
                    "WHERE id=?",
                    (error, (_now() + retry_in).isoformat(), message_id),
                )

    def outbox_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {state: int(n) for state, n in rows}

    def close(self) -> None:
        self._db.close()


def alert_payload(alert: Alert, idempotency_key: str) -> dict[str, Any]:
    listing = alert.listing
    return {
        "idempotency_key": idempotency_key,
        "alert_id": alert.id,
        "listing_id": alert.listing_id,
        "mark": alert.mark,
        "kind": alert.kind,
        "verdict": alert.verdict,
        "score": round(alert.score, 4),
        "reasons": alert.reasons,
        "listing": {
            "url": listing.get("url", ""),
            "title": listing.get("title", ""),
            "price": listing.get("price"),
            "platform": listing.get("platform", ""),
            "seller": listing.get("seller", {}),
        },
        "first_seen": alert.first_seen,
    }


def _alert(row: tuple[Any, ...]) -> Alert:
    return Alert(
        id=row[0],
        listing_id=row[1],
        mark=row[2],
        kind=row[3],
        verdict=row[4],
        score=row[5],
        status=row[6],
        first_seen=row[7],
        last_seen=row[8],
        listing=json.loads(row[9]),
        reasons=json.loads(row[10]),
    )
