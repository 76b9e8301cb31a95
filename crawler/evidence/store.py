"""The evidence store: files on disk, each registered in the hash-chained log.

Layout under the evidence dir:
    log.jsonl                                the chain (see crawler.evidence.log)
    warc/<listing>/<utc>-<sha8>.warc         raw HTTP exchanges of the listing
    screenshots/<listing>/<utc>-<sha8>.png   full-page screenshots
    images/<sha256><ext>                     downloaded images, content-addressed
Files are written to a temporary name, fsynced, then renamed, so a crash leaves either
the whole file or none; the log entry is appended only after the file is in place (and
its folder fsynced). `place` + `commit` do that for a batch of files with one log append.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from crawler.evidence.log import (
    GENESIS_HASH,
    EvidenceLog,
    LogEntry,
    LogLine,
    PendingEntry,
    sha256_hex,
)
from crawler.evidence.warc import check_records

Kind = Literal["warc", "image", "screenshot"]
LOG_NAME = "log.jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Problem:
    kind: str  # missing_file | altered_file | altered_record | broken_chain | bad_entry
    #            | torn_line | unlogged_file
    where: str  # the file, record or log line concerned
    detail: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{'ERROR' if self.fatal else 'warning'} {self.kind}: {self.where}: {self.detail}"


@dataclass(frozen=True)
class VerificationReport:
    entries: int
    files_checked: int
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(p.fatal for p in self.problems)

    def lines(self) -> list[str]:
        head = (
            f"evidence: {self.entries} log entries, {self.files_checked} files checked: "
            f"{'OK' if self.ok else 'TAMPERING OR DAMAGE FOUND'}"
        )
        return [head, *(str(p) for p in self.problems)]


@dataclass(frozen=True, slots=True)
class PlacedFile:
    """A file written into the store and not yet logged (EvidenceStore.commit logs it)."""

    listing_id: str
    kind: Kind
    path: str  # relative to the store, POSIX separators
    sha256: str
    at: datetime


def safe_name(listing_id: str) -> str:
    return _UNSAFE.sub("_", listing_id).strip("._") or "listing"


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = EvidenceLog(root / LOG_NAME)

    # -- writing -----------------------------------------------------------------
    def add(
        self, listing_id: str, kind: Kind, data: bytes, suffix: str, at: datetime | None = None
    ) -> LogEntry:
        return self.commit([self.place(listing_id, kind, data, suffix, at)])[0]

    def place(
        self, listing_id: str, kind: Kind, data: bytes, suffix: str, at: datetime | None = None
    ) -> PlacedFile:
        """Write one file in place (fsynced, renamed); not logged until `commit`."""
        digest = sha256_hex(data)
        when = at or datetime.now(UTC)
        if kind == "image":
            relative = Path("images") / f"{digest}{suffix}"
        else:
            folder = "warc" if kind == "warc" else "screenshots"
            stamp = when.strftime("%Y%m%dT%H%M%S%fZ")
            relative = Path(folder) / safe_name(listing_id) / f"{stamp}-{digest[:8]}{suffix}"
        target = self.root / relative
        if not (kind == "image" and target.exists()):  # images are shared by content
            _write_atomically(target, data)
        return PlacedFile(listing_id, kind, relative.as_posix(), digest, when)

    def commit(self, placed: Sequence[PlacedFile]) -> list[LogEntry]:
        """Make the renames durable (each folder fsynced once), then log every file in
        order with one append: a batch of listings costs one log fsync, not one per file."""
        for folder in dict.fromkeys(Path(f.path).parent for f in placed):
            _fsync_dir(self.root / folder)
        return self.log.append_many(
            [PendingEntry(f.listing_id, f.kind, f.path, f.sha256, f.at) for f in placed]
        )

    # -- reading -----------------------------------------------------------------
    def entries_for(self, listing_id: str) -> list[LogEntry]:
        return self.log.for_listing(listing_id)

    def path_of(self, entry: LogEntry) -> Path:
        return self.root / entry.path

    def export_case(self, listing_id: str, dest: Path) -> list[LogEntry]:
        """Copy a listing's evidence into a case folder, with its log entries."""
        entries = self.entries_for(listing_id)
        dest.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            target = dest / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.path_of(entry), target)
        (dest / "evidence-log.jsonl").write_text(
            "".join(e.to_json() + "\n" for e in entries), encoding="utf-8"
        )
        return entries

    # -- verification --------------------------------------------------------------
    def verify(self) -> VerificationReport:
        problems: list[Problem] = []
        prev_hash, prev_seq = GENESIS_HASH, 0
        entries = 0
        logged_paths: set[str] = set()
        lines = list(self.log.lines())
        for index, line in enumerate(lines):
            where = f"{LOG_NAME} line {line.number}"
            if line.entry is None:
                last = index == len(lines) - 1
                if last and not line.terminated:
                    problems.append(
                        Problem(
                            "torn_line",
                            where,
                            "incomplete last entry (crash while writing)",
                            fatal=False,
                        )
                    )
                elif not line.terminated or _followed_by_unbroken_chain(lines, index, prev_hash):
                    problems.append(
                        Problem(
                            "torn_line",
                            where,
                            "incomplete entry from an earlier crash",
                            fatal=False,
                        )
                    )
                else:
                    problems.append(Problem("bad_entry", where, line.error))
                continue
            entry = line.entry
            entries += 1
            if entry.computed_hash() != entry.entry_hash:
                problems.append(
                    Problem(
                        "bad_entry",
                        where,
                        f"entry {entry.seq} ({entry.path}) was edited: "
                        "its hash no longer matches its content",
                    )
                )
            if entry.prev_hash != prev_hash or entry.seq != prev_seq + 1:
                problems.append(
                    Problem(
                        "broken_chain",
                        where,
                        f"entry {entry.seq} does not follow entry {prev_seq}: "
                        "entries were removed, reordered or inserted",
                    )
                )
            prev_hash, prev_seq = entry.entry_hash, entry.seq
            logged_paths.add(entry.path)
        files_checked = 0
        for path in sorted(logged_paths):
            files_checked += 1
            problems.extend(self._check_file(path, lines))
        for path in self._stored_files():
            if path not in logged_paths:
                problems.append(
                    Problem("unlogged_file", path, "file in the store without a log entry")
                )
        return VerificationReport(entries, files_checked, tuple(problems))

    def _check_file(self, relative: str, lines: list[LogLine]) -> list[Problem]:
        expected = {ln.entry.sha256 for ln in lines if ln.entry and ln.entry.path == relative}
        target = self.root / relative
        if not target.is_file():
            return [Problem("missing_file", relative, "logged file is gone")]
        data = target.read_bytes()
        actual = sha256_hex(data)
        if actual in expected:
            return []
        problems = [
            Problem(
                "altered_file",
                relative,
                f"sha256 {actual} differs from the logged {sorted(expected)[0]}",
            )
        ]
        if relative.endswith(".warc"):
            records = check_records(data)
            problems.extend(
                Problem("altered_record", f"{relative}: {r.record}", r.problem) for r in records
            )
            if not records:
                problems.append(
                    Problem(
                        "altered_record",
                        relative,
                        "record digests still match: WARC headers were altered",
                    )
                )
        return problems

    def _stored_files(self) -> Iterable[str]:
        for folder in ("warc", "images", "screenshots"):
            base = self.root / folder
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file() and not path.name.startswith(".tmp"):
                        yield path.relative_to(self.root).as_posix()


def _followed_by_unbroken_chain(lines: list[LogLine], index: int, prev_hash: str) -> bool:
    following = next((ln.entry for ln in lines[index + 1 :] if ln.entry is not None), None)
    return following is not None and following.prev_hash == prev_hash


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
