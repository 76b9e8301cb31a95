"""UTC time as the store keeps it: naive datetimes in UTC, ISO strings with +00:00 outside."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_db(moment: datetime) -> datetime:
    """A naive UTC datetime for the database from an aware or naive-UTC one."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def iso(moment: datetime | None) -> str:
    return moment.replace(tzinfo=UTC).isoformat() if moment else ""
