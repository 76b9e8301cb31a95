"""The console's own tables (SQLAlchemy Core), kept beside the alert store's in one database.

The alert store has no passwords, sessions, API tokens, admin role, assignments, stored
channels or crawl schedules, so the console keeps them here. `create_all` is idempotent;
the tables carry a `console_` prefix so they never collide with the store's migrations.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

accounts = sa.Table(
    "console_accounts",
    metadata,
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),  # admin | staff | rights_holder
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # the cookie is never stored
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

api_tokens = sa.Table(
    "console_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_used_at", sa.DateTime, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
)

assignments = sa.Table(
    "console_assignments",
    metadata,
    sa.Column("alert_id", sa.Integer, primary_key=True),
    sa.Column("assignee", sa.String(200), nullable=False, index=True),
    sa.Column("assigned_by", sa.String(200), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
)

channels = sa.Table(
    "console_channels",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False, index=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

schedules = sa.Table(
    "console_schedules",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("spider", sa.String(100), nullable=False),
    sa.Column("cron", sa.String(100), nullable=False),
    sa.Column("arguments", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


# Login attempts per key ("ip:ADDRESS", "user:NAME"): see console.ratelimit.
login_attempts = sa.Table(
    "console_login_attempts",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_at", sa.Float, nullable=False),  # Unix time of the next permitted try
)


def console_engine(target: str | Path) -> Engine:
    """An engine on a database URL or SQLite path, with the console tables created."""
    text = str(target)
    if "://" not in text:
        Path(text).parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{text}"
    connect_args = {"timeout": 30, "check_same_thread": False} if text.startswith("sqlite") else {}
    engine = sa.create_engine(text, connect_args=connect_args, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine
