"""Fixtures of the console tests (the seeding itself is in seed.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from console.app import create_app
from indexer.text import Tokenizer

from .seed import Seeded, build_seeded


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return Tokenizer(["冰墩墩", "雪容融", "长白山人参", "五常大米"])


@pytest.fixture
def seeded(tmp_path: Path, tokenizer: Tokenizer) -> Iterator[Seeded]:
    built = build_seeded(tmp_path, tokenizer)
    yield built
    built.deps.backend.index.close()
    built.deps.backend.store.close()


@pytest.fixture
def client(seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(seeded.deps), follow_redirects=False) as test_client:
        yield test_client
