"""The delivery outbox table: queue, claim with a lease, settle, dead-letter, retry.

A sender claims a message (state `sending`, a lease and a claim token) before it sends and
settles it after. If the process dies in between, the lease runs out and the message goes
back to `pending`: delivery is at-least-once, and the idempotency key, fixed when the
message is queued, lets receivers drop the rare repeat. Settling checks the claim token,
so a sender whose lease was taken over cannot overwrite the new owner's result.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alerts.db import insert_if_absent
from alerts.models import DeadLetter, OutboxMessage
from alerts.schema import outbox
from alerts.timeutil import iso, utcnow


class OutboxStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def queue(
        self,
        connection: Connection,
        *,
        channel: str,
        key: str,
        payload: dict[str, Any],
        alert_id: int | None = None,
        watchlist_id: int | None = None,
        kind: str = "alert",
        now: datetime | None = None,
    ) -> bool:
        """Queue once per idempotency key (inside the caller's transaction); True if new."""
        at = now or utcnow()
        return (
            insert_if_absent(
                connection,
                outbox,
                alert_id=alert_id,
                watchlist_id=watchlist_id,
                channel=channel,
                kind=kind,
                idempotency_key=key,
                payload=payload,
                state="pending",
                attempts=0,
                next_attempt_at=at,
                created_at=at,
            )
            is not None
        )

    def release_expired(self, now: datetime | None = None) -> int:
        """Messages whose sender vanished mid-send (crash, kill) become pending again."""
        with self._engine.begin() as conn:
            result = conn.execute(
                outbox.update()
                .where(outbox.c.state == "sending", outbox.c.lease_until < (now or utcnow()))
                .values(state="pending", lease_until=None, claim_token=None)
            )
        return int(result.rowcount or 0)

    def claim(
        self, limit: int, lease: timedelta, due_before: datetime | None = None
    ) -> list[OutboxMessage]:
        """Take up to `limit` messages due at `due_before` (default now) for `lease`."""
        at = utcnow()
        token = secrets.token_hex(16)
        with self._engine.begin() as conn:
            due = (
                sa.select(outbox.c.id)
                .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= (due_before or at))
                .order_by(outbox.c.id)
                .limit(limit)
                # PostgreSQL: concurrent senders take disjoint batches; SQLite ignores it
                # (its write lock already serialises claims).
                .with_for_update(skip_locked=True)
            )
            ids = list(conn.execute(due).scalars())
            if not ids:
                return []
            conn.execute(
                outbox.update()
                .where(outbox.c.id.in_(ids), outbox.c.state == "pending")
                .values(state="sending", lease_until=at + lease, claim_token=token)
            )
            rows = conn.execute(
                sa.select(outbox).where(outbox.c.claim_token == token).order_by(outbox.c.id)
            ).mappings()
            return [_message(r) for r in rows]

    def mark_sent(self, message: OutboxMessage, now: datetime | None = None) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                self._settle(message).values(
                    state="sent",
                    sent_at=now or utcnow(),
                    attempts=outbox.c.attempts + 1,
                    lease_until=None,
                    last_error=None,
                )
            )
        return bool(result.rowcount)

    def mark_failed(
        self,
        message: OutboxMessage,
        error: str,
        retry_in: timedelta | None,
        now: datetime | None = None,
    ) -> bool:
        """Schedule a retry after `retry_in`, or dead-letter the message when it is None."""
        at = now or utcnow()
        values: dict[str, Any] = {
            "attempts": outbox.c.attempts + 1,
            "last_error": error[:2000],
            "lease_until": None,
            "claim_token": None,
        }
        if retry_in is None:
            values["state"] = "dead"
        else:
            values.update(state="pending", next_attempt_at=at + retry_in)
        with self._engine.begin() as conn:
            result = conn.execute(self._settle(message).values(**values))
        return bool(result.rowcount)

    def _settle(self, message: OutboxMessage) -> sa.Update:
        return outbox.update().where(
            outbox.c.id == message.id,
            outbox.c.state == "sending",
            outbox.c.claim_token == message.claim_token,
        )

    def dead_letters(self) -> list[DeadLetter]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(outbox).where(outbox.c.state == "dead").order_by(outbox.c.id)
            ).mappings()
            return [
                DeadLetter(
                    r["id"],
                    r["channel"],
                    r["idempotency_key"],
                    r["attempts"],
                    r["last_error"] or "",
                    iso(r["created_at"]),
                )
                for r in rows
            ]

    def retry_dead(self, ids: list[int] | None = None, now: datetime | None = None) -> int:
        """Staff sends dead letters again (all, or the given ids); attempts start over."""
        query = outbox.update().where(outbox.c.state == "dead")
        if ids is not None:
            query = query.where(outbox.c.id.in_(ids))
        with self._engine.begin() as conn:
            result = conn.execute(
                query.values(state="pending", attempts=0, next_attempt_at=now or utcnow())
            )
        return int(result.rowcount or 0)

    def counts(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)
            ).all()
        return {state: int(n) for state, n in rows}

    def next_due_at(self) -> datetime | None:
        """When the earliest pending message is due, or a sending one's lease runs out."""
        with self._engine.connect() as conn:
            pending = conn.execute(
                sa.select(sa.func.min(outbox.c.next_attempt_at)).where(outbox.c.state == "pending")
            ).scalar()
            leased = conn.execute(
                sa.select(sa.func.min(outbox.c.lease_until)).where(outbox.c.state == "sending")
            ).scalar()
        times = [t for t in (pending, leased) if t is not None]
        return min(times) if times else None


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        alert_id=row["alert_id"],
        channel=row["channel"],
        idempotency_key=row["idempotency_key"],
        payload=row["payload"],
        attempts=row["attempts"],
        kind=row["kind"],
        claim_token=row["claim_token"] or "",
    )
