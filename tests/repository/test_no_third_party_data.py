"""The repository redistributes none of the third-party files kept in shared/ beside it."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shared_files(realworld_root: Path) -> list[Path]:
    # All of shared/ when the real-world folder sits in it as laid out, else just that folder.
    root = realworld_root.parent if realworld_root.parent.name == "shared" else realworld_root
    return [p for p in sorted(root.rglob("*")) if p.is_file() and p.stat().st_size > 0]


def _tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout
    return [REPO / name for name in out.decode().split("\0") if name and (REPO / name).is_file()]


def test_no_tracked_file_has_the_bytes_of_a_shared_file(realworld_root: Path) -> None:
    shared = {_digest(p): p for p in _shared_files(realworld_root)}
    assert len(shared) > 50, "the shared folder looks empty"
    copies = [
        f"{path.relative_to(REPO)} = {shared[digest]}"
        for path in _tracked_files()
        if (digest := _digest(path)) in shared
    ]
    assert not copies, "third-party files committed:\n" + "\n".join(copies)


def test_the_check_sees_a_copy(realworld_root: Path, tmp_path: Path) -> None:
    # Guards the check itself: a byte-identical copy under another name is found.
    source = _shared_files(realworld_root)[0]
    copy = tmp_path / "renamed.bin"
    copy.write_bytes(source.read_bytes())
    shared = {_digest(p) for p in _shared_files(realworld_root)}
    assert _digest(copy) in shared
