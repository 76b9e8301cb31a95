"""Table definitions (SQLAlchemy Core) shared by the store and the migrations' drift test.

Times are naive UTC `DateTime`s: SQLite has no time zones, and one convention on both
back ends keeps comparisons (due messages, leases, windows) right.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("email", sa.String(320), nullable=False, server_default=""),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

sellers = sa.Table(
    "sellers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(400), nullable=False, unique=True),
    sa.Column("platform", sa.String(50), nullable=False),
    sa.Column("platform_seller_id", sa.String(200), nullable=False, server_default=""),
    sa.Column("name", sa.String(400), nullable=False, server_default=""),
    sa.Column("shop_url", sa.Text, nullable=True),
    sa.Column("credit_code", sa.String(40), nullable=True, index=True),
    sa.Column("locations", sa.JSON, nullable=False),
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("listing_id", sa.String(400), nullable=False),
    sa.Column("mark", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="new"),
    sa.Column("platform", sa.String(50), nullable=False, server_default=""),
    sa.Column("seller_id", sa.Integer, sa.ForeignKey("sellers.id"), nullable=True, index=True),
    sa.Column("price", sa.Float, nullable=True),
    sa.Column("previous_price", sa.Float, nullable=True),
    sa.Column("gone", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("repeat_infringer", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("dismissed_reason", sa.Text, nullable=True),
    sa.Column("case_number", sa.String(100), nullable=True),
    sa.Column("agency", sa.String(200), nullable=True),
    sa.Column("confirmed_at", sa.DateTime, nullable=True),
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("listing", sa.JSON, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.UniqueConstraint("listing_id", "mark", name="uq_alerts_listing_mark"),
)

alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=True),
    sa.Column("detail", sa.JSON, nullable=False),
)

watchlists = sa.Table(
    "watchlists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("owner_kind", sa.String(20), nullable=False),
    sa.Column("criteria", sa.JSON, nullable=False),
    sa.Column("channels", sa.JSON, nullable=False),
    sa.Column("delivery", sa.String(20), nullable=False, server_default="immediate"),
    sa.Column("language", sa.String(10), nullable=False, server_default="zh"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Which marks (or mark families: every mark of a kind) staff granted to a rights holder.
mark_grants = sa.Table(
    "mark_grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organisation", sa.String(200), nullable=False),
    sa.Column("scope", sa.String(10), nullable=False),  # mark | family
    sa.Column("value", sa.String(100), nullable=False),  # mark name | kind (gi, olympic)
    sa.Column("granted_by", sa.String(200), nullable=False),
    sa.Column("granted_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("organisation", "scope", "value", name="uq_mark_grants"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=True),
    sa.Column("watchlist_id", sa.Integer, sa.ForeignKey("watchlists.id"), nullable=True),
    sa.Column("channel", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False, server_default="alert"),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("claim_token", sa.String(64), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.Index("ix_outbox_due", "state", "next_attempt_at"),
)

digest_items = sa.Table(
    "digest_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("watchlist_id", sa.Integer, sa.ForeignKey("watchlists.id"), nullable=False),
    sa.Column("channel", sa.String(200), nullable=False),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
    sa.Column("queued_at", sa.DateTime, nullable=False),
    sa.Column("digest_key", sa.String(200), nullable=True, index=True),
    sa.UniqueConstraint("watchlist_id", "channel", "alert_id", name="uq_digest_items_route"),
)
