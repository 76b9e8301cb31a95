"""The search index's status field, kept equal to the alert store of record.

Crawls write whole documents and triage changes statuses; both go through here, under one
lock, so whichever runs second reads the store's latest word: a re-crawl can never put back
"new" over a dismissal, and a re-opening during the same crawl is not overwritten either.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterable, Sequence

from alerts.store import AlertStore
from indexer.base import BulkReport, IndexedDoc, IndexError_, SearchIndex

log = logging.getLogger(__name__)


class IndexStatusSync:
    def __init__(self, store: AlertStore, index: SearchIndex) -> None:
        self.store = store
        self.index = index
        self._lock = threading.Lock()

    def write(self, docs: Sequence[IndexedDoc]) -> BulkReport:
        """Upsert crawled documents carrying the status the store holds for each listing."""
        with self._lock:
            statuses = self.store.listing_statuses(d.id for d in docs)
            stamped = [dataclasses.replace(d, status=statuses.get(d.id, "new")) for d in docs]
            return self.index.upsert(stamped)

    def sync(self, listing_ids: Iterable[str], *, refresh: bool = True) -> int:
        """Mirror the store's status of these listings into the index; how many changed."""
        with self._lock:
            statuses = self.store.listing_statuses(listing_ids)
            try:
                changed = self.index.set_status(statuses)
            except IndexError_ as exc:
                # The store of record has the decision; `markwatch reindex` carries it over.
                log.error("index status not updated for %s: %s", sorted(statuses), exc)
                return 0
        if changed and refresh:
            self.index.refresh()
        return changed
