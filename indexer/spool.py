"""A durable local spool for index writes that could not reach the search server.

Entries are kept in a SQLite file (WAL, synchronous=FULL) in the order they were
spooled and handed back in that order for replay; a replayed entry is removed only
after the server has acknowledged it. Each entry is keyed by (target, doc id,
version): spooling the same version of a document twice keeps one entry (the newer
body), so a retried write is never doubled. Replaying an entry twice (a crash between
the server's ack and the removal) is harmless because writes are idempotent upserts
with external versions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (target, doc_id, version)
);
"""


@dataclass(frozen=True, slots=True)
class SpoolEntry:
    target: str  # index or alias the write was meant for
    doc_id: str
    version: int
    body: str  # the JSON document, exactly as it would have been sent


@dataclass(frozen=True, slots=True)
class SpooledItem:
    seq: int
    entry: SpoolEntry


class Spool:
    """Append-in-order, replay-in-order queue of pending index writes, safe across processes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: an entry acknowledged as spooled survives a power cut, not just a crash.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def append(self, entries: Iterable[SpoolEntry]) -> int:
        """Spool entries in one transaction; returns how many were given."""
        rows = [(e.target, e.doc_id, e.version, e.body) for e in entries]
        if not rows:
            return 0
        with self._db:
            # REPLACE drops an older row of the same (target, id, version) and appends the
            # new one at the end: the latest body wins and order stays "last write last".
            self._db.executemany(
                "INSERT OR REPLACE INTO spool (target, doc_id, version, body) VALUES (?,?,?,?)",
                rows,
            )
        return len(rows)

    def peek(self, limit: int) -> list[SpooledItem]:
        """The oldest `limit` entries, oldest first; they stay until `remove`d."""
        cursor = self._db.execute(
            "SELECT seq, target, doc_id, version, body FROM spool ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [SpooledItem(seq, SpoolEntry(t, d, v, b)) for seq, t, d, v, b in cursor]

    def remove(self, seqs: Sequence[int]) -> None:
        if not seqs:
            return
        with self._db:
            self._db.executemany("DELETE FROM spool WHERE seq = ?", [(s,) for s in seqs])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM spool").fetchone()[0])

    def close(self) -> None:
        self._db.close()
