"""Real-world pages for the parser tests, read from shared/realworld (never copied here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def realworld(realworld_root: Path) -> Path:
    """The shared real-world folder (skips locally without it, fails under CI)."""
    return realworld_root


@pytest.fixture
def page(realworld_root: Path) -> Callable[[str], bytes]:
    """Bytes of a saved page, by path relative to shared/realworld."""

    def load(relative: str) -> bytes:
        return (realworld_root / relative).read_bytes()

    return load
