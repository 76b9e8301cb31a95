"""Write to the store of record and to the search backend; read from the search backend.

With Elasticsearch configured, the embedded SQLite index stays the store of record
(so `markwatch reindex` can rebuild Elasticsearch from it) and Elasticsearch serves
staff searches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from indexer.base import BulkReport, IndexedDoc, SearchIndex, SearchPage, SearchQuery


class TeeIndex:
    def __init__(self, record: SearchIndex, search: SearchIndex) -> None:
        self.record = record
        self.search_backend = search
        self.name = search.name

    def upsert(self, docs: Iterable[IndexedDoc]) -> BulkReport:
        batch = list(docs)
        recorded = self.record.upsert(batch)
        searchable = self.search_backend.upsert(batch)
        return BulkReport(
            indexed=searchable.indexed,
            errors=[*recorded.errors, *searchable.errors],
            spooled=searchable.spooled,
        )

    def set_status(self, statuses: Mapping[str, str]) -> int:
        self.record.set_status(statuses)
        return self.search_backend.set_status(statuses)

    def get(self, doc_id: str) -> Mapping[str, Any] | None:
        return self.search_backend.get(doc_id)

    def search(self, query: SearchQuery) -> SearchPage:
        return self.search_backend.search(query)

    def count(self) -> int:
        return self.search_backend.count()

    def refresh(self) -> None:
        self.record.refresh()
        self.search_backend.refresh()

    def close(self) -> None:
        self.record.close()
        self.search_backend.close()
