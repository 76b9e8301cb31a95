"""Index and alert writes in a process of their own, so they never hold the reactor's GIL.

Tokenising documents (jieba, pypinyin) and the alert store's statements (SQLAlchemy) are
Python work: on a thread of the crawl process they take the GIL from the reactor, which
then waits for it after every socket call. In a writer process they use another core.

`MARKWATCH_WRITER_PROCESS=true` turns it on for crawls whose components say how to open
the same index and store elsewhere (`PipelineComponents.stores`, from the composition
root); otherwise `NotConfigured` and the pipelines write on their threads. Off by
default: on the shared 2-CPU machine the process's start (~3 s of imports and opening
the stores) and the pipe traffic cost a short crawl more than the GIL it frees (bench
`crawl`, 650 listings: 6.2 s with it, 4.8 s without); it is for long crawls on a
machine with a core to spare. Until the process is up, and if it ever dies,
writes go to those threads: nothing waits for it and nothing is lost (alert writes are
idempotent per (listing, mark), so a batch whose answer was lost may be written again).
One process takes every write in submission order.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from alerts.index_status import IndexStatusSync
from alerts.models import AlertChange
from alerts.store import AlertStore
from crawler.components import PipelineComponents
from crawler.orphans import exit_with_parent
from detectors.types import Finding, Listing
from indexer.base import IndexedDoc, SearchIndex

logger = logging.getLogger(__name__)

SETTING = "MARKWATCH_WRITER_PROCESS"
_SHARED = "store_writer"

StoresRecipe = Callable[[], tuple[SearchIndex, AlertStore]]
# Per listing of a batch: alerts created, and whether one was reopened.
RecordSummary = tuple[int, bool]

_worker: dict[str, Any] = {}


def summarize(changes: Sequence[AlertChange]) -> RecordSummary:
    return sum(1 for c in changes if c.created), any("reopened" in c.changes for c in changes)


def record_and_sync(
    alerts: AlertStore, sync: IndexStatusSync | None, pairs: list[tuple[Listing, Finding]]
) -> list[RecordSummary]:
    """One batch of alert writes; listings with a reopened alert get their index status."""
    summaries = [summarize(c) for c in alerts.record_many(pairs)]
    flags = zip(pairs, summaries, strict=True)
    reopened = sorted({listing.id for (listing, _), (_, again) in flags if again})
    if reopened and sync is not None:
        sync.sync(reopened)
    return summaries


def _open(recipe: StoresRecipe) -> None:
    exit_with_parent()
    index, alerts = recipe()
    _worker.update(index=index, alerts=alerts, sync=IndexStatusSync(alerts, index))


def _pid() -> int:
    return os.getpid()


def _write_docs(docs: list[IndexedDoc]) -> list[tuple[str, str]]:
    report = _worker["sync"].write(docs)
    return [(error.id, error.reason) for error in report.errors]


def _record(pairs: list[tuple[Listing, Finding]]) -> list[RecordSummary]:
    return record_and_sync(_worker["alerts"], _worker["sync"], pairs)


def _finish() -> None:
    _worker["index"].refresh()
    _worker["index"].close()
    _worker["alerts"].close()


class StoreWriter:
    """The writer process of one crawl, shared by its index and alert pipelines."""

    def __init__(self, recipe: StoresRecipe) -> None:
        self._executor = ProcessPoolExecutor(
            1,
            # spawn: a fork would copy the crawl's threads and open connections mid-flight.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open,
            initargs=(recipe,),
        )
        self._started = self._executor.submit(_pid)
        self.broken = False
        self._users = 0
        self.batches = 0
        self.closed = False

    @classmethod
    def for_crawler(cls, crawler: Crawler, components: PipelineComponents) -> StoreWriter:
        """The writer of these components (made by the first pipeline that asks, shared by
        every crawler using them); NotConfigured if off."""
        writer = components.shared.get(_SHARED)
        if writer is None or writer.closed:
            if not crawler.settings.getbool(SETTING, False):
                raise NotConfigured(f"{SETTING} is off: writes run on threads")
            if components.stores is None:
                raise NotConfigured("the components cannot be opened in another process")
            writer = cls(components.stores)
            components.shared[_SHARED] = writer
        writer._users += 1
        return writer

    @property
    def ready(self) -> bool:
        started = self._started
        return not self.broken and started.done() and started.exception() is None

    def write_docs(self, docs: list[IndexedDoc]) -> Future[list[tuple[str, str]]]:
        self.batches += 1
        return self._executor.submit(_write_docs, docs)

    def record(self, pairs: list[tuple[Listing, Finding]]) -> Future[list[RecordSummary]]:
        self.batches += 1
        return self._executor.submit(_record, pairs)

    def mark_broken(self, exc: BaseException) -> None:
        if not self.broken:
            self.broken = True
            logger.error("writer process stopped (%s): writing on threads from now on", exc)

    def release(self) -> None:
        """One pipeline is done; the last one closes the process (after its writes)."""
        self._users -= 1
        if self._users > 0:
            return
        if not self.broken and self._started.done() and self._started.exception() is None:
            try:
                self._executor.submit(_finish).result()
            except Exception as exc:  # a dead process: its writes were already retried
                logger.error("writer process did not close cleanly: %s", exc)
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.closed = True
