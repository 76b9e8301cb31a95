"""Detection in worker processes: the reactor's core crawls while another one detects.

`MARKWATCH_DETECT_PROCESSES` sets how many worker processes detect (0: detection stays
inline on the reactor thread, `NotConfigured`). Left unset it is one fewer than the CPUs
(at most 4): on one CPU there is no pool.

Each worker gets its own copy of the detector once, at start (a `Detector` pickles as its
catalog and configuration and rebuilds its automata there); detection is pure, so the
findings are the ones the inline path gives. Listings go to the workers in small batches
(`MARKWATCH_DETECT_BATCH` listings, or whatever arrived within `MARKWATCH_DETECT_WINDOW_S`)
so the reactor pays one message per batch, not one per listing. Until the workers are up,
and if they ever die, listings are detected inline: a pool never loses a finding.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from crawler import detect_worker
from crawler.components import ListingDetector, PipelineComponents
from crawler.detect_worker import Job
from detectors.types import Finding, ImageEvidence, Listing

logger = logging.getLogger(__name__)

SETTING = "MARKWATCH_DETECT_PROCESSES"
BATCH_SETTING = "MARKWATCH_DETECT_BATCH"
WINDOW_SETTING = "MARKWATCH_DETECT_WINDOW_S"
MAX_DEFAULT_PROCESSES = 4
_SHARED = "detection_pool"


def default_processes(cpus: int | None = None) -> int:
    """One fewer than the CPUs (the reactor keeps one), at most MAX_DEFAULT_PROCESSES."""
    count = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(0, min(count - 1, MAX_DEFAULT_PROCESSES))


def configured_processes(settings: BaseSettings, name: str) -> int:
    """The worker count a setting gives; left unset, `default_processes()`."""
    raw = settings.get(name)
    return default_processes() if raw in (None, "") else settings.getint(name)


class DetectionPool:
    """Runs `detector.detect` in worker processes; `await pool.detect(listing)`."""

    def __init__(
        self,
        detector: ListingDetector,
        processes: int,
        *,
        batch_size: int = 32,
        window_s: float = 0.005,
    ) -> None:
        if processes < 1:
            raise ValueError(f"a detection pool needs at least one process, got {processes}")
        self.detector = detector  # the inline path: before the workers are up, or if they die
        self.processes = processes
        self.batch_size = max(1, batch_size)
        self.window_s = max(0.0, window_s)
        # spawn: the crawl process has threads (index, alerts, delivery) that fork would copy
        # mid-flight; a fresh interpreter imports what it needs and unpickles the detector.
        self._executor = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=detect_worker.start,
            initargs=(detector,),
        )
        self._started = [self._executor.submit(detect_worker.pid) for _ in range(processes)]
        self._broken = False
        self._pending: list[tuple[Job, asyncio.Future[Finding]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self.pooled = 0  # listings detected by the workers
        self.inline = 0  # listings detected on the reactor thread (warm-up, broken pool)
        self.batches = 0
        self._users = 0
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, components: PipelineComponents) -> DetectionPool:
        """The pool of these components (made by the first crawler that asks, shared by
        every crawler using them); NotConfigured when off."""
        pool = components.shared.get(_SHARED)
        if pool is None or pool.closed:
            pool = cls._configured(crawler, components.detector)
            components.shared[_SHARED] = pool
        pool._users += 1
        return pool

    @classmethod
    def _configured(cls, crawler: Crawler, detector: ListingDetector) -> DetectionPool:
        settings = crawler.settings
        processes = configured_processes(settings, SETTING)
        if processes <= 0:
            raise NotConfigured(f"{SETTING}={processes}: detection runs inline")
        try:
            pickle.dumps(detector)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise NotConfigured(f"the detector cannot go to a worker process: {exc}") from exc
        return cls(
            detector,
            processes,
            batch_size=settings.getint(BATCH_SETTING, 32),
            window_s=settings.getfloat(WINDOW_SETTING, 0.005),
        )

    @property
    def ready(self) -> bool:
        """True once a worker has started (with its detector built)."""
        return not self._broken and any(f.done() and f.exception() is None for f in self._started)

    async def detect(self, listing: Listing, images: Sequence[ImageEvidence] = ()) -> Finding:
        if not self.ready:
            self.inline += 1
            return self.detector.detect(listing, images=images)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Finding] = loop.create_future()
        self._pending.append(((listing, tuple(images)), future))
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.window_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        loop = asyncio.get_running_loop()
        try:
            task = self._executor.submit(detect_worker.detect_batch, [job for job, _ in batch])
        except (BrokenProcessPool, RuntimeError) as exc:
            self._fall_back(batch, exc)
            return
        self.batches += 1
        task.add_done_callback(lambda done: loop.call_soon_threadsafe(self._settle, done, batch))

    def _settle(
        self, done: Future[list[Finding]], batch: list[tuple[Job, asyncio.Future[Finding]]]
    ) -> None:
        exc = CancelledError() if done.cancelled() else done.exception()
        if exc is not None:
            self._fall_back(batch, exc)
            return
        self.pooled += len(batch)
        for (_, future), finding in zip(batch, done.result(), strict=True):
            if not future.done():
                future.set_result(finding)

    def _fall_back(
        self, batch: list[tuple[Job, asyncio.Future[Finding]]], exc: BaseException
    ) -> None:
        if isinstance(exc, BrokenProcessPool | RuntimeError | CancelledError) and not self._broken:
            self._broken = True
            logger.error("detection pool stopped (%s): detecting inline from now on", exc)
        for (listing, images), future in batch:
            if future.done():
                continue
            self.inline += 1
            try:
                future.set_result(self.detector.detect(listing, images=images))
            except Exception as error:  # the detector's own failure, as inline would raise it
                future.set_exception(error)

    def close(self) -> None:
        """One user is done; the last one stops the workers."""
        self._users -= 1
        if self._users > 0:
            return
        if self._pending:
            self._flush()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.closed = True
