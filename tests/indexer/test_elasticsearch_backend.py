"""Elasticsearch-only behaviour: per-document errors, retries, spooling, alias-swap reindex."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from indexer.base import SearchQuery
from indexer.elasticsearch_backend import ElasticsearchIndex
from indexer.spool import Spool

from .index_corpus import ROWS, corpus, make_doc

pytestmark = pytest.mark.services
MakeIndex = Callable[..., ElasticsearchIndex]


def test_a_bad_document_is_reported_and_the_others_are_indexed(make_es_index: MakeIndex) -> None:
    index = make_es_index()
    actions = index.prepare(corpus()[:4])
    # The mapping is strict: a field it does not know fails that one document only.
    bad = dataclasses.replace(actions[2], source={**actions[2].source, "surprise": 1})
    report = index.write_prepared([actions[0], actions[1], bad, actions[3]])
    index.refresh()

    assert report.indexed == 3
    assert [e.id for e in report.errors] == [bad.doc_id]
    assert "strict_dynamic_mapping" in report.errors[0].reason
    assert len(report.errors[0].reason) <= 300
    assert index.count() == 3
    assert index.get(bad.doc_id) is None


def test_an_oversized_seller_name_does_not_lose_the_listing(make_es_index: MakeIndex) -> None:
    index = make_es_index()
    doc = make_doc(ROWS[3])
    seller = dataclasses.replace(doc.listing.seller, name="参" * 12000)  # > Lucene's term limit
    doc = dataclasses.replace(doc, listing=dataclasses.replace(doc.listing, seller=seller))
    assert index.upsert([doc]).indexed == 1
    index.refresh()
    assert index.search(SearchQuery(text="五常大米")).total == 1


class _Busy:
    """Wraps a real client; the first bulk answers 429 for every other document."""

    def __init__(self, client: Elasticsearch) -> None:
        self._client = client
        self.bulk_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def bulk(self, operations: list[bytes]) -> Any:
        self.bulk_calls += 1
        if self.bulk_calls > 1:
            return self._client.bulk(operations=operations)  # type: ignore[arg-type]
        kept = [op for i, op in enumerate(operations) if (i // 2) % 2 == 0]
        resp = self._client.bulk(operations=kept)  # type: ignore[arg-type]
        items = []
        for i in range(len(operations) // 2):
            if i % 2 == 0:
                items.append(resp.body["items"][i // 2])
            else:
                items.append({"index": {"status": 429, "error": {"type": "es_rejected_execution"}}})
        resp.body["items"] = items
        return resp


def test_rejected_documents_are_retried_with_backoff(make_es_index: MakeIndex) -> None:
    probe = make_es_index()
    busy = _Busy(probe._client)
    delays: list[float] = []
    index = ElasticsearchIndex(
        probe.config, probe._tokenizer, client=busy,  # type: ignore[arg-type]
        sleep=delays.append,
    )  # fmt: skip
    report = index.upsert(corpus())
    index.refresh()

    assert (report.indexed, list(report.errors)) == (len(ROWS), [])
    assert busy.bulk_calls == 2
    assert delays == [index.config.backoff_initial_s]
    assert index.count() == len(ROWS)


def test_unreachable_server_spools_and_a_later_writer_replays(
    make_es_index: MakeIndex, tmp_path: Any
) -> None:
    down = make_es_index(url="http://127.0.0.1:9", probe_interval_s=60.0)
    report = down.upsert(corpus())
    assert (report.indexed, report.spooled) == (0, len(ROWS))
    # Newer versions of two documents, spooled behind the first ones.
    newer = [make_doc(r, status="triaged", shift=timedelta(hours=2)) for r in ROWS[:2]]
    assert down.upsert(newer).spooled == 2
    assert down.pending() == len(ROWS) + 2
    down.close()

    # Another process, same spool file, server reachable: replay happens before its writes.
    up = make_es_index()
    assert up.pending() == len(ROWS) + 2
    up.refresh()
    assert up.pending() == 0
    assert up.count() == len(ROWS)
    assert sorted(up.ids()) == sorted(r[0] for r in ROWS)
    assert {d: (up.get(d) or {}).get("status") for d in ("jd:1", "jd:2")} == {
        "jd:1": "triaged",
        "jd:2": "triaged",
    }
    # Replaying an old version again changes nothing: the newer one stays.
    spool = Spool(tmp_path / "es-spool.sqlite3")
    assert up.upsert(corpus()[:1]).indexed == 1
    up.refresh()
    assert (up.get("jd:1") or {}).get("status") == "triaged"
    spool.close()


def test_reindex_swaps_the_alias_and_keeps_writes_made_meanwhile(make_es_index: MakeIndex) -> None:
    index = make_es_index()
    index.upsert(corpus())
    index.refresh()
    old = index.indices_behind_alias()
    live = make_es_index()
    late = make_doc(("tb:99", "冰墩墩 盲盒 新品", "某店", "广东 深圳", 9.9, "infringing", 0.9,
                     ("冰墩墩",), "new", 5))  # fmt: skip

    def store_of_record() -> Any:
        for i, doc in enumerate(corpus()):
            if i == 4:  # a crawler writes while the rebuild is running
                assert live.upsert([late]).indexed == 1
            yield doc

    report = index.reindex(store_of_record())
    index.refresh()

    assert report.old_indices == tuple(old)
    assert index.indices_behind_alias() == [report.new_index]
    assert report.indexed == len(ROWS)
    assert report.caught_up >= 1
    assert index.count() == len(ROWS) + 1
    assert index.get("tb:99") is not None
    assert not index._client.indices.exists(index=",".join(old))
