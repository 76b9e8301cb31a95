"""Alembic migrations of the alert store; applied by `alerts.db.migrate` on every open."""
