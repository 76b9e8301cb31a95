"""Bulk indexing throughput: our Elasticsearch writer vs raw `helpers.bulk`, same run, same docs.

Both sides index the same prepared documents (jieba tokens included) into fresh indices
built from the same template. "ours" goes through ElasticsearchIndex.write_prepared
(chunking, per-document errors, retries, first_seen preservation, spool check);
"raw" is elasticsearch.helpers.bulk with the same chunk size. Preparation (jieba and
pinyin) is timed separately, since raw bulk has no equivalent of it.

    python bench/bench_index.py [N]      # needs scripts/services.sh up
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.base import DocError, IndexedDoc
from indexer.elasticsearch_backend import ElasticsearchIndex, EsAction, EsIndexConfig
from indexer.spool import Spool
from indexer.text import Tokenizer

MARKS = ("长白山人参", "集安人参", "五常大米", "梅河大米", "冰墩墩", "雪容融", "冬梦", "北京2022")
PLACES = ("安徽 亳州", "吉林 白山", "吉林 通化", "黑龙江 哈尔滨", "浙江 金华", "北京 朝阳")


def synthetic_docs(n: int) -> list[IndexedDoc]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    docs = []
    for i in range(n):
        mark = MARKS[i % len(MARKS)]
        seen = start + timedelta(minutes=i)
        listing = Listing(
            id=f"bench:{i}",
            platform=("jd", "tb", "pdd")[i % 3],
            title=f"正宗{mark} 礼盒装 第{i}号 产地直发 包邮",
            description=f"{mark} 精选 规格{i % 7 + 1}斤 支持验货",
            price=float(10 + i % 500),
            seller=Seller(name=f"店铺{i % 97}", location=PLACES[i % len(PLACES)]),
        )
        kind = "olympic" if mark in ("冰墩墩", "雪容融", "冬梦", "北京2022") else "gi"
        hit = MarkHit(mark, kind, 0.7, (Reason("name_match", "title names the mark", mark),))  # type: ignore[arg-type]
        finding = Finding(listing.id, "suspicious", 0.7, (hit,))
        docs.append(IndexedDoc(listing, finding, first_seen=seen, last_seen=seen))
    return docs


def _raw_actions(index: str, actions: list[EsAction]) -> list[dict[str, Any]]:
    return [{"_index": index, "_id": a.doc_id, "_source": a.source} for a in actions]


def bench_index(
    n: int = 5000, es_url: str | None = None, chunk_size: int = 500, rounds: int = 6
) -> dict[str, Any]:
    url = es_url or "http://127.0.0.1:9200"
    prefix = f"mwbench-{uuid.uuid4().hex[:8]}-"
    client = Elasticsearch(url, request_timeout=120)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = Tokenizer(MARKS)
        config = EsIndexConfig(urls=(url,), prefix=prefix, chunk_size=chunk_size)
        ours = ElasticsearchIndex(config, tokenizer, Spool(Path(tmp) / "spool.sqlite3"))
        try:
            ours.ensure()
            raw_index = f"{ours.alias}-v{ours.schema_version}-raw"
            client.indices.create(index=raw_index)  # same template as ours
            docs = synthetic_docs(n)

            t0 = time.perf_counter()
            actions = ours.prepare(docs)
            prepare_s = time.perf_counter() - t0

            # Warm both paths (JIT, connections) on a small slice, then time them in rounds.
            warm = actions[: min(200, n)]
            helpers.bulk(client, _raw_actions(raw_index, warm), chunk_size=chunk_size)
            ours.write_prepared(warm)

            # Interleaved rounds, alternating which side goes first: both meet the same
            # cluster state (segment merges, caches), which one timing each, one after the
            # other, did not (the ratio swung 0.6-1.4 between runs).
            spent = {"raw": 0.0, "ours": 0.0}
            raw_ok = indexed = 0
            raw_errors: list[Any] = []
            errors: list[DocError] = []
            step = max(1, -(-len(actions) // rounds))
            for r, start in enumerate(range(0, len(actions), step)):
                part = actions[start : start + step]
                for side in ("raw", "ours") if r % 2 == 0 else ("ours", "raw"):
                    t0 = time.perf_counter()
                    if side == "raw":
                        ok, errs = helpers.bulk(
                            client, _raw_actions(raw_index, part), chunk_size=chunk_size
                        )
                        raw_ok += ok
                        raw_errors += errs if isinstance(errs, list) else []
                    else:
                        report = ours.write_prepared(part)
                        indexed += report.indexed
                        errors += report.errors
                    spent[side] += time.perf_counter() - t0
            raw_s, ours_s = spent["raw"], spent["ours"]
        finally:
            client.indices.delete(index=f"{prefix}*", ignore_unavailable=True)
            client.indices.delete_index_template(name=f"{prefix}*")
            client.close()
            ours.close()
    return {
        "docs": n,
        "chunk_size": chunk_size,
        "prepare_docs_per_s": round(n / prepare_s, 1),
        "ours_docs_per_s": round(n / ours_s, 1),
        "raw_docs_per_s": round(n / raw_s, 1),
        "ratio": round(raw_s / ours_s, 3),
        "rounds": rounds,
        "ours_errors": len(errors),
        "raw_errors": len(raw_errors),
        "raw_indexed": raw_ok,
        "ours_indexed": indexed,
    }


if __name__ == "__main__":
    print(json.dumps(bench_index(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)))
