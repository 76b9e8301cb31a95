"""Backends under test: every contract test runs once per backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.base import SearchIndex
from indexer.elasticsearch_backend import ElasticsearchIndex, EsIndexConfig
from indexer.spool import Spool
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer

from .index_corpus import MARK_WORDS


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    # Loading jieba's dictionary takes most of a second: once per session.
    return Tokenizer(MARK_WORDS)


@pytest.fixture
def make_es_index(
    request: pytest.FixtureRequest, tokenizer: Tokenizer, tmp_path: Path
) -> Iterator[object]:
    """Factory for ElasticsearchIndex objects on this test's own prefix and spool file."""
    created: list[ElasticsearchIndex] = []

    def make(url: str | None = None, **config: object) -> ElasticsearchIndex:
        es_url: str = request.getfixturevalue("es_url")
        prefix: str = request.getfixturevalue("es_index_prefix")
        cfg = EsIndexConfig(urls=((url or es_url),), prefix=prefix, **config)  # type: ignore[arg-type]
        index = ElasticsearchIndex(cfg, tokenizer, Spool(tmp_path / "es-spool.sqlite3"))
        created.append(index)
        return index

    yield make
    for index in created:
        index.close()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def backend(
    request: pytest.FixtureRequest, tokenizer: Tokenizer, tmp_path: Path
) -> Iterator[SearchIndex]:
    index: SearchIndex
    if request.param == "sqlite":
        index = SqliteIndex(tmp_path / "index.sqlite3", tokenizer)
    else:
        index = request.getfixturevalue("make_es_index")()
    yield index
    if request.param == "sqlite":
        index.close()
