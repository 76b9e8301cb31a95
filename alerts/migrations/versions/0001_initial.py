"""Initial alert store: users, sellers, alerts + audit, watchlists, outbox, digest queue.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("email", sa.String(320), nullable=False, server_default=""),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "sellers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(400), nullable=False, unique=True),
        sa.Column("platform", sa.String(50), nullable=False),
        sa.Column("platform_seller_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("name", sa.String(400), nullable=False, server_default=""),
        sa.Column("shop_url", sa.Text, nullable=True),
        sa.Column("credit_code", sa.String(40), nullable=True),
        sa.Column("locations", sa.JSON, nullable=False),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
    )
    op.create_index("ix_sellers_credit_code", "sellers", ["credit_code"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("listing_id", sa.String(400), nullable=False),
        sa.Column("mark", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("platform", sa.String(50), nullable=False, server_default=""),
        sa.Column("seller_id", sa.Integer, sa.ForeignKey("sellers.id"), nullable=True),
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
    op.create_index("ix_alerts_seller_id", "alerts", ["seller_id"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    op.create_table(
        "watchlists",
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
    op.create_table(
        "outbox",
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
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])
    op.create_table(
        "digest_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("watchlist_id", sa.Integer, sa.ForeignKey("watchlists.id"), nullable=False),
        sa.Column("channel", sa.String(200), nullable=False),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.Column("digest_key", sa.String(200), nullable=True),
        sa.UniqueConstraint("watchlist_id", "channel", "alert_id", name="uq_digest_items_route"),
    )
    op.create_index("ix_digest_items_digest_key", "digest_items", ["digest_key"])


def downgrade() -> None:
    for table in (
        "digest_items",
        "outbox",
        "watchlists",
        "alert_events",
        "alerts",
        "sellers",
        "users",
    ):
        op.drop_table(table)
