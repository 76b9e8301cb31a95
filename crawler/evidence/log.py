"""The append-only, hash-chained evidence log (`log.jsonl`).

Each line is one JSON entry `{seq, listing_id, kind, path, sha256, prev_hash, entry_hash,
at}`; `entry_hash` is the SHA-256 of the canonical JSON of the entry without
`entry_hash`, and `prev_hash` is the previous entry's `entry_hash` (64 zeros for the
first), so removing, reordering or editing any entry breaks the chain after it.

Appends hold a thread lock and an exclusive `flock` on the file (several crawl workers
on one machine may share an evidence dir) and are fsynced before returning. A crash can
leave a torn last line; readers report it and appends continue after it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS_HASH = "0" * 64
_TAIL_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    listing_id: str
    kind: str  # "warc" | "image" | "screenshot"
    path: str  # relative to the evidence dir, POSIX separators
    sha256: str
    prev_hash: str
    at: str
    entry_hash: str = ""

    def body(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("entry_hash")
        return data

    def computed_hash(self) -> str:
        return sha256_hex(canonical_json(self.body()))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LogEntry:
        return cls(
            seq=int(data["seq"]),
            listing_id=str(data["listing_id"]),
            kind=str(data["kind"]),
            path=str(data["path"]),
            sha256=str(data["sha256"]),
            prev_hash=str(data["prev_hash"]),
            at=str(data["at"]),
            entry_hash=str(data["entry_hash"]),
        )


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """What a caller logs; the log adds seq and the hashes when it chains it."""

    listing_id: str
    kind: str
    path: str
    sha256: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    """One physical line: a parsed entry, or the reason it could not be parsed."""

    number: int  # 1-based
    entry: LogEntry | None
    error: str = ""
    terminated: bool = True  # False: the file ends inside this line (a torn write)


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class EvidenceLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(
        self, listing_id: str, kind: str, path: str, sha256: str, at: datetime | None = None
    ) -> LogEntry:
        return self.append_many([PendingEntry(listing_id, kind, path, sha256, at)])[0]

    def append_many(self, pending: Sequence[PendingEntry]) -> list[LogEntry]:
        """Chain the entries in order under one lock, one write and one fsync: a crawl
        logs a batch of listings for the price of one (each open, flock and fsync costs
        about a millisecond on slow disks)."""
        if not pending:
            return []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("ab+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                last, torn = _tail(fh)
                out: list[LogEntry] = []
                for item in pending:
                    entry = LogEntry(
                        seq=(last.seq + 1) if last else 1,
                        listing_id=item.listing_id,
                        kind=item.kind,
                        path=item.path,
                        sha256=item.sha256,
                        prev_hash=last.entry_hash if last else GENESIS_HASH,
                        at=(item.at or datetime.now(UTC)).isoformat(timespec="microseconds"),
                    )
                    last = LogEntry(**{**entry.body(), "entry_hash": entry.computed_hash()})
                    out.append(last)
                prefix = b"\n" if torn else b""  # never glue an entry onto a torn line
                fh.write(prefix + b"".join(e.to_json().encode() + b"\n" for e in out))
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return out

    def lines(self) -> Iterator[LogLine]:
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                terminated = raw.endswith(b"\n")
                text = raw.strip()
                if not text:
                    continue
                try:
                    entry = LogEntry.from_dict(json.loads(text))
                except (ValueError, KeyError, TypeError) as exc:
                    yield LogLine(number, None, f"unreadable entry: {exc}", terminated)
                    continue
                yield LogLine(number, entry, "", terminated)

    def entries(self) -> list[LogEntry]:
        return [line.entry for line in self.lines() if line.entry is not None]

    def for_listing(self, listing_id: str) -> list[LogEntry]:
        return [e for e in self.entries() if e.listing_id == listing_id]


def _tail(fh: Any) -> tuple[LogEntry | None, bool]:
    """The last well-formed entry, and whether the file ends in a torn (unterminated) line."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size == 0:
        return None, False
    start = max(0, size - _TAIL_CHUNK)
    while True:
        fh.seek(start)
        chunk = fh.read(size - start)
        torn = not chunk.endswith(b"\n")
        lines = chunk.split(b"\n")
        if start > 0:
            lines = lines[1:]  # the first piece may be a partial line
        for raw in reversed(lines):
            try:
                return LogEntry.from_dict(json.loads(raw)), torn
            except (ValueError, KeyError, TypeError):
                continue
        if start == 0:
            return None, torn
        start = max(0, start - _TAIL_CHUNK)
