"""The store of record for alerts, sellers, watchlists, users and the delivery outbox.

SQLite by default, PostgreSQL (or any URL SQLAlchemy and our migrations support) through
`MARKWATCH_DB_URL`. An alert is one (listing, mark) pair: re-crawls update it (last seen,
price, verdict, reappearance), never duplicate it. Recording an alert and queueing its
messages happen in one transaction, so a crash can neither lose a notification nor queue
it twice; every change to an alert is written to its audit trail in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alerts import grants as grant_rules
from alerts import lifecycle
from alerts import watchlists as wl
from alerts.config import AlertsConfig
from alerts.db import insert_if_absent, insert_ignoring_duplicates, open_engine
from alerts.lifecycle import Transition
from alerts.models import (
    Alert,
    AlertChange,
    AuditEntry,
    OutboxMessage,
    RepeatInfringer,
    SellerProfile,
    User,
)
from alerts.outbox_store import OutboxStore
from alerts.schema import alert_events, alerts, digest_items, outbox, sellers, users, watchlists
from alerts.timeutil import iso, to_db, utcnow
from detectors.types import Finding, Listing, MarkHit, Seller

CRAWLER = "system:crawler"


class AlertStore:
    def __init__(
        self,
        target: Path | str,
        channel_names: Sequence[str] = (),
        *,
        config: AlertsConfig | None = None,
        engine: Engine | None = None,
    ) -> None:
        """Open (and migrate) the store at a SQLite path or a database URL.

        `channel_names` receive every alert (the staff-wide webhooks of the settings);
        watchlists from `config` are saved into the store, next to any made in the console.
        """
        self.config = config or AlertsConfig()
        self.engine = engine or open_engine(target)
        self.channel_names = tuple(channel_names)
        self.outbox = OutboxStore(self.engine)
        for watchlist in self.config.watchlists:
            self.save_watchlist(watchlist)
        # The configuration file is the operator's: its holder watchlists' marks are granted.
        with self.engine.begin() as conn:
            for watchlist in self.config.watchlists:
                if watchlist.owner_kind == "rights_holder":
                    for mark in watchlist.marks:
                        grant_rules.save_grant(
                            conn, watchlist.owner, "mark", mark, "config", utcnow()
                        )
                    for kind in watchlist.kinds:
                        grant_rules.save_grant(
                            conn, watchlist.owner, "family", kind, "config", utcnow()
                        )

    # -- alerts ----------------------------------------------------------------------
    def record(
        self,
        listing: Listing,
        finding: Finding,
        *,
        at: datetime | None = None,
        actor: str = CRAWLER,
    ) -> list[AlertChange]:
        """Create or refresh the alerts for a finding; queue messages for those who want them."""
        return self.record_many([(listing, finding)], at=at, actor=actor)[0]

    def record_many(
        self,
        pairs: Sequence[tuple[Listing, Finding]],
        *,
        at: datetime | None = None,
        actor: str = CRAWLER,
    ) -> list[list[AlertChange]]:
        """`record` for each (listing, finding), in order, in one transaction: the changes
        of each pair. Idempotent per (listing, mark) like `record`; watchlists, grants and
        each seller are read once per batch instead of once per listing."""
        out: list[list[AlertChange]] = [[] for _ in pairs]
        work = [
            (index, listing, finding, hits)
            for index, (listing, finding) in enumerate(pairs)
            if finding.verdict != "clear"
            for hits in ([hit for hit in finding.marks if hit.reasons],)
            if hits
        ]
        if not work:
            return out
        now = to_db(at) if at else utcnow()
        with self.engine.begin() as conn:
            batch = _Batch(
                routes=self._watchlist_rows(conn, active_only=True),
                granted=grant_rules.load_grants(conn),
            )
            for index, listing, finding, hits in work:
                out[index] = self._record_one(conn, batch, listing, finding, hits, now, actor)
        return out

    def _record_one(
        self,
        conn: Connection,
        batch: _Batch,
        listing: Listing,
        finding: Finding,
        hits: list[MarkHit],
        now: datetime,
        actor: str,
    ) -> list[AlertChange]:
        listing_dict = listing.to_dict()
        changes: list[AlertChange] = []
        seller_id, repeat = self._seller_of(conn, batch, listing, now)
        known_marks = set(
            conn.execute(
                sa.select(alerts.c.mark).where(alerts.c.listing_id == listing.id)
            ).scalars()
        )
        reopened: set[int] = set()
        for hit in hits:
            reasons = [r.to_dict() for r in hit.reasons]
            new_id = insert_if_absent(
                conn,
                alerts,
                listing_id=listing.id,
                mark=hit.mark,
                kind=hit.kind,
                verdict=finding.verdict,
                score=hit.score,
                status="new",
                platform=listing.platform,
                seller_id=seller_id,
                price=listing.price,
                gone=False,
                repeat_infringer=repeat,
                first_seen=now,
                last_seen=now,
                updated_at=now,
                listing=listing_dict,
                reasons=reasons,
            )
            what: tuple[str, ...] = ()
            if new_id is not None:
                self._audit(
                    conn,
                    new_id,
                    actor,
                    "created",
                    None,
                    "new",
                    now,
                    {
                        "verdict": finding.verdict,
                        "score": round(hit.score, 4),
                        "repeat_infringer": repeat,
                    },
                )
                if known_marks:
                    # A new mark on a listing staff already triaged: its dismissals no
                    # longer cover what the listing now shows.
                    reopened |= self._reopen_dismissed(
                        conn, listing.id, actor, now, f"new mark {hit.mark} on the listing"
                    )
                alert_id = new_id
            else:
                row = _alert_row(conn, listing.id, hit.mark)
                what = self._refresh(
                    conn,
                    row,
                    listing,
                    finding.verdict,
                    hit.score,
                    reasons,
                    seller_id,
                    actor,
                    now,
                )
                alert_id = row["id"]
            alert = _alert(_alert_by_id(conn, alert_id))
            if alert.status in lifecycle.NOTIFIABLE_STATUSES:
                self._route(conn, alert, batch.routes, now, batch.granted)
            changes.append(AlertChange(alert, created=new_id is not None, changes=what))
        for alert_id in reopened - {c.alert.id for c in changes}:
            changes.append(AlertChange(_alert(_alert_by_id(conn, alert_id)), False, ("reopened",)))
        return changes

    def _seller_of(
        self, conn: Connection, batch: _Batch, listing: Listing, now: datetime
    ) -> tuple[int | None, bool]:
        """The listing's seller row (created or updated) and whether it is a repeat
        infringer; a seller already seen in this batch costs no statement unless the
        listing tells something new about it."""
        key = seller_key(listing.platform, listing.seller)
        if key is None:
            return None, False
        known = batch.sellers.get(key)
        if known is None or not known.covers(listing.seller):
            seller_id = self._upsert_seller(conn, listing, now)
            assert seller_id is not None  # the key was not None
            repeat = self._is_repeat(conn, seller_id, now)
            batch.sellers[key] = _SeenSeller(seller_id, repeat, listing.seller, set())
            known = batch.sellers[key]
        known.locations.add(listing.seller.location)
        return known.id, known.repeat

    def _reopen_dismissed(
        self, conn: Connection, listing_id: str, actor: str, now: datetime, why: str
    ) -> set[int]:
        ids = set(
            conn.execute(
                sa.select(alerts.c.id).where(
                    alerts.c.listing_id == listing_id, alerts.c.status == "dismissed"
                )
            ).scalars()
        )
        for alert_id in ids:
            self._reopen(conn, alert_id, actor, now, why)
        return ids

    def _reopen(self, conn: Connection, alert_id: int, actor: str, now: datetime, why: str) -> None:
        """Back to "new" (outside the staff lifecycle: only a material change does this)."""
        conn.execute(
            alerts.update().where(alerts.c.id == alert_id).values(status="new", updated_at=now)
        )
        self._audit(conn, alert_id, actor, "reopened", "dismissed", "new", now, {"why": why})

    def listing_statuses(self, listing_ids: Iterable[str]) -> dict[str, str]:
        """The listing-level status (see lifecycle.listing_status) of each listing that has
        alerts; the search index mirrors exactly this."""
        wanted = sorted(set(listing_ids))
        found: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(alerts.c.listing_id, alerts.c.status).where(
                        alerts.c.listing_id.in_(wanted[start : start + 500])
                    )
                )
                for listing_id, status in rows:
                    found.setdefault(listing_id, set()).add(status)
        return {k: lifecycle.listing_status(v) for k, v in found.items()}

    def _refresh(
        self,
        conn: Connection,
        row: Any,
        listing: Listing,
        verdict: str,
        score: float,
        reasons: list[dict[str, str]],
        seller_id: int | None,
        actor: str,
        now: datetime,
    ) -> tuple[str, ...]:
        values: dict[str, Any] = {
            "last_seen": now,
            "verdict": verdict,
            "score": score,
            "reasons": reasons,
            "listing": listing.to_dict(),
            "seller_id": seller_id or row["seller_id"],
            "gone": False,
        }
        what: list[str] = []
        if listing.price is not None and listing.price != row["price"]:
            values.update(price=listing.price, previous_price=row["price"], updated_at=now)
            self._audit(
                conn,
                row["id"],
                actor,
                "price_changed",
                None,
                None,
                now,
                {"from": row["price"], "to": listing.price},
            )
            what.append("price")
        if verdict != row["verdict"]:
            values["updated_at"] = now
            self._audit(
                conn,
                row["id"],
                actor,
                "verdict_changed",
                None,
                None,
                now,
                {"from": row["verdict"], "to": verdict},
            )
            what.append("verdict")
            rank = lifecycle.VERDICT_RANK
            if row["status"] == "dismissed" and rank.get(verdict, 0) > rank.get(row["verdict"], 0):
                why = f"verdict {row['verdict']} -> {verdict}"
                self._reopen(conn, row["id"], actor, now, why)
                what.append("reopened")
        if row["gone"]:
            values["updated_at"] = now
            self._audit(conn, row["id"], actor, "reappeared", None, None, now, {})
            what.append("reappeared")
        conn.execute(alerts.update().where(alerts.c.id == row["id"]).values(**values))
        return tuple(what)

    def listing_gone(
        self, listing_id: str, *, at: datetime | None = None, actor: str = CRAWLER
    ) -> list[Alert]:
        """A re-crawl found the listing removed: its alerts say so (and stay for the record)."""
        now = to_db(at) if at else utcnow()
        with self.engine.begin() as conn:
            ids = list(
                conn.execute(
                    sa.select(alerts.c.id).where(
                        alerts.c.listing_id == listing_id, alerts.c.gone == sa.false()
                    )
                ).scalars()
            )
            for alert_id in ids:
                conn.execute(
                    alerts.update().where(alerts.c.id == alert_id).values(gone=True, updated_at=now)
                )
                self._audit(conn, alert_id, actor, "gone", None, None, now, {})
            return [_alert(_alert_by_id(conn, i)) for i in ids]

    def transition(
        self, alert_id: int, change: Transition, *, actor: str, at: datetime | None = None
    ) -> Alert:
        """Move an alert through its lifecycle (see `alerts.lifecycle`), audited."""
        if not actor.strip():
            raise lifecycle.TransitionError("a status change needs the name of who made it")
        now = to_db(at) if at else utcnow()
        with self.engine.begin() as conn:
            row = _alert_by_id(conn, alert_id)
            lifecycle.check(row["status"], change)
            values: dict[str, Any] = {"status": change.to_status, "updated_at": now}
            detail: dict[str, Any] = {}
            if change.to_status == "confirmed":
                values["confirmed_at"] = now
            elif change.to_status == "dismissed":
                values.update(confirmed_at=None, dismissed_reason=change.reason)
                detail["reason"] = change.reason
            elif change.to_status == "referred":
                values.update(case_number=change.case_number, agency=change.agency)
                detail.update(case_number=change.case_number, agency=change.agency)
            if change.reason and "reason" not in detail:
                detail["note"] = change.reason
            conn.execute(alerts.update().where(alerts.c.id == alert_id).values(**values))
            self._audit(
                conn, alert_id, actor, "status", row["status"], change.to_status, now, detail
            )
            return _alert(_alert_by_id(conn, alert_id))

    def get(self, alert_id: int) -> Alert:
        with self.engine.connect() as conn:
            return _alert(_alert_by_id(conn, alert_id))

    def alerts(
        self, status: str | None = None, where: sa.ColumnElement[bool] | None = None
    ) -> list[Alert]:
        """Alerts by id; `where` narrows in the query (a rights holder's grant)."""
        query = sa.select(alerts).order_by(alerts.c.id)
        if status:
            query = query.where(alerts.c.status == status)
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as conn:
            return [_alert(r) for r in conn.execute(query).mappings()]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar() or 0)

    def audit_trail(self, alert_id: int) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(alert_events)
                .where(alert_events.c.alert_id == alert_id)
                .order_by(alert_events.c.id)
            ).mappings()
            return [
                AuditEntry(
                    r["alert_id"],
                    iso(r["at"]),
                    r["actor"],
                    r["action"],
                    r["from_status"],
                    r["to_status"],
                    dict(r["detail"]),
                )
                for r in rows
            ]

    def _audit(
        self,
        conn: Connection,
        alert_id: int,
        actor: str,
        action: str,
        from_status: str | None,
        to_status: str | None,
        at: datetime,
        detail: dict[str, Any],
    ) -> None:
        conn.execute(
            alert_events.insert().values(
                alert_id=alert_id,
                at=at,
                actor=actor,
                action=action,
                from_status=from_status,
                to_status=to_status,
                detail=detail,
            )
        )

    # -- sellers -----------------------------------------------------------------------
    def _upsert_seller(self, conn: Connection, listing: Listing, now: datetime) -> int | None:
        seller = listing.seller
        key = seller_key(listing.platform, seller)
        if key is None:
            return None
        conn.execute(
            insert_ignoring_duplicates(self.engine, sellers).values(
                key=key,
                platform=listing.platform,
                platform_seller_id=seller.id,
                name=seller.name,
                shop_url=None,
                credit_code=seller.credit_code,
                locations=[seller.location] if seller.location else [],
                first_seen=now,
                last_seen=now,
            )
        )
        row = conn.execute(sa.select(sellers).where(sellers.c.key == key)).mappings().one()
        locations = list(row["locations"])
        if seller.location and seller.location not in locations:
            locations.append(seller.location)
        conn.execute(
            sellers.update()
            .where(sellers.c.id == row["id"])
            .values(
                name=seller.name or row["name"],
                credit_code=seller.credit_code or row["credit_code"],
                locations=locations,
                last_seen=max(now, row["last_seen"]),
            )
        )
        return int(row["id"])

    def set_shop_url(self, seller_id: int, shop_url: str) -> None:
        """Shop pages are crawled separately from items; their spider records the URL here."""
        with self.engine.begin() as conn:
            conn.execute(
                sellers.update().where(sellers.c.id == seller_id).values(shop_url=shop_url)
            )

    def seller(self, seller_id: int) -> SellerProfile:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sellers).where(sellers.c.id == seller_id)).mappings()
            return _seller(row.one())

    def sellers(self) -> list[SellerProfile]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sellers).order_by(sellers.c.id)).mappings()
            return [_seller(r) for r in rows]

    def _related_sellers(self, conn: Connection, seller_id: int) -> list[int]:
        """The seller and every other shop of the same legal entity (same credit code)."""
        code = conn.execute(
            sa.select(sellers.c.credit_code).where(sellers.c.id == seller_id)
        ).scalar()
        if not code:
            return [seller_id]
        return list(
            conn.execute(sa.select(sellers.c.id).where(sellers.c.credit_code == code)).scalars()
        )

    def _confirmed_since(self, since: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(alerts.c.confirmed_at.is_not(None), alerts.c.confirmed_at >= since)

    def _is_repeat(self, conn: Connection, seller_id: int, now: datetime) -> bool:
        policy = self.config.repeat_infringer
        since = now - timedelta(days=policy.window_days)
        related = self._related_sellers(conn, seller_id)
        confirmed = conn.execute(
            sa.select(sa.func.count())
            .select_from(alerts)
            .where(alerts.c.seller_id.in_(related), self._confirmed_since(since))
        ).scalar()
        return int(confirmed or 0) >= policy.threshold

    def repeat_infringers(self, at: datetime | None = None) -> list[RepeatInfringer]:
        """The repeat-infringer list: sellers (merged by credit code) over the threshold."""
        now = to_db(at) if at else utcnow()
        policy = self.config.repeat_infringer
        since = now - timedelta(days=policy.window_days)
        with self.engine.connect() as conn:
            counts: dict[int, int] = dict(
                conn.execute(  # type: ignore[arg-type]
                    sa.select(alerts.c.seller_id, sa.func.count())
                    .where(alerts.c.seller_id.is_not(None), self._confirmed_since(since))
                    .group_by(alerts.c.seller_id)
                ).all()
            )
            if not counts:
                return []
            rows = conn.execute(sa.select(sellers).where(sellers.c.id.in_(list(counts))))
            profiles = [_seller(r) for r in rows.mappings()]
        groups: dict[str, list[SellerProfile]] = {}
        for profile in profiles:
            groups.setdefault(profile.credit_code or f"seller:{profile.id}", []).append(profile)
        out = []
        for members in groups.values():
            total = sum(counts[m.id] for m in members)
            if total >= policy.threshold:
                members.sort(key=lambda m: m.id)
                out.append(RepeatInfringer(members[0], total, tuple(m.id for m in members)))
        return sorted(out, key=lambda r: (-r.confirmed_alerts, r.seller.id))

    # -- grants (which marks each rights holder holds) ----------------------------------
    def grants(self) -> dict[str, grant_rules.Grant]:
        with self.engine.connect() as conn:
            return grant_rules.load_grants(conn)

    def grant_of(self, organisation: str) -> grant_rules.Grant:
        return self.grants().get(organisation, grant_rules.Grant(organisation))

    def grant(self, organisation: str, scope: grant_rules.Scope, value: str, by: str) -> None:
        with self.engine.begin() as conn:
            grant_rules.save_grant(conn, organisation, scope, value, by, utcnow())

    def revoke_grant(self, organisation: str, scope: grant_rules.Scope, value: str) -> bool:
        with self.engine.begin() as conn:
            return grant_rules.revoke_grant(conn, organisation, scope, value)

    # -- users and watchlists ---------------------------------------------------------
    def save_user(self, user: User) -> None:
        now = utcnow()
        values = {
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role,
            "organisation": user.organisation,
        }
        with self.engine.begin() as conn:
            if insert_if_absent(conn, users, name=user.name, created_at=now, **values) is None:
                conn.execute(users.update().where(users.c.name == user.name).values(**values))

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).mappings()
            return [
                User(r["name"], r["role"], r["display_name"], r["email"], r["organisation"])
                for r in rows
            ]

    def save_watchlist(self, watchlist: wl.Watchlist) -> int:
        now = utcnow()
        values = {
            "owner": watchlist.owner,
            "owner_kind": watchlist.owner_kind,
            "criteria": watchlist.criteria(),
            "channels": list(watchlist.channels),
            "delivery": watchlist.delivery,
            "language": watchlist.language,
            "active": watchlist.active,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            conn.execute(
                insert_ignoring_duplicates(self.engine, watchlists).values(
                    name=watchlist.name, created_at=now, **values
                )
            )
            conn.execute(
                watchlists.update().where(watchlists.c.name == watchlist.name).values(**values)
            )
            return int(
                conn.execute(
                    sa.select(watchlists.c.id).where(watchlists.c.name == watchlist.name)
                ).scalar_one()
            )

    def watchlists(self) -> list[wl.Watchlist]:
        with self.engine.connect() as conn:
            return [w for _id, w in self._watchlist_rows(conn, active_only=False)]

    def _watchlist_rows(
        self, conn: Connection, *, active_only: bool
    ) -> list[tuple[int, wl.Watchlist]]:
        query = sa.select(watchlists).order_by(watchlists.c.id)
        if active_only:
            query = query.where(watchlists.c.active == sa.true())
        out = []
        for r in conn.execute(query).mappings():
            out.append(
                (
                    r["id"],
                    wl.Watchlist.from_mapping(
                        {
                            "name": r["name"],
                            "owner": r["owner"],
                            "owner_kind": r["owner_kind"],
                            "channels": list(r["channels"]),
                            "delivery": r["delivery"],
                            "language": r["language"],
                            "active": r["active"],
                            **r["criteria"],
                        }
                    ),
                )
            )
        return out

    # -- routing and digests ------------------------------------------------------------
    def _route(
        self,
        conn: Connection,
        alert: Alert,
        routes: Iterable[tuple[int, wl.Watchlist]],
        now: datetime,
        granted: Mapping[str, grant_rules.Grant] | None = None,
    ) -> None:
        """Queue the alert for every channel that wants it; keys make repeats no-ops.

        A rights holder's watchlist only ever routes alerts of marks granted to its owner.
        """
        for channel in self.channel_names:
            key = idempotency_key(alert.id, None, channel)
            self.outbox.queue(
                conn,
                channel=channel,
                key=key,
                alert_id=alert.id,
                now=now,
                payload=self.alert_payload(alert, key),
            )
        for watchlist_id, watchlist in routes:
            if not wl.matches(watchlist, alert):
                continue
            if watchlist.owner_kind == "rights_holder":
                grant = (granted or {}).get(watchlist.owner)
                if grant is None or not grant.covers(alert.mark, alert.kind):
                    continue
            for channel in watchlist.channels:
                if watchlist.delivery == "digest":
                    conn.execute(
                        insert_ignoring_duplicates(self.engine, digest_items).values(
                            watchlist_id=watchlist_id,
                            channel=channel,
                            alert_id=alert.id,
                            queued_at=now,
                        )
                    )
                    continue
                key = idempotency_key(alert.id, watchlist.name, channel)
                self.outbox.queue(
                    conn,
                    channel=channel,
                    key=key,
                    alert_id=alert.id,
                    watchlist_id=watchlist_id,
                    now=now,
                    payload=self.alert_payload(alert, key, watchlist),
                )

    def build_digests(self, at: datetime | None = None, *, include_today: bool = False) -> int:
        """Queue one digest message per watchlist, channel and finished day (local time)."""
        now = to_db(at) if at else utcnow()
        zone = ZoneInfo(self.config.digest_timezone)
        today = _local_day(now, zone)
        queued = 0
        with self.engine.begin() as conn:
            routes = dict(self._watchlist_rows(conn, active_only=False))
            items = (
                conn.execute(
                    sa.select(digest_items)
                    .where(digest_items.c.digest_key.is_(None))
                    .order_by(digest_items.c.id)
                )
                .mappings()
                .all()
            )
            batches: dict[tuple[int, str, str], list[Any]] = {}
            for item in items:
                day = _local_day(item["queued_at"], zone)
                if day < today or include_today:
                    batches.setdefault((item["watchlist_id"], item["channel"], day), []).append(
                        item
                    )
            for (watchlist_id, channel, day), batch in batches.items():
                watchlist = routes[watchlist_id]
                digest_route = hashlib.sha256(channel.encode()).hexdigest()[:8]
                key = f"mw-digest-{watchlist_id}-{digest_route}-{day}-{batch[0]['id']}"
                payload = {
                    "type": "digest",
                    "idempotency_key": key,
                    "day": day,
                    "watchlist": watchlist.name,
                    "owner": watchlist.owner,
                    "language": watchlist.language,
                    "alerts": [
                        self.alert_payload(
                            _alert(_alert_by_id(conn, i["alert_id"])), key, watchlist
                        )
                        for i in batch
                    ],
                }
                if self.outbox.queue(
                    conn,
                    channel=channel,
                    key=key,
                    kind="digest",
                    watchlist_id=watchlist_id,
                    payload=payload,
                    now=now,
                ):
                    queued += 1
                conn.execute(
                    digest_items.update()
                    .where(digest_items.c.id.in_([i["id"] for i in batch]))
                    .values(digest_key=key)
                )
        return queued

    def alert_payload(
        self, alert: Alert, key: str, watchlist: wl.Watchlist | None = None
    ) -> dict[str, Any]:
        listing = alert.listing
        console = self.config.console_url
        return {
            "type": "alert",
            "idempotency_key": key,
            "alert_id": alert.id,
            "listing_id": alert.listing_id,
            "mark": alert.mark,
            "kind": alert.kind,
            "verdict": alert.verdict,
            "score": round(alert.score, 4),
            "status": alert.status,
            "reasons": alert.reasons,
            "repeat_infringer": alert.repeat_infringer,
            "listing": {
                "url": listing.get("url", ""),
                "title": listing.get("title", ""),
                "price": listing.get("price"),
                "currency": listing.get("currency", "CNY"),
                "platform": listing.get("platform", ""),
                "seller": listing.get("seller", {}),
            },
            "seller_id": alert.seller_id,
            "links": {
                "alert": f"{console}/alerts/{alert.id}",
                "evidence": f"{console}/alerts/{alert.id}/evidence",
            },
            "watchlist": watchlist.name if watchlist else None,
            "language": watchlist.language if watchlist else "zh",
            "first_seen": alert.first_seen,
        }

    # -- outbox (kept on the store for callers of the first version) --------------------
    def outbox_counts(self) -> dict[str, int]:
        return self.outbox.counts()

    def outbox_messages(self) -> list[OutboxMessage]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(outbox).order_by(outbox.c.id)).mappings()
            return [
                OutboxMessage(
                    r["id"],
                    r["alert_id"],
                    r["channel"],
                    r["idempotency_key"],
                    r["payload"],
                    r["attempts"],
                    r["kind"],
                )
                for r in rows
            ]

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class _SeenSeller:
    """A seller written earlier in the same batch, and what that write recorded."""

    id: int
    repeat: bool
    seller: Seller
    locations: set[str]

    def covers(self, seller: Seller) -> bool:
        """True when writing `seller` again would change nothing (same `now`)."""
        return (
            (not seller.name or seller.name == self.seller.name)
            and (not seller.credit_code or seller.credit_code == self.seller.credit_code)
            and (not seller.location or seller.location in self.locations)
        )


