"""The embedded index's search shortcuts: the reused hit list, facet columns, old files."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from indexer.base import SearchQuery
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer

from .index_corpus import ROWS, make_doc


def _facet(page_facets: dict[str, list[tuple[str, int]]], name: str) -> dict[str, int]:
    return dict(page_facets[name])


def test_a_write_between_two_pages_is_seen_by_the_next_search(
    tokenizer: Tokenizer, tmp_path: Path
) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite3", tokenizer)
    index.upsert(make_doc(r) for r in ROWS[:5])
    query = SearchQuery(text="人参", facets=True, size=1)
    first = index.search(query)
    assert first.total == 3
    assert index.search(dataclasses.replace(query, search_after=first.next_after)).total == 3
    index.upsert([make_doc(ROWS[0], status="dismissed"), make_doc(ROWS[2])])
    index.upsert(
        [
            dataclasses.replace(
                make_doc(ROWS[1]),
                listing=dataclasses.replace(
                    make_doc(ROWS[1]).listing, id="jd:99", title="长白山人参 新货"
                ),
            )
        ]
    )
    again = index.search(query)
    assert again.total == 4  # the new document, not the cached count
    assert _facet(again.facets, "status")["dismissed"] == 3  # jd:1, jd:2 and its copy


def test_another_connection_s_write_is_seen(tokenizer: Tokenizer, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    reader, writer = SqliteIndex(path, tokenizer), SqliteIndex(path, tokenizer)
    writer.upsert(make_doc(r) for r in ROWS[:3])
    writer.refresh()
    query = SearchQuery(text="人参", facets=True)
    assert reader.search(query).total == 3
    writer.upsert([make_doc(ROWS[1], status="confirmed")])
    writer.refresh()
    assert _facet(reader.search(query).facets, "status").get("confirmed") == 1


def test_mark_and_kind_facets_count_documents_once(tokenizer: Tokenizer, tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite3", tokenizer)
    index.upsert(make_doc(r) for r in ROWS)
    page = index.search(SearchQuery(text="冰墩墩 北京2022", facets=True))
    assert page.total == 1  # pdd:6 carries two olympic marks
    assert _facet(page.facets, "mark") == {"冰墩墩": 1, "北京2022": 1}
    assert _facet(page.facets, "kind") == {"olympic": 1}
    everything = index.search(SearchQuery(facets=True))
    assert _facet(everything.facets, "kind") == {"gi": 5, "olympic": 3}


def test_an_index_file_from_before_the_mark_columns_is_filled_in(
    tokenizer: Tokenizer, tmp_path: Path
) -> None:
    path = tmp_path / "index.sqlite3"
    index = SqliteIndex(path, tokenizer)
    index.upsert(make_doc(r) for r in ROWS)
    index.close()
    db = sqlite3.connect(path)  # as an older version left it: no marks/kinds columns
    db.execute("ALTER TABLE docs DROP COLUMN marks")
    db.execute("ALTER TABLE docs DROP COLUMN kinds")
    db.commit()
    db.close()
    reopened = SqliteIndex(path, tokenizer)
    page = reopened.search(SearchQuery(facets=True))
    assert _facet(page.facets, "mark")["冰墩墩"] == 1
    assert _facet(page.facets, "kind") == {"gi": 5, "olympic": 3}
