"""Where the third-party real-world data lives: the one loader for `shared/realworld/`.

Real pages, API answers, images and register excerpts are not ours to redistribute, so
they are never committed here. Tests, the testbed, the demo and benchmarks read them
from the `shared/realworld/` folder that sits beside the checkout, or from the folder
named by `MARKWATCH_REALWORLD_DIR`.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "MARKWATCH_REALWORLD_DIR"
_REPO_ROOT = Path(__file__).resolve().parents[1]


class RealWorldDataMissing(FileNotFoundError):
    """The shared real-world folder (or one file in it) is not there."""


def candidates() -> list[Path]:
    """Folders searched, in order: the environment's, then `shared/realworld` beside the repo."""
    found: list[Path] = []
    configured = os.environ.get(ENV_VAR)
    if configured:
        found.append(Path(configured))
    found.append(_REPO_ROOT.parent / "shared" / "realworld")
    return found


def realworld_dir() -> Path:
    """The real-world data folder, or `RealWorldDataMissing` naming every place looked at."""
    for folder in candidates():
        if folder.is_dir():
            return folder
    looked = ", ".join(str(p) for p in candidates())
    raise RealWorldDataMissing(
        f"real-world data folder not found (looked in {looked}); "
        f"check out shared/ beside the repository or set {ENV_VAR}"
    )


def realworld_path(*parts: str) -> Path:
    """One file or folder under the real-world data folder; it must exist."""
    path = realworld_dir().joinpath(*parts)
    if not path.exists():
        raise RealWorldDataMissing(f"{'/'.join(parts)} not found under {realworld_dir()}")
    return path


def available() -> bool:
    try:
        realworld_dir()
    except RealWorldDataMissing:
        return False
    return True
