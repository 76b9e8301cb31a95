"""Photo analysis in worker processes: the reactor's process keeps its GIL for the crawl.

Listing photos cost tens of milliseconds each in OpenCV, onnxruntime and the Python
around them; on the crawl's own threads that Python shares the reactor's GIL.
`MARKWATCH_PHOTO_PROCESSES` sets how many worker processes analyse photos (0: the image
stage's threads in the crawl process, `NotConfigured`); left unset it is one fewer than
the CPUs, at most 4 (crawler.pool.configured_processes). Each worker builds its inspector
once from the stage's picklable recipe and reads the photos from the media pipeline's
store itself, so only file names go to it and evidence comes back.

The workers are spawned when the first photo arrives, and the first photos wait for
one to be up (it loads OpenCV and builds the insignia matcher, about two seconds of CPU)
while the crawl goes on: analysing them on the stage's threads meanwhile would build a
second matcher in the crawl process, on the core the reactor needs. If no worker is up
within `start_timeout_s`, or the workers ever die, photos are analysed on the stage's
threads: the pool never loses one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import photo_worker
from crawler.components import ImageStage, PipelineComponents
from crawler.photo_worker import PhotoFiles
from crawler.pool import configured_processes
from detectors.types import ImageEvidence

logger = logging.getLogger(__name__)

SETTING = "MARKWATCH_PHOTO_PROCESSES"
_SHARED = "photo_pool"


class PhotoPool:
    """`await pool.inspect(root, files, ocr)`: the evidence, or None when the caller should
    analyse them itself (workers not up yet, or gone)."""

    def __init__(self, stage: ImageStage, processes: int, start_timeout_s: float = 120.0) -> None:
        if processes < 1:
            raise ValueError(f"a photo pool needs at least one process, got {processes}")
        if stage.recipe is None:
            raise ValueError("the image stage has no recipe for a worker's inspector")
        self.processes = processes
        self.start_timeout_s = start_timeout_s
        self._recipe = stage.recipe
        self._executor: ProcessPoolExecutor | None = None
        self._started: list[Future[int]] = []
        self._broken = False
        self.pooled = 0  # listings whose photos a worker analysed
        self.analysed = 0  # photos the workers analysed
        self.reused = 0  # photos the workers answered from their content cache
        self._users = 0
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, components: PipelineComponents) -> PhotoPool:
        """The pool of these components (made by the first crawler that asks, shared by
        every crawler using them); NotConfigured when off."""
        pool = components.shared.get(_SHARED)
        if pool is None or pool.closed:
            stage = components.images
            if stage is None or stage.recipe is None:
                raise NotConfigured("no image stage that a worker process can rebuild")
            processes = configured_processes(crawler.settings, SETTING)
            if processes <= 0:
                raise NotConfigured(f"{SETTING}={processes}: photos on the stage's threads")
            pool = cls(stage, processes)
            components.shared[_SHARED] = pool
        pool._users += 1
        return pool

    def start(self) -> None:
        """Spawn the workers (the first photo does it: a crawl without photos never pays)."""
        if self._executor is not None:
            return
        # spawn: the crawl process has threads that fork would copy mid-flight.
        self._executor = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=photo_worker.start,
            initargs=(self._recipe,),
        )
        self._started = [self._executor.submit(photo_worker.pid) for _ in range(self.processes)]

    @property
    def ready(self) -> bool:
        """True once a worker has started (with its inspector built)."""
        return not self._broken and any(f.done() and f.exception() is None for f in self._started)

    async def _wait_started(self) -> bool:
        """Whether a worker is up, waiting (without blocking the reactor) for the first."""
        if self.ready:
            return True
        if self._broken or not self._started:
            return False
        done, _ = await asyncio.wait(
            [asyncio.wrap_future(f) for f in self._started],
            timeout=self.start_timeout_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if not self.ready:
            if not done:
                logger.warning(
                    "no photo worker up after %.0f s: this listing's photos on the stage's threads",
                    self.start_timeout_s,
                )
            elif not self._broken:
                # The worker died starting (its initializer raised): the pool is broken.
                self._broken = True
                logger.error("photo workers failed to start: photos on the stage's threads")
            return False
        return True

    async def inspect(self, root: Path, files: PhotoFiles, ocr: bool) -> list[ImageEvidence] | None:
        self.start()
        if self._executor is None or not await self._wait_started():
            return None
        try:
            task = self._executor.submit(photo_worker.inspect_files, str(root), files, ocr)
            evidence, analysed, reused = await asyncio.wrap_future(task)
        except (BrokenProcessPool, RuntimeError, CancelledError) as exc:
            if not self._broken:
                self._broken = True
                logger.error("photo pool stopped (%s): photos on the stage's threads now", exc)
            return None
        self.pooled += 1
        self.analysed += analysed
        self.reused += reused
        return evidence

    def close(self) -> None:
        """One user is done; the last one stops the workers."""
        self._users -= 1
        if self._users > 0:
            return
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        self.closed = True
