"""Console-owned records beside the alert store: assignments, stored channels, crawl schedules.

The alert store has no column for an assignee, no table of channels rights holders manage
themselves and no crawl schedules, so they live in the console's tables (see tables.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.tables import assignments, channels, schedules


@contextmanager
def existing_console_store(target: str) -> Iterator[ConsoleStore | None]:
    """The console's records on `target` (a database URL) if the console ever ran there.

    Read-only on purpose: crawlers and the scheduler must not race to create its tables.
    """
    if target.startswith("sqlite:///") and not Path(target.removeprefix("sqlite:///")).exists():
        yield None
        return
    engine = sa.create_engine(target)
    try:
        present = sa.inspect(engine).has_table(schedules.name)
        yield ConsoleStore(engine) if present else None
    finally:
        engine.dispose()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class StoredChannel:
    name: str
    owner: str
    type: str
    options: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CrawlSchedule:
    name: str
    spider: str
    cron: str
    arguments: Mapping[str, str]
    enabled: bool


class ConsoleStore:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self.engine = engine
        self.clock = clock

    # -- assignments -----------------------------------------------------------------
    def assign(self, alert_ids: Iterable[int], assignee: str, by: str) -> None:
        ids = list(alert_ids)
        with self.engine.begin() as conn:
            conn.execute(assignments.delete().where(assignments.c.alert_id.in_(ids)))
            if assignee:
                conn.execute(
                    assignments.insert(),
                    [
                        {
                            "alert_id": i,
                            "assignee": assignee,
                            "assigned_by": by,
                            "assigned_at": self.clock(),
                        }
                        for i in ids
                    ],
                )

    def assignees(self, alert_ids: Iterable[int]) -> dict[int, str]:
        ids = list(alert_ids)
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(assignments.c.alert_id, assignments.c.assignee).where(
                    assignments.c.alert_id.in_(ids)
                )
            )
            return {int(a): str(u) for a, u in rows}

    def assigned_to(self, assignee: str) -> list[int]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(assignments.c.alert_id).where(assignments.c.assignee == assignee)
                ).scalars()
            )

    # -- channels ------------------------------------------------------------------
    def save_channel(self, channel: StoredChannel) -> None:
        with self.engine.begin() as conn:
            conn.execute(channels.delete().where(channels.c.name == channel.name))
            conn.execute(
                channels.insert().values(
                    name=channel.name,
                    owner=channel.owner,
                    type=channel.type,
                    options=dict(channel.options),
                    updated_at=self.clock(),
                )
            )

    def channels(self, owner: str | None = None) -> list[StoredChannel]:
        query = sa.select(channels).order_by(channels.c.name)
        if owner is not None:
            query = query.where(channels.c.owner == owner)
        with self.engine.connect() as conn:
            return [
                StoredChannel(r["name"], r["owner"], r["type"], dict(r["options"]))
                for r in conn.execute(query).mappings()
            ]

    def delete_channel(self, name: str, owner: str | None) -> bool:
        query = channels.delete().where(channels.c.name == name)
        if owner is not None:
            query = query.where(channels.c.owner == owner)
        with self.engine.begin() as conn:
            return bool(conn.execute(query).rowcount)

    # -- crawl schedules -------------------------------------------------------------
    def save_schedule(self, schedule: CrawlSchedule) -> None:
        with self.engine.begin() as conn:
            conn.execute(schedules.delete().where(schedules.c.name == schedule.name))
            conn.execute(
                schedules.insert().values(
                    name=schedule.name,
                    spider=schedule.spider,
                    cron=schedule.cron,
                    arguments=dict(schedule.arguments),
                    enabled=schedule.enabled,
                    updated_at=self.clock(),
                )
            )

    def schedules(self) -> list[CrawlSchedule]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(schedules).order_by(schedules.c.name)).mappings()
            return [
                CrawlSchedule(
                    r["name"], r["spider"], r["cron"], dict(r["arguments"]), bool(r["enabled"])
                )
                for r in rows
            ]

    def delete_schedule(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(schedules.delete().where(schedules.c.name == name)).rowcount)
