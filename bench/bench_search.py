"""Search latency of typical staff queries at a given index size (SQLite and Elasticsearch).

Documents are testbed listings (real page structure, repeated with new ids) with
findings taken from the testbed truth, so no detector time is spent building them.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.base import IndexedDoc, SearchIndex, SearchQuery
from indexer.elasticsearch_backend import ElasticsearchIndex, EsIndexConfig, make_client
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from testbed.generate import generate

MARK_WORDS = ["长白山人参", "集安人参", "抚松人参", "五常大米", "梅河大米", "冰墩墩", "雪容融"]
QUERIES: dict[str, SearchQuery] = {
    "text_mark": SearchQuery(text="长白山人参", highlight=True),
    "text_olympic": SearchQuery(text="冰墩墩 钥匙扣"),
    "pinyin": SearchQuery(text="changbaishan"),
    "filters": SearchQuery(verdict=["infringing"], platform=["taobao"], sort="score"),
    "facets": SearchQuery(text="大米", facets=True),
    "recent": SearchQuery(mark=["冰墩墩"], sort="last_seen"),
}


def synthetic_docs(count: int, seed: int = 7) -> Iterator[IndexedDoc]:
    base = generate(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        item = base[n % len(base)]
        listing = Listing(
            id=f"taobao:{n}",
            platform="taobao",
            url=f"https://item.taobao.com/item.htm?id={n}",
            title=item.title,
            description=item.description,
            price=item.price,
            seller=Seller(item.nick, item.location, item.user_id),
        )
        marks: tuple[MarkHit, ...] = ()
        if item.verdict != "clear" and item.mark:
            kind = "olympic" if item.category.startswith("olympic") else "gi"
            reason = Reason(item.category, "synthetic", item.location)
            marks = (MarkHit(item.mark, kind, 0.9, (reason,)),)  # type: ignore[arg-type]
        finding = Finding(listing.id, item.verdict, 0.9 if marks else 0.0, marks)  # type: ignore[arg-type]
        seen = start + timedelta(minutes=n % 300_000)
        yield IndexedDoc(listing, finding, first_seen=seen, last_seen=seen)


def _chunks(docs: Iterator[IndexedDoc], size: int) -> Iterator[list[IndexedDoc]]:
    chunk: list[IndexedDoc] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def measure(index: SearchIndex, count: int, repeats: int = 20) -> dict[str, Any]:
    started = time.perf_counter()
    for chunk in _chunks(synthetic_docs(count), 2000):
        index.upsert(chunk)
    index.refresh()
    load_seconds = time.perf_counter() - started
    # One sample per search request: the first page of each query, and the next page
    # (search_after) as staff scroll on, timed as a request of its own.
    latencies: dict[str, list[float]] = {name: [] for name in QUERIES}
    for _ in range(repeats):
        for name, query in QUERIES.items():
            t0 = time.perf_counter()
            page = index.search(query)
            latencies[name].append((time.perf_counter() - t0) * 1000)
            if page.next_after is not None:
                t0 = time.perf_counter()
                index.search(dataclasses.replace(query, search_after=page.next_after))
                latencies.setdefault(f"{name}_next_page", []).append(
                    (time.perf_counter() - t0) * 1000
                )
    every = sorted(v for values in latencies.values() for v in values)
    return {
        "docs": index.count(),
        "load_docs_per_s": round(count / load_seconds, 1),
        "p50_ms": round(statistics.median(every), 2),
        "p95_ms": round(every[int(0.95 * (len(every) - 1))], 2),
        "per_query_p95_ms": {
            name: round(sorted(v)[int(0.95 * (len(v) - 1))], 2) for name, v in latencies.items()
        },
    }


@contextmanager
def _elasticsearch(tokenizer: Tokenizer, es_url: str, size: int) -> Iterator[SearchIndex]:
    prefix = f"mwbench-search-{size}-{uuid.uuid4().hex[:6]}-"
    config = EsIndexConfig(urls=(es_url,), prefix=prefix, request_timeout_s=120.0)
    index = ElasticsearchIndex(config, tokenizer)
    try:
        yield index
    finally:
        index.close()
        client = make_client(config)
        client.indices.delete(index=f"{prefix}*", ignore_unavailable=True)
        client.indices.delete_index_template(name=f"{prefix}*")
        client.close()


def bench_search(
    sizes: tuple[int, ...] = (20_000,),
    backends: tuple[str, ...] = ("sqlite",),
    es_url: str | None = None,
) -> dict[str, Any]:
    tokenizer = Tokenizer(MARK_WORDS)
    out: dict[str, Any] = {}
    for backend in backends:
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="mw-search-") as tmp:
                if backend == "sqlite":
                    index: SearchIndex = SqliteIndex(Path(tmp) / "index.sqlite3", tokenizer)
                    try:
                        out[f"{backend}_{size}"] = measure(index, size)
                    finally:
                        index.close()
                elif es_url:
                    with _elasticsearch(tokenizer, es_url, size) as es_index:
                        out[f"{backend}_{size}"] = measure(es_index, size)
    return out


if __name__ == "__main__":
    # python -m bench.bench_search [SIZE ...] [http://es:9200]  (markwatch bench passes settings)
    url = next((a for a in sys.argv[1:] if "://" in a), None)
    sizes = tuple(int(s) for s in sys.argv[1:] if "://" not in s) or (20_000,)
    backends = ("sqlite", "elasticsearch") if url else ("sqlite",)
    print(json.dumps(bench_search(sizes, backends, url), indent=2))
