"""The embedded search index: SQLite with FTS5 over the jieba tokens of indexer.text."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from detectors.types import Finding, Listing
from indexer.base import (
    FACET_FIELDS,
    BulkReport,
    DocError,
    IndexedDoc,
    SearchHit,
    SearchPage,
    SearchQuery,
)
from indexer.text import Tokenizer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    platform TEXT, seller TEXT, region TEXT, verdict TEXT, status TEXT,
    score REAL, price REAL, first_seen TEXT, last_seen TEXT
);
CREATE TABLE IF NOT EXISTS doc_marks (
    id TEXT NOT NULL, mark TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (id, mark)
);
CREATE INDEX IF NOT EXISTS doc_marks_mark ON doc_marks (mark);
CREATE INDEX IF NOT EXISTS docs_last_seen ON docs (last_seen);
-- Sorted pages walk these instead of sorting every match (the keys are the ORDER BY's).
CREATE INDEX IF NOT EXISTS docs_score_key ON docs (COALESCE(score, -1e300), id);
CREATE INDEX IF NOT EXISTS docs_seen_key ON docs (COALESCE(last_seen, -1e300), id);
CREATE INDEX IF NOT EXISTS docs_price_key ON docs (COALESCE(price, -1e300), id);
CREATE INDEX IF NOT EXISTS docs_verdict ON docs (verdict, platform);
-- rowid of docs_fts = rowid of docs, so replacing a document's tokens is a keyed delete.
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5 (
    words, pinyin, tokenize = 'unicode61'
);
"""

_SORT_COLUMNS = {"score": "d.score", "last_seen": "d.last_seen", "price": "d.price"}
_LIST_FILTERS = {
    "platform": "d.platform",
    "seller": "d.seller",
    "region": "d.region",
    "verdict": "d.verdict",
    "status": "d.status",
}


MARK_SEP = "\x1f"  # joins a document's marks (and kinds) in one column


