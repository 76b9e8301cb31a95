"""Alembic environment: always run with a connection handed in by `alerts.db.migrate`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from alerts.schema import metadata

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    # Two processes opening a fresh database at once must not both create the tables.
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(7301729)"))
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
