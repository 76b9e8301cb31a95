"""The Elasticsearch backend of the search index contract (indexer.base.SearchIndex).

Only server-core features are used (the integ-test distribution has no Chinese analyzer,
no painless, no ingest pipelines): Chinese text is segmented with jieba in Python
(indexer.text) and indexed with the `whitespace` analyzer; queries are bool/term/range,
aggregations are terms and date_histogram, pagination is `search_after`.

Index layout: the alias `<prefix>listings` points at one concrete, versioned index
`<prefix>listings-v<schema>-<stamp>` whose settings and mappings come from the index
template in indexer/mappings/. `reindex` builds a new concrete index from the store of
record and swaps the alias atomically, so searches never see a missing or half-built index.

Writes are idempotent: document id = listing id, version = last_seen in microseconds
(`external_gte`), so a replayed or retried write never doubles a document and an older
write never overwrites a newer one. Bulk requests are chunked by count and bytes, retried
with exponential backoff on 429 and 5xx, and report errors per document. When the server
cannot be reached the writes go to a durable local spool (indexer.spool) and are replayed,
in order, before any later write.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from indexer.base import (
    FACET_FIELDS,
    BulkReport,
    DocError,
    IndexedDoc,
    IndexError_,
    SearchHit,
    SearchPage,
    SearchQuery,
)
from indexer.spool import Spool, SpoolEntry
from indexer.text import Tokenizer

log = logging.getLogger(__name__)

LISTINGS_TEMPLATE = "listings.v1.json"
ALERTS_TEMPLATE = "alerts.v1.json"
# Fields we add for search only; never handed back to callers.
TOKEN_FIELDS: tuple[str, ...] = ("words", "title_words", "pinyin", "indexed_at")
_FILTER_FIELDS: tuple[str, ...] = (
    "mark", "kind", "verdict", "platform", "seller", "region", "status",
)  # fmt: skip
_SORT_FIELDS = {"score": "score", "last_seen": "last_seen", "price": "price"}
_FACET_SIZE = 200
_HIGHLIGHT_TAG = re.compile(r"<em>(.*?)</em>")
_MAX_REASON = 300


class EsSettings(Protocol):
    """The part of markwatch.settings.Settings this backend reads (no import of markwatch)."""

    @property
    def es_urls(self) -> tuple[str, ...]: ...
    @property
    def es_api_key(self) -> str | None: ...
    @property
    def es_basic_auth(self) -> tuple[str, str] | None: ...
    @property
    def es_ca_file(self) -> Path | None: ...


@dataclass(frozen=True, slots=True)
class EsIndexConfig:
    urls: tuple[str, ...] = ("http://127.0.0.1:9200",)
    api_key: str | None = None
    basic_auth: tuple[str, str] | None = None
    ca_file: Path | None = None
    prefix: str = "markwatch-"
    chunk_size: int = 500
    max_chunk_bytes: int = 10 * 1024 * 1024
    max_retries: int = 5  # per chunk, for 429 and 5xx answers
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0
    request_timeout_s: float = 30.0
    # After the server was unreachable, writes go straight to the spool for this long
    # instead of each paying a failed connection attempt.
    probe_interval_s: float = 2.0
    # Keep the earliest first_seen across re-crawls (one mget per chunk), like the SQLite backend.
    preserve_first_seen: bool = True

    @classmethod
    def from_settings(cls, settings: EsSettings, **overrides: Any) -> EsIndexConfig:
        return cls(
            urls=tuple(settings.es_urls),
            api_key=settings.es_api_key,
            basic_auth=settings.es_basic_auth,
            ca_file=settings.es_ca_file,
            **overrides,
        )


def make_client(config: EsIndexConfig) -> Elasticsearch:
    """A client for a list of nodes, with API key or basic auth and an optional CA file."""
    tls: dict[str, Any] = {"ca_certs": str(config.ca_file)} if config.ca_file else {}
    return Elasticsearch(
        list(config.urls),
        api_key=config.api_key,
        basic_auth=config.basic_auth,
        **tls,
        request_timeout=config.request_timeout_s,
        # Connection failures move on to the next node; status retries are ours (with backoff).
        max_retries=max(0, len(config.urls) - 1),
        retry_on_status=(),
        retry_on_timeout=len(config.urls) > 1,
    )


def load_template(name: str) -> dict[str, Any]:
    text = resources.files("indexer.mappings").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True, slots=True)
class EsAction:
    """One prepared write: the final document as it goes to Elasticsearch."""

    doc_id: str
    version: int
    source: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReindexReport:
    new_index: str
    old_indices: tuple[str, ...]
    indexed: int
    caught_up: int  # live writes made during the rebuild, copied over after the swap
    errors: Sequence[DocError] = ()


@dataclass(slots=True)
class _Outcome:
    indexed: int = 0
    errors: list[DocError] = field(default_factory=list)
    leftover: list[EsAction] = field(default_factory=list)  # still failing after retries


class _Unreachable(Exception):
    """No node answered (connection refused, timeout, TLS failure)."""


def doc_version(last_seen: datetime) -> int:
    """External version of a document: its last sighting in microseconds since the epoch."""
    return int(last_seen.timestamp() * 1_000_000)


class ElasticsearchIndex:
    name = "elasticsearch"

    def __init__(
        self,
        config: EsIndexConfig,
        tokenizer: Tokenizer,
        spool: Spool | None = None,
        client: Elasticsearch | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._tokenizer = tokenizer
        self._spool = spool
        self._client = client or make_client(config)
        self._clock = clock
        self._sleep = sleep
        self._ensured = False
        self._down_until = 0.0
        self._template = load_template(LISTINGS_TEMPLATE)

    # -- names and setup -------------------------------------------------
    @property
    def alias(self) -> str:
        return f"{self.config.prefix}listings"

    @property
    def schema_version(self) -> int:
        return int(self._template["schema_version"])

    def new_index_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-v{self.schema_version}-{stamp}"

    def install_templates(self) -> None:
        for name, file in (("listings", LISTINGS_TEMPLATE), ("alerts", ALERTS_TEMPLATE)):
            spec = self._template if file == LISTINGS_TEMPLATE else load_template(file)
            base = f"{self.config.prefix}{name}"
            self._client.indices.put_index_template(
                name=base,
                index_patterns=[f"{base}-v*"],
                priority=int(spec["priority"]),
                version=int(spec["schema_version"]),
                template=spec["template"],
                meta={"managed_by": "markwatch"},
            )

    def ensure(self) -> str:
        """Install the templates and create the first concrete index and alias if missing.

        Safe to run concurrently from several processes: the first index has a fixed name.
        Returns the concrete index the alias points at.
        """
        try:
            self.install_templates()
            current = self.indices_behind_alias()
            if not current:
                first = f"{self.alias}-v{self.schema_version}-initial"
                try:
                    self._client.indices.create(index=first)
                except ApiError as exc:
                    if _error_type(exc) != "resource_already_exists_exception":
                        raise
                self._client.indices.put_alias(index=first, name=self.alias)
                current = [first]
        except TransportError as exc:
            raise _Unreachable(str(exc)) from exc
        self._ensured = True
        if len(current) != 1:
            log.warning("alias %s points at %d indices: %s", self.alias, len(current), current)
        return current[0]

    def indices_behind_alias(self) -> list[str]:
        try:
            resp = self._client.indices.get_alias(name=self.alias)
        except NotFoundError:
            return []
        return sorted(resp.body)

    def _ensure_once(self) -> None:
        if not self._ensured:
            self.ensure()

    # -- writes ----------------------------------------------------------
    def prepare(self, docs: Iterable[IndexedDoc]) -> list[EsAction]:
        """Documents as Elasticsearch stores them: the shared source plus jieba/pinyin tokens."""
        indexed_at = datetime.now(UTC).isoformat()
        actions = []
        for doc in docs:
            source = doc.to_source()
            listing = doc.listing
            tokens = self._tokenizer.tokens(doc.search_text)
            source["words"] = tokens.words
            source["pinyin"] = tokens.pinyin
            source["title_words"] = " ".join(self._tokenizer.words(listing.title))
            source["indexed_at"] = indexed_at
            actions.append(EsAction(doc.id, doc_version(doc.last_seen), source))
        return actions

    def upsert(self, docs: Iterable[IndexedDoc]) -> BulkReport:
        return self.write_prepared(self.prepare(docs))

    def write_prepared(self, actions: Sequence[EsAction]) -> BulkReport:
        """Bulk-write prepared documents through the alias; spool what cannot be delivered."""
        errors: list[DocError] = []
        if self._spool is not None and (self._circuit_open() or len(self._spool)):
            # Earlier writes are waiting: they go first, or the new ones queue behind them.
            errors += self._drain_spool(respect_circuit=True).errors
            if self._circuit_open() or len(self._spool):
                return BulkReport(errors=errors, spooled=self._to_spool(self.alias, actions))
        outcome = self._write(self.alias, actions, keep_first_seen=True)
        errors += outcome.errors
        spooled = 0
        if outcome.leftover:
            if self._spool is not None:
                spooled = self._to_spool(self.alias, outcome.leftover)
            else:
                errors += [DocError(a.doc_id, "not delivered: server unavailable, no spool")
                           for a in outcome.leftover]  # fmt: skip
        return BulkReport(indexed=outcome.indexed, errors=errors, spooled=spooled)

    def replay_spool(self) -> BulkReport:
        """Deliver everything spooled, oldest first; stops (keeping the rest) if still down."""
        return self._drain_spool(respect_circuit=False)

    def pending(self) -> int:
        """Writes waiting in the spool."""
        return len(self._spool) if self._spool is not None else 0

    def _circuit_open(self) -> bool:
        return self._clock() < self._down_until

    def _mark_down(self, why: str) -> None:
        if not self._circuit_open():
            log.warning("Elasticsearch unreachable, spooling writes: %s", why)
        self._down_until = self._clock() + self.config.probe_interval_s

    def _to_spool(self, target: str, actions: Sequence[EsAction]) -> int:
        assert self._spool is not None
        return self._spool.append(
            SpoolEntry(target, a.doc_id, a.version, json.dumps(a.source, ensure_ascii=False))
            for a in actions
        )

    def _drain_spool(self, respect_circuit: bool) -> BulkReport:
        if self._spool is None or (respect_circuit and self._circuit_open()):
            return BulkReport()
        indexed = 0
        errors: list[DocError] = []
        while True:
            batch = self._spool.peek(self.config.chunk_size)
            if not batch:
                break
            # Consecutive entries for the same target go in one request, in spool order.
            target = batch[0].entry.target
            batch = [b for b in _takewhile_target(batch, target)]
            actions = [
                EsAction(b.entry.doc_id, b.entry.version, json.loads(b.entry.body)) for b in batch
            ]
            outcome = self._write(target, actions, keep_first_seen=True)
            if outcome.leftover and outcome.indexed == 0 and not outcome.errors:
                break  # nothing got through: the server is still away; keep the entries
            left = {a.doc_id for a in outcome.leftover}
            # Delivered or permanently rejected entries leave the spool; rejected ones are
            # reported to the caller (per document), retryable leftovers stay for next time.
            self._spool.remove([b.seq for b in batch if b.entry.doc_id not in left])
            indexed += outcome.indexed
            errors += outcome.errors
            if outcome.leftover:
                break
        if indexed:
            log.info("replayed %d spooled writes, %d still pending", indexed, len(self._spool))
        return BulkReport(indexed=indexed, errors=errors)

    def _write(self, target: str, actions: Sequence[EsAction], keep_first_seen: bool) -> _Outcome:
        """Send actions in chunks; an unreachable server turns the rest into leftovers."""
        total = _Outcome()
        chunks = list(_chunks(actions, self.config.chunk_size))
        for i, chunk in enumerate(chunks):
            try:
                if self._circuit_open():
                    raise _Unreachable("recently unreachable")
                self._ensure_once()
                if keep_first_seen and self.config.preserve_first_seen:
                    chunk = self._with_first_seen(target, chunk)
                outcome = self._send_chunk(target, chunk)
            except _Unreachable as exc:
                self._mark_down(str(exc))
                for rest in chunks[i:]:
                    total.leftover += rest
                break
            total.indexed += outcome.indexed
            total.errors += outcome.errors
            total.leftover += outcome.leftover
        return total

    def _with_first_seen(self, target: str, chunk: list[EsAction]) -> list[EsAction]:
        try:
            resp = self._client.mget(
                index=target, ids=[a.doc_id for a in chunk], source_includes=["first_seen"]
            )
        except NotFoundError:
            return chunk
        except ApiError as exc:
            if _retryable(exc.meta.status):
                return chunk  # best effort: the bulk request will retry or spool
            raise
        except TransportError as exc:
            raise _Unreachable(str(exc)) from exc
        earliest = {
            d["_id"]: d["_source"]["first_seen"]
            for d in resp.body.get("docs", [])
            if d.get("found") and "first_seen" in d.get("_source", {})
        }
        if not earliest:
            return chunk
        out = []
        for a in chunk:
            old = earliest.get(a.doc_id)
            if old is not None and _parse_time(old) < _parse_time(a.source["first_seen"]):
                a = EsAction(a.doc_id, a.version, {**a.source, "first_seen": old})
            out.append(a)
        return out

    def _send_chunk(self, target: str, chunk: Sequence[EsAction]) -> _Outcome:
        result = _Outcome()
        pending = list(chunk)
        attempt = 0
        while pending:
            for part in _split_by_bytes(target, pending, self.config.max_chunk_bytes):
                lines, sent = part
                try:
                    # Pre-serialised NDJSON lines: the client sends bytes as they are.
                    resp = self._client.bulk(operations=lines)  # type: ignore[arg-type]
                except ApiError as exc:
                    if not _retryable(exc.meta.status):
                        result.errors += [DocError(a.doc_id, f"bulk rejected: {exc}") for a in sent]
                        continue
                    result.leftover += sent
                    continue
                except TransportError as exc:
                    raise _Unreachable(str(exc)) from exc
                for action, item in zip(sent, resp.body["items"], strict=True):
                    outcome = next(iter(item.values()))
                    status = int(outcome.get("status", 500))
                    # 409 under external versioning: the index already holds this or a newer
                    # version of the document, which is what we wanted.
                    if status < 300 or status == 409:
                        result.indexed += 1
                    elif _retryable(status):
                        result.leftover.append(action)
                    else:
                        result.errors.append(DocError(action.doc_id, _item_reason(outcome)))
            pending, result.leftover = result.leftover, []
            if pending:
                if attempt >= self.config.max_retries:
                    result.leftover = pending
                    break
                delay = min(self.config.backoff_max_s, self.config.backoff_initial_s * 2**attempt)
                log.info("retrying %d documents in %.1fs (attempt %d)", len(pending), delay,
                         attempt + 1)  # fmt: skip
                self._sleep(delay)
                attempt += 1
        return result

    def set_status(self, statuses: Mapping[str, str]) -> int:
        """Partial updates of the status field (no script: core ES only). An update bumps
        the document's version by one, far below the next crawl's microsecond version."""
        if not statuses:
            return 0
        try:
            self._ensure_once()
        except _Unreachable as exc:
            raise IndexError_(f"status update not delivered: {exc}") from exc
        operations: list[dict[str, Any]] = []
        for doc_id, status in statuses.items():
            operations += [
                {"update": {"_index": self.alias, "_id": doc_id, "retry_on_conflict": 3}},
                {"doc": {"status": status}, "detect_noop": True},
            ]
        try:
            resp = self._client.bulk(operations=operations)
        except TransportError as exc:
            raise IndexError_(f"status update not delivered: {exc}") from exc
        changed = 0
        errors = []
        for doc_id, item in zip(statuses, resp.body["items"], strict=True):
            outcome = item["update"]
            if outcome.get("result") == "updated":
                changed += 1
            elif int(outcome.get("status", 500)) not in (200, 404):
                errors.append(DocError(doc_id, _item_reason(outcome)))
        if errors:
            raise IndexError_(f"{len(errors)} status updates rejected", errors)
        return changed

    # -- reads -----------------------------------------------------------
    def get(self, doc_id: str) -> Mapping[str, Any] | None:
        self._ensure_once()
        try:
            resp = self._client.get(index=self.alias, id=doc_id, source_excludes=list(TOKEN_FIELDS))
        except NotFoundError:
            return None
        source: dict[str, Any] = resp.body["_source"]
        return source

    def count(self) -> int:
        self._ensure_once()
        return int(self._client.count(index=self.alias).body["count"])

    def ids(self) -> list[str]:
        """Every document id, sorted (for checks and the fault test)."""
        self._ensure_once()
        out: list[str] = []
        after: list[Any] | None = None
        while True:
            extra: dict[str, Any] = {"search_after": after} if after else {}
            resp = self._client.search(
                index=self.alias, size=1000, sort=[{"id": "asc"}], source=False, **extra
            )
            hits = resp.body["hits"]["hits"]
            out += [h["_id"] for h in hits]
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]

    def search(self, query: SearchQuery) -> SearchPage:
        self._ensure_once()
        terms = self._tokenizer.query_terms(query.text) if query.text.strip() else []
        body: dict[str, Any] = {
            "query": _bool_query(query, terms),
            "sort": _sort(query),
            "size": query.size,
            "track_total_hits": True,
            "_source": {"excludes": list(TOKEN_FIELDS)},
        }
        if query.search_after is not None:
            body["search_after"] = list(query.search_after)
        if query.facets:
            body["aggs"] = _aggregations()
        if query.highlight and terms:
            body["highlight"] = {
                "fields": {"title_words": {"number_of_fragments": 0}},
                "highlight_query": {"terms": {"title_words": terms}},
                "pre_tags": ["<em>"],
                "post_tags": ["</em>"],
            }
        resp = self._client.search(index=self.alias, body=body).body
        hits = []
        for h in resp["hits"]["hits"]:
            highlights: dict[str, list[str]] = {}
            fragments = h.get("highlight", {}).get("title_words", [])
            if fragments:
                matched = {t for f in fragments for t in _HIGHLIGHT_TAG.findall(f)}
                title = str(h["_source"]["listing"].get("title", ""))
                marked = _wrap_terms(title, matched)
                if marked is not None:
                    highlights["title"] = [marked]
            hits.append(SearchHit(h["_id"], h["_source"], highlights, tuple(h.get("sort", ()))))
        next_after = hits[-1].sort if hits and len(hits) == query.size else None
        facets: dict[str, list[tuple[str, int]]] = {}
        histogram: list[tuple[str, int]] = []
        if query.facets:
            aggs = resp.get("aggregations", {})
            for name in FACET_FIELDS:
                buckets = aggs.get(name, {}).get("buckets", [])
                facets[name] = [(str(b["key"]), int(b["doc_count"])) for b in buckets if b["key"]]
            histogram = [
                (str(b["key_as_string"]), int(b["doc_count"]))
                for b in aggs.get("last_seen_days", {}).get("buckets", [])
                if b["doc_count"]
            ]
        total = int(resp["hits"]["total"]["value"])
        return SearchPage(total, hits, next_after, facets, histogram)

    def refresh(self) -> None:
        """Deliver spooled writes, then make everything written visible to search."""
        self.replay_spool()
        self._ensure_once()
        self._client.indices.refresh(index=self.alias)

    def close(self) -> None:
        self._client.close()
        if self._spool is not None:
            self._spool.close()

    # -- rebuild -----------------------------------------------------------
    def reindex(self, docs: Iterable[IndexedDoc]) -> ReindexReport:
        """Rebuild from the store of record into a new index and swap the alias to it.

        Searches keep using the old index until the atomic swap. Live writes during the
        rebuild land in the old index; after the swap they are copied over (external
        versions keep the newer of the two), then the old index is dropped.
        """
        self.install_templates()
        started = datetime.now(UTC).isoformat()
        new = self.new_index_name()
        self._client.indices.create(index=new)
        outcome = self._write(new, self.prepare(docs), keep_first_seen=False)
        if outcome.leftover:
            self._client.indices.delete(index=new)
            raise RuntimeError(f"reindex aborted: {len(outcome.leftover)} documents undelivered")
        self._client.indices.refresh(index=new)
        old = self.indices_behind_alias()
        alias_actions: list[Mapping[str, Any]] = [
            {"remove": {"index": name, "alias": self.alias}} for name in old
        ]
        alias_actions.append({"add": {"index": new, "alias": self.alias}})
        self._client.indices.update_aliases(actions=alias_actions)
        self._ensured = True
        caught_up = sum(self._copy_changed(name, new, since=started) for name in old)
        if old:
            self._client.indices.delete(index=",".join(old))
        return ReindexReport(new, tuple(old), outcome.indexed, caught_up, outcome.errors)

    def _copy_changed(self, source_index: str, target: str, since: str) -> int:
        self._client.indices.refresh(index=source_index)
        copied = 0
        after: list[Any] | None = None
        while True:
            extra: dict[str, Any] = {"search_after": after} if after else {}
            resp = self._client.search(
                index=source_index,
                query={"range": {"indexed_at": {"gte": since}}},
                sort=[{"id": "asc"}],
                size=self.config.chunk_size,
                version=True,
                **extra,
            ).body
            hits = resp["hits"]["hits"]
            if not hits:
                return copied
            actions = [EsAction(h["_id"], int(h["_version"]), h["_source"]) for h in hits]
            copied += self._write(target, actions, keep_first_seen=False).indexed
            after = hits[-1]["sort"]


# -- helpers ---------------------------------------------------------------
def _bool_query(query: SearchQuery, terms: Sequence[str]) -> dict[str, Any]:
    must: list[dict[str, Any]] = [
        {"bool": {"should": [{"term": {"words": t}}, {"term": {"pinyin": t}}]}} for t in terms
    ]
    filters: list[dict[str, Any]] = []
    for name in _FILTER_FIELDS:
        values: Sequence[str] = getattr(query, name)
        if values:
            filters.append({"terms": {name: list(values)}})
    seen: dict[str, str] = {}
    if query.seen_from is not None:
        seen["gte"] = query.seen_from.isoformat()
    if query.seen_to is not None:
        seen["lt"] = query.seen_to.isoformat()
    if seen:
        filters.append({"range": {"last_seen": seen}})
    if query.min_score is not None:
        filters.append({"range": {"score": {"gte": query.min_score}}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def _sort(query: SearchQuery) -> list[dict[str, Any]]:
    field_name = _SORT_FIELDS.get(query.sort)
    if field_name is None:  # relevance: best first whatever `descending` says
        return [{"_score": "desc"}, {"id": "asc"}]
    order = "desc" if query.descending else "asc"
    # Missing values sort as the lowest, as in the SQLite backend.
    missing = "_last" if query.descending else "_first"
    return [{field_name: {"order": order, "missing": missing}}, {"id": "asc"}]


def _aggregations() -> dict[str, Any]:
    aggs: dict[str, Any] = {
        name: {"terms": {"field": name, "size": _FACET_SIZE}} for name in FACET_FIELDS
    }
    aggs["last_seen_days"] = {
        "date_histogram": {
            "field": "last_seen",
            "calendar_interval": "day",
            "format": "yyyy-MM-dd",
            "min_doc_count": 1,
        }
    }
    return aggs


def _wrap_terms(title: str, terms: Iterable[str]) -> str | None:
    """The title, HTML-escaped, with each matched term in <em>; None when none occurs."""
    wanted = sorted({t for t in terms if t}, key=len, reverse=True)
    if not wanted:
        return None
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    parts: list[str] = []
    last = 0
    for m in pattern.finditer(title):
        parts += [html.escape(title[last : m.start()]), f"<em>{html.escape(m.group())}</em>"]
        last = m.end()
    if not parts:
        return None
    parts.append(html.escape(title[last:]))
    return "".join(parts)


def _chunks(actions: Sequence[EsAction], size: int) -> Iterator[list[EsAction]]:
    for start in range(0, len(actions), size):
        yield list(actions[start : start + size])


def _split_by_bytes(
    target: str, actions: Sequence[EsAction], max_bytes: int
) -> Iterator[tuple[list[bytes], list[EsAction]]]:
    """NDJSON lines per request, serialised once, each request under max_bytes."""
    lines: list[bytes] = []
    sent: list[EsAction] = []
    size = 0
    for a in actions:
        meta = {"_index": target, "_id": a.doc_id, "version": a.version}
        header = json.dumps({"index": {**meta, "version_type": "external_gte"}}).encode()
        body = json.dumps(a.source, ensure_ascii=False).encode()
        extra = len(header) + len(body) + 2
        if sent and size + extra > max_bytes:
            yield lines, sent
            lines, sent, size = [], [], 0
        lines += [header, body]
        sent.append(a)
        size += extra
    if sent:
        yield lines, sent


def _takewhile_target(batch: Sequence[Any], target: str) -> Iterator[Any]:
    for item in batch:
        if item.entry.target != target:
            return
        yield item


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _item_reason(outcome: Mapping[str, Any]) -> str:
    error = outcome.get("error") or {}
    if isinstance(error, Mapping):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
    else:
        reason = str(error)
    # Server reasons can quote the whole offending value; keep reports readable.
    return reason if len(reason) <= _MAX_REASON else reason[: _MAX_REASON - 1] + "…"


def _error_type(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, Mapping) else {}
    error = body.get("error") or {}
    return str(error.get("type", "")) if isinstance(error, Mapping) else ""


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
