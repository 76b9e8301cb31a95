"""Real-world pages copied into tests/fixtures/realworld (provenance in SOURCES.md there)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REALWORLD = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"


@pytest.fixture
def realworld() -> Path:
    return REALWORLD


@pytest.fixture
def page() -> Callable[[str], bytes]:
    """Bytes of a fixture page, by path relative to tests/fixtures/realworld."""

    def load(relative: str) -> bytes:
        return (REALWORLD / relative).read_bytes()

    return load
