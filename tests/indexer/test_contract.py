"""The search index contract, run against both backends (SQLite FTS5 and Elasticsearch).

What the console relies on: idempotent upserts, Chinese and pinyin full text, filters,
sorting, deep pagination, facet counts and highlighted titles behave the same everywhere.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from indexer.base import SearchIndex, SearchQuery

from .index_corpus import DAY0, ROWS, corpus, make_doc

ALL_IDS = sorted(r[0] for r in ROWS)


def load(index: SearchIndex) -> None:
    report = index.upsert(corpus())
    assert (report.indexed, list(report.errors), report.spooled) == (len(ROWS), [], 0)
    index.refresh()


def ids(index: SearchIndex, query: SearchQuery) -> list[str]:
    return sorted(h.id for h in index.search(query).hits)


def test_upsert_then_get_returns_the_shared_source(backend: SearchIndex) -> None:
    load(backend)
    assert backend.count() == len(ROWS)
    for doc in corpus():
        assert backend.get(doc.id) == doc.to_source()
    assert backend.get("jd:does-not-exist") is None


def test_upserting_again_replaces_and_never_duplicates(backend: SearchIndex) -> None:
    load(backend)
    later = [make_doc(r, status="triaged", shift=timedelta(hours=1)) for r in ROWS]
    assert backend.upsert(later).indexed == len(ROWS)
    assert backend.upsert(later).indexed == len(ROWS)
    backend.refresh()

    assert backend.count() == len(ROWS)
    assert backend.search(SearchQuery(status=["triaged"], size=50)).total == len(ROWS)
    got = backend.get("jd:1")
    assert got is not None
    # A re-crawl moves last_seen on but keeps the first sighting.
    assert got["first_seen"] == DAY0.isoformat()
    assert got["last_seen"] == (DAY0 + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("长白山人参", ["jd:1", "jd:2"]),
        ("人参", ["jd:1", "jd:2", "tb:3"]),
        ("冰墩墩", ["pdd:6"]),
        ("北京2022", ["pdd:6"]),
        ("changbaishan", ["jd:1", "jd:2", "jd:9"]),  # pinyin; jd:9's seller is 长白山特产店
        ("bingdundun", ["pdd:6"]),
        ("东北 大米", ["tb:5"]),  # every term must match (jd:9 is 东北 but no 大米)
        ("茅台", []),
    ],
)
def test_full_text_in_chinese_and_pinyin(
    backend: SearchIndex, text: str, expected: list[str]
) -> None:
    load(backend)
    assert ids(backend, SearchQuery(text=text, size=50)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(mark=["长白山人参"]), ["jd:1", "jd:2"]),
        (SearchQuery(mark=["冰墩墩", "雪容融"]), ["pdd:6", "pdd:7"]),
        (SearchQuery(kind=["olympic"]), ["expo:8", "pdd:6", "pdd:7"]),
        (SearchQuery(verdict=["suspicious"]), ["expo:8", "tb:5"]),
        (SearchQuery(platform=["tb"]), ["tb:3", "tb:4", "tb:5"]),
        (SearchQuery(seller=["义乌小商品"]), ["pdd:6", "pdd:7"]),
        (SearchQuery(region=["吉林"]), ["jd:2", "jd:9", "tb:3"]),
        (SearchQuery(status=["dismissed", "triaged"]), ["jd:2", "tb:5"]),
        (SearchQuery(seen_from=DAY0 + timedelta(days=3)), ["expo:8", "jd:9", "pdd:7"]),
        (SearchQuery(seen_to=DAY0 + timedelta(days=1)), ["jd:1", "jd:2"]),
        (SearchQuery(min_score=0.8), ["jd:1", "pdd:6", "pdd:7"]),
        (SearchQuery(text="人参", verdict=["clear"], region=["吉林"]), ["jd:2", "tb:3"]),
    ],
)
def test_filters(backend: SearchIndex, query: SearchQuery, expected: list[str]) -> None:
    load(backend)
    page = backend.search(dataclasses.replace(query, size=50))
    assert sorted(h.id for h in page.hits) == expected
    assert page.total == len(expected)


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("price", False, ["pdd:7", "pdd:6", "expo:8", "jd:9", "tb:5", "tb:4", "tb:3", "jd:1",
                          "jd:2"]),
        ("price", True, ["jd:2", "jd:1", "tb:3", "tb:4", "tb:5", "jd:9", "expo:8", "pdd:6",
                         "pdd:7"]),
        ("score", True, ["jd:1", "pdd:6", "pdd:7", "tb:5", "expo:8", "jd:2", "tb:4", "tb:3",
                         "jd:9"]),
        ("last_seen", True, ["jd:9", "expo:8", "pdd:7", "pdd:6", "tb:5", "tb:3", "tb:4", "jd:1",
                             "jd:2"]),
    ],
)  # fmt: skip
def test_sorting(backend: SearchIndex, sort: str, descending: bool, expected: list[str]) -> None:
    load(backend)
    page = backend.search(SearchQuery(sort=sort, descending=descending, size=50))  # type: ignore[arg-type]
    assert [h.id for h in page.hits] == expected


@pytest.mark.parametrize("sort", ["relevance", "price", "score", "last_seen"])
def test_search_after_walks_every_document_once(backend: SearchIndex, sort: str) -> None:
    load(backend)
    one_page = backend.search(SearchQuery(sort=sort, size=50))  # type: ignore[arg-type]
    walked: list[str] = []
    after = None
    for _ in range(len(ROWS)):
        page = backend.search(SearchQuery(sort=sort, size=2, search_after=after))  # type: ignore[arg-type]
        walked += [h.id for h in page.hits]
        after = page.next_after
        if after is None:
            break
    assert walked == [h.id for h in one_page.hits]
    assert sorted(walked) == ALL_IDS


def test_facet_counts_follow_the_filters(backend: SearchIndex) -> None:
    load(backend)
    page = backend.search(SearchQuery(region=["吉林", "浙江"], facets=True, size=1))
    assert page.total == 5
    assert dict(page.facets["platform"]) == {"jd": 2, "tb": 1, "pdd": 2}
    assert dict(page.facets["verdict"]) == {"clear": 3, "infringing": 2}
    assert dict(page.facets["mark"]) == {"长白山人参": 1, "集安人参": 1, "冰墩墩": 1,
                                         "北京2022": 1, "雪容融": 1}  # fmt: skip
    assert dict(page.facets["kind"]) == {"gi": 2, "olympic": 2}
    assert dict(page.facets["region"]) == {"吉林": 3, "浙江": 2}
    assert page.facets["region"][0] == ("吉林", 3)  # biggest first
    assert list(page.histogram) == [("2026-03-01", 1), ("2026-03-02", 1), ("2026-03-03", 1),
                                    ("2026-03-04", 1), ("2026-03-05", 1)]  # fmt: skip


def test_highlighted_title_is_escaped_html(backend: SearchIndex) -> None:
    load(backend)
    page = backend.search(SearchQuery(text="长白山人参", highlight=True, size=50))
    titles = {h.id: h.highlights.get("title") for h in page.hits}
    assert titles == {
        "jd:1": ["正宗<em>长白山人参</em> 林下参礼盒"],
        "jd:2": ["吉林<em>长白山人参</em> 野山参 &lt;特级&gt;"],
    }