def _joined_marks(pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    marks = sorted({mark for mark, _ in pairs})
    kinds = sorted({kind for _, kind in pairs})
    return MARK_SEP.join(marks), MARK_SEP.join(kinds)


class SqliteIndex:
    name = "sqlite"

    def __init__(self, path: Path | str, tokenizer: Tokenizer) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._add_mark_columns()
        self._tokenizer = tokenizer
        self._lock = threading.RLock()
        self._hits_key: tuple[str, bool, tuple[int, int]] | None = None
        self._facet_cache: dict[tuple[object, ...], tuple[int, Any, Any]] = {}

    def _add_mark_columns(self) -> None:
        """`docs.marks` / `docs.kinds`: a document's marks and kinds joined by MARK_SEP, so
        facets count mark combinations on the hit rows instead of joining doc_marks per hit.
        Indexes made before these columns existed are filled in once, here."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}
        if "marks" in columns:
            return
        with self._db:
            self._db.execute("ALTER TABLE docs ADD COLUMN marks TEXT NOT NULL DEFAULT ''")
            self._db.execute("ALTER TABLE docs ADD COLUMN kinds TEXT NOT NULL DEFAULT ''")
            rows = self._db.execute("SELECT id, mark, kind FROM doc_marks").fetchall()
            by_doc: dict[str, list[tuple[str, str]]] = {}
            for doc_id, mark, kind in rows:
                by_doc.setdefault(doc_id, []).append((mark, kind))
            self._db.executemany(
                "UPDATE docs SET marks=?, kinds=? WHERE id=?",
                [(*_joined_marks(pairs), doc_id) for doc_id, pairs in by_doc.items()],
            )

    # -- writes ------------------------------------------------------------
    def upsert(self, docs: Iterable[IndexedDoc]) -> BulkReport:
        with self._lock:
            return self._upsert(docs)

    def _upsert(self, docs: Iterable[IndexedDoc]) -> BulkReport:
        indexed = 0
        errors: list[DocError] = []
        with self._db:
            for doc in docs:
                try:
                    self._upsert_one(doc)
                    indexed += 1
                except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
                    errors.append(DocError(doc.id, f"{type(exc).__name__}: {exc}"))
        return BulkReport(indexed=indexed, errors=errors)

    def _upsert_one(self, doc: IndexedDoc) -> None:
        src = doc.to_source()
        old = self._db.execute(
            "SELECT rowid, first_seen FROM docs WHERE id=?", (doc.id,)
        ).fetchone()
        if old:  # keep the first sighting across re-crawls
            src["first_seen"] = min(old[1], src["first_seen"])
        values = (
            json.dumps(src, ensure_ascii=False),
            src["platform"],
            src["seller"],
            src["region"],
            src["verdict"],
            src["status"],
            src["score"],
            src["price"],
            src["first_seen"],
            src["last_seen"],
            *_joined_marks([(m.mark, m.kind) for m in doc.finding.marks]),
        )
        if old:
            rowid = old[0]
            self._db.execute(
                "UPDATE docs SET source=?, platform=?, seller=?, region=?, verdict=?, status=?, "
                "score=?, price=?, first_seen=?, last_seen=?, marks=?, kinds=? WHERE rowid=?",
                (*values, rowid),
            )
            self._db.execute("DELETE FROM docs_fts WHERE rowid=?", (rowid,))
            self._db.execute("DELETE FROM doc_marks WHERE id=?", (doc.id,))
        else:
            rowid = self._db.execute(
                "INSERT INTO docs (id, source, platform, seller, region, verdict, status, score, "
                "price, first_seen, last_seen, marks, kinds) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc.id, *values),
            ).lastrowid
        self._db.executemany(
            "INSERT OR IGNORE INTO doc_marks VALUES (?,?,?)",
            [(doc.id, m.mark, m.kind) for m in doc.finding.marks],
        )
        tokens = self._tokenizer.tokens(doc.search_text)
        self._db.execute(
            "INSERT INTO docs_fts (rowid, words, pinyin) VALUES (?,?,?)",
            (rowid, tokens.words, tokens.pinyin),
        )

    def set_status(self, statuses: Mapping[str, str]) -> int:
        with self._lock, self._db:
            changed = 0
            for doc_id, status in statuses.items():
                changed += self._db.execute(
                    "UPDATE docs SET status=?, source=json_set(source, '$.status', ?) "
                    "WHERE id=? AND status IS NOT ?",
                    (status, status, doc_id, status),
                ).rowcount
            return changed

    # -- reads -------------------------------------------------------------
    def get(self, doc_id: str) -> Mapping[str, Any] | None:
        row = self._db.execute("SELECT source FROM docs WHERE id=?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def docs(self, batch: int = 1000) -> Iterator[IndexedDoc]:
        """Every stored document, rebuilt as IndexedDoc (the source for a reindex)."""
        last = ""
        while True:
            rows = self._db.execute(
                "SELECT id, source FROM docs WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for doc_id, source_json in rows:
                source = json.loads(source_json)
                yield IndexedDoc(
                    Listing.from_dict(source["listing"]),
                    Finding.from_dict(source["finding"]),
                    first_seen=datetime.fromisoformat(source["first_seen"]),
                    last_seen=datetime.fromisoformat(source["last_seen"]),
                    status=source.get("status", "new"),
                )
                last = doc_id

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM docs ORDER BY id")]

    def search(self, query: SearchQuery) -> SearchPage:
        with self._lock:  # one connection, shared by threads (console workers)
            return self._search(query)

    def _search(self, query: SearchQuery) -> SearchPage:
        where, params, terms = self._where(query)
        if not terms:
            return self._page(query, "FROM docs d", "0.0", where, params, terms)
        match, with_rank = params[0], query.sort == "relevance"
        self._text_hits(match, with_rank=with_rank)
        page = self._page(query, "FROM temp.text_hits d", "d.rank", where[1:], params[1:], terms)
        # Taken after this search's own temporary tables: only a later write changes it.
        self._hits_key = (match, with_rank, self._generation())
        return page

    def _generation(self) -> tuple[int, int]:
        """Row changes made through this connection, and commits by any other connection."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        return (self._db.total_changes, int(version))

    def _text_hits(self, match: str, *, with_rank: bool) -> None:
        """The full-text matches with every filter and facet column, in `temp.text_hits`.

        The count, the page and the facets then read this one table instead of running
        the match (and its join) three times; the next page of the same search (same match,
        unchanged index) reuses it.
        """
        key = (match, with_rank, self._generation())
        if self._hits_key == key:
            return
        self._db.execute("DROP TABLE IF EXISTS temp.text_hits")
        rank = "bm25(docs_fts)" if with_rank else "0.0"
        self._db.execute(
            "CREATE TEMP TABLE text_hits AS SELECT d.rowid AS rid, d.id AS id, "
            "d.platform AS platform, d.seller AS seller, d.region AS region, "
            "d.verdict AS verdict, d.status AS status, d.score AS score, d.price AS price, "
            f"d.last_seen AS last_seen, d.marks AS marks, d.kinds AS kinds, {rank} AS rank "
            "FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE docs_fts MATCH ?",
            (match,),
        )
        self._facet_cache.clear()

    def _page(
        self,
        query: SearchQuery,
        from_sql: str,
        rank_sql: str,
        where: list[str],
        params: list[Any],
        terms: list[str],
    ) -> SearchPage:
        base_where = " AND ".join(where) or "1"
        # Counts over the reused hit table are cached with it (cleared when it is rebuilt);
        # counts straight over `docs` are not, nothing bounds their lifetime.
        on_hits = bool(terms)
        cache_key = (from_sql, base_where, tuple(params), query.facets)
        cached = self._facet_cache.get(cache_key) if on_hits else None
        if cached is None:
            total = self._db.execute(
                f"SELECT count(*) {from_sql} WHERE {base_where}", params
            ).fetchone()[0]
            facets: dict[str, list[tuple[str, int]]] = {}
            histogram: list[tuple[str, int]] = []
            if query.facets:
                facets, histogram = self._facets(from_sql, base_where, params)
            cached = (total, facets, histogram)
            if on_hits:
                self._facet_cache[cache_key] = cached
        total, facets, histogram = cached

        sort_sql = _SORT_COLUMNS.get(query.sort, rank_sql)
        # bm25 is lower-is-better; "descending relevance" therefore sorts it ascending.
        ascending = (not query.descending) if query.sort != "relevance" else True
        direction = "ASC" if ascending else "DESC"
        page_where = list(where)
        page_params = list(params)
        if query.search_after is not None:
            op = ">" if ascending else "<"
            key, last_id = query.search_after
            page_where.append(
                f"(COALESCE({sort_sql}, -1e300) {op} ? OR "
                f"(COALESCE({sort_sql}, -1e300) = ? AND d.id > ?))"
            )
            page_params += [key, key, last_id]
        rows = self._db.execute(
            f"SELECT p.id, s.source, p.key FROM (SELECT d.id AS id, "
            f"COALESCE({sort_sql}, -1e300) AS key {from_sql} "
            f"WHERE {' AND '.join(page_where) or '1'} "
            f"ORDER BY key {direction}, d.id ASC LIMIT ?) p JOIN docs s ON s.id = p.id "
            f"ORDER BY p.key {direction}, p.id ASC",
            [*page_params, query.size],
        ).fetchall()
        hits = []
        for doc_id, source_json, key in rows:
            source = json.loads(source_json)
            highlights = self._highlight(source, terms) if query.highlight else {}
            hits.append(SearchHit(doc_id, source, highlights, (key, doc_id)))
        next_after = hits[-1].sort if hits and len(hits) == query.size else None
        return SearchPage(total, hits, next_after, facets, histogram)

    def _where(self, query: SearchQuery) -> tuple[list[str], list[Any], list[str]]:
        where: list[str] = []
        params: list[Any] = []
        terms = self._tokenizer.query_terms(query.text) if query.text.strip() else []
        if terms:
            match = " AND ".join(
                "{words pinyin}: " + '"' + t.replace('"', '""') + '"' for t in terms
            )
            where.append("docs_fts MATCH ?")
            params.append(match)
        for name, column in _LIST_FILTERS.items():
            values: Sequence[str] = getattr(query, name)
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        for name in ("mark", "kind"):
            values = getattr(query, name)
            if values:
                where.append(
                    f"d.id IN (SELECT id FROM doc_marks WHERE {name} IN "
                    f"({','.join('?' * len(values))}))"
                )
                params.extend(values)
        if query.seen_from is not None:
            where.append("d.last_seen >= ?")
            params.append(query.seen_from.isoformat())
        if query.seen_to is not None:
            where.append("d.last_seen < ?")
            params.append(query.seen_to.isoformat())
        if query.min_score is not None:
            where.append("d.score >= ?")
            params.append(query.min_score)
        return where, params, terms

    def _facets(
        self, from_sql: str, where: str, params: list[Any]
    ) -> tuple[dict[str, list[tuple[str, int]]], list[tuple[str, int]]]:
        # Match once (the FTS join is the costly part), then count every facet on the hits.
        self._db.execute("DROP TABLE IF EXISTS temp.facet_hits")
        self._db.execute(
            "CREATE TEMP TABLE facet_hits AS SELECT d.id AS id, d.platform AS platform, "
            "d.region AS region, d.verdict AS verdict, d.status AS status, "
            f"d.marks AS marks, d.kinds AS kinds, substr(d.last_seen, 1, 10) AS day "
            f"{from_sql} WHERE {where}",
            params,
        )
        try:
            facets: dict[str, list[tuple[str, int]]] = {}
            for name in FACET_FIELDS:
                if name in ("mark", "kind"):
                    # Few distinct combinations: count those, then each mark or kind once
                    # per document that has it.
                    column = "marks" if name == "mark" else "kinds"
                    counts: dict[str, int] = {}
                    for combo, n in self._db.execute(
                        f"SELECT {column}, count(*) FROM facet_hits GROUP BY {column}"
                    ):
                        for value in set(str(combo).split(MARK_SEP)) - {""}:
                            counts[value] = counts.get(value, 0) + int(n)
                    rows = list(counts.items())
                else:
                    sql = f"SELECT {name}, count(*) FROM facet_hits GROUP BY {name}"
                    rows = self._db.execute(sql).fetchall()
                facets[name] = sorted(((str(k), int(c)) for k, c in rows if k), key=lambda r: -r[1])
            histogram = self._db.execute(
                "SELECT day, count(*) FROM facet_hits GROUP BY day ORDER BY day"
            ).fetchall()
        finally:
            self._db.execute("DROP TABLE IF EXISTS temp.facet_hits")
        return facets, [(str(day), int(c)) for day, c in histogram]

    @staticmethod
    def _highlight(source: Mapping[str, Any], terms: Sequence[str]) -> dict[str, list[str]]:
        title = str(source["listing"].get("title", ""))
        wanted = sorted({t for t in terms if t}, key=len, reverse=True)
        if not wanted:
            return {}
        # One pass with the longest terms first, so nested terms are not wrapped twice.
        pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
        parts: list[str] = []
        last = 0
        for m in pattern.finditer(title):
            parts += [html.escape(title[last : m.start()]), f"<em>{html.escape(m.group())}</em>"]
            last = m.end()
        if not parts:
            return {}
        parts.append(html.escape(title[last:]))
        return {"title": ["".join(parts)]}

    def refresh(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()