@dataclass
class _Batch:
    """What one record_many transaction reads once."""

    routes: list[tuple[int, wl.Watchlist]]
    granted: dict[str, grant_rules.Grant]
    sellers: dict[str, _SeenSeller] = field(default_factory=dict)


def seller_key(platform: str, seller: Seller) -> str | None:
    """A seller's identity on one platform: its platform id, else its shown name."""
    if seller.id:
        return f"{platform}:id:{seller.id}"
    if seller.name:
        return f"{platform}:name:{seller.name}"
    return None


def idempotency_key(alert_id: int, watchlist: str | None, channel: str) -> str:
    """Stable per (alert, watchlist, channel): the same message always has the same key."""
    route = hashlib.sha256(f"{watchlist or '*'}\x00{channel}".encode()).hexdigest()[:12]
    return f"mw-alert-{alert_id}-{route}"


def _local_day(moment: datetime, zone: ZoneInfo) -> str:
    return to_aware_utc(moment).astimezone(zone).date().isoformat()


def to_aware_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _alert_row(conn: Connection, listing_id: str, mark: str) -> Any:
    return (
        conn.execute(
            sa.select(alerts).where(alerts.c.listing_id == listing_id, alerts.c.mark == mark)
        )
        .mappings()
        .one()
    )


def _alert_by_id(conn: Connection, alert_id: int) -> Any:
    row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).mappings().first()
    if row is None:
        raise KeyError(f"no alert {alert_id}")
    return row


def _alert(row: Any) -> Alert:
    return Alert(
        id=row["id"],
        listing_id=row["listing_id"],
        mark=row["mark"],
        kind=row["kind"],
        verdict=row["verdict"],
        score=row["score"],
        status=row["status"],
        first_seen=iso(row["first_seen"]),
        last_seen=iso(row["last_seen"]),
        listing=dict(row["listing"]),
        reasons=list(row["reasons"]),
        seller_id=row["seller_id"],
        price=row["price"],
        previous_price=row["previous_price"],
        gone=bool(row["gone"]),
        repeat_infringer=bool(row["repeat_infringer"]),
        dismissed_reason=row["dismissed_reason"],
        case_number=row["case_number"],
        agency=row["agency"],
    )


def _seller(row: Any) -> SellerProfile:
    return SellerProfile(
        id=row["id"],
        key=row["key"],
        platform=row["platform"],
        platform_seller_id=row["platform_seller_id"],
        name=row["name"],
        shop_url=row["shop_url"],
        credit_code=row["credit_code"],
        locations=tuple(row["locations"]),
        first_seen=iso(row["first_seen"]),
        last_seen=iso(row["last_seen"]),
    )
