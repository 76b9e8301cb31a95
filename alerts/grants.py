"""Mark grants: which marks (or mark families) staff granted to each rights holder.

A rights holder's watchlists may narrow its grant, never widen it; a watchlist with no
marks means "every mark granted to me". Every holder-facing read and every delivery is
bounded by the grant (`Grant.condition` goes into the SQL query).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerts.db import insert_ignoring_duplicates
from alerts.schema import mark_grants

Scope = Literal["mark", "family"]
SCOPES: tuple[Scope, ...] = ("mark", "family")


class GrantError(PermissionError):
    """A watchlist reaching outside its owner's grant; carries the owner and what is outside."""

    def __init__(self, organisation: str, outside: Iterable[str]) -> None:
        self.organisation = organisation
        self.outside = tuple(outside)
        what = ", ".join(self.outside) or "(nothing granted)"
        super().__init__(f"outside the marks granted to {organisation!r}: {what}")


@dataclass(frozen=True, slots=True)
class Grant:
    organisation: str
    marks: frozenset[str] = field(default_factory=frozenset)
    families: frozenset[str] = field(default_factory=frozenset)  # mark kinds: gi, olympic

    @property
    def empty(self) -> bool:
        return not self.marks and not self.families

    def covers(self, mark: str, kind: str) -> bool:
        return mark in self.marks or kind in self.families

    def condition(self, table: sa.Table) -> sa.ColumnElement[bool]:
        """SQL: the alert rows of `table` (mark and kind columns) this grant covers."""
        if self.empty:
            return sa.false()
        return sa.or_(table.c.mark.in_(sorted(self.marks)), table.c.kind.in_(sorted(self.families)))

    def outside(
        self, marks: Iterable[str], kinds: Iterable[str], kind_of: Callable[[str], str | None]
    ) -> list[str]:
        """The watchlist marks and kinds this grant does not cover (empty: it narrows it)."""
        out = [m for m in marks if m not in self.marks and kind_of(m) not in self.families]
        out += [f"kind:{k}" for k in kinds if k not in self.families]
        if self.empty:
            out = out or ["(nothing granted)"]
        return out


def load_grants(conn: Connection) -> dict[str, Grant]:
    marks: dict[str, set[str]] = {}
    families: dict[str, set[str]] = {}
    for org, scope, value in conn.execute(
        sa.select(mark_grants.c.organisation, mark_grants.c.scope, mark_grants.c.value)
    ):
        (marks if scope == "mark" else families).setdefault(org, set()).add(value)
    return {
        org: Grant(org, frozenset(marks.get(org, ())), frozenset(families.get(org, ())))
        for org in set(marks) | set(families)
    }


def load_grant(conn: Connection, organisation: str) -> Grant:
    return load_grants(conn).get(organisation, Grant(organisation))


def save_grant(
    conn: Connection, organisation: str, scope: Scope, value: str, by: str, now: datetime
) -> None:
    if scope not in SCOPES:
        raise ValueError(f"grant scope must be mark or family, not {scope!r}")
    if not organisation or not value:
        raise ValueError("a grant needs an organisation and a mark (or family)")
    conn.execute(
        insert_ignoring_duplicates(conn.engine, mark_grants).values(
            organisation=organisation, scope=scope, value=value, granted_by=by, granted_at=now
        )
    )


def revoke_grant(conn: Connection, organisation: str, scope: Scope, value: str) -> bool:
    result = conn.execute(
        mark_grants.delete().where(
            mark_grants.c.organisation == organisation,
            mark_grants.c.scope == scope,
            mark_grants.c.value == value,
        )
    )
    return bool(result.rowcount)
