"""Mark grants: staff grant rights holders their marks; watchlists may only narrow them.

Before this revision a rights holder's watchlist could name any mark (or none: every
alert). No organisation holds a grant yet, so every active rights-holder watchlist is
outside its grant: each is reported (a warning naming it, its owner and its marks) and
disabled. Staff grant the marks, then the holder (or staff) re-enables the watchlist.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

logger = logging.getLogger("alerts.migrations")


def upgrade() -> None:
    op.create_table(
        "mark_grants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("organisation", "scope", "value", name="uq_mark_grants"),
    )
    watchlists = sa.table(
        "watchlists",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("owner", sa.String),
        sa.column("owner_kind", sa.String),
        sa.column("criteria", sa.JSON),
        sa.column("active", sa.Boolean),
    )
    bind = op.get_bind()
    outside = bind.execute(
        sa.select(watchlists.c.id, watchlists.c.name, watchlists.c.owner, watchlists.c.criteria)
        .where(watchlists.c.owner_kind == "rights_holder", watchlists.c.active == sa.true())
        .order_by(watchlists.c.id)
    ).all()
    for _id, name, owner, criteria in outside:
        marks = (criteria or {}).get("marks") or ["(every mark)"]
        logger.warning(
            "watchlist %r of %r names marks outside its grant (%s): disabled; "
            "grant the marks, then enable it again",
            name,
            owner,
            ", ".join(marks),
        )
    if outside:
        bind.execute(
            watchlists.update()
            .where(watchlists.c.id.in_([row[0] for row in outside]))
            .values(active=False)
        )


def downgrade() -> None:
    op.drop_table("mark_grants")
