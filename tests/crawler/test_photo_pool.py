"""Photo analysis in worker processes: the evidence the image stage's threads give, and
the threads again when the workers are off or die."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import signal
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from alerts.store import AlertStore
from crawler.components import ImageStage, PipelineComponents
from crawler.photo_pool import SETTING, PhotoPool
from crawler.photo_worker import read_and_inspect
from detectors import Detector, load_catalog
from detectors.image.references import load_reference_dirs
from detectors.types import ImageEvidence
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from markwatch.images import InspectorRecipe, ThreadLocalInspector
from testbed.images import artwork_photo, packaging_photo, plain_photo

WORKER_START_S = 120.0


def _stage(realworld_root: Path, images_root: Path) -> ImageStage:
    references = load_reference_dirs([realworld_root / "images"])
    inspector = ThreadLocalInspector(references, workers=1)
    return ImageStage(
        inspector, inspector.executor, images_root, ("人参",), recipe=InspectorRecipe(references)
    )


def _photos(root: Path) -> list[tuple[str, str]]:
    photos = {
        "art.jpg": artwork_photo("pool-1", "冰墩墩"),
        "pack.jpg": packaging_photo("pool-2", "长白山人参"),
        "plain.jpg": plain_photo("pool-3"),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, data in photos.items():
        (root / name).write_bytes(data)
    files = [(f"http://127.0.0.1/img/{name}", name) for name in photos]
    return [*files, ("http://127.0.0.1/img/gone.jpg", "gone.jpg")]  # never stored


def _started(pool: PhotoPool) -> list[int]:
    assert not pool.ready and not pool._started  # nothing spawned before the first photo
    pool.start()
    pids = [f.result(timeout=WORKER_START_S) for f in pool._started]  # no sleep
    assert pool.ready
    return pids


def test_worker_evidence_is_the_threads_evidence(realworld_root: Path, tmp_path: Path) -> None:
    stage = _stage(realworld_root, tmp_path / "images")
    files = _photos(stage.images_root)
    threads = read_and_inspect(stage.inspector, stage.images_root, files, True)
    pool = PhotoPool(stage, 1)
    pool._users = 1
    try:
        _started(pool)
        pooled = asyncio.run(pool.inspect(stage.images_root, files, True))
        again = asyncio.run(pool.inspect(stage.images_root, files[:1], False))
    finally:
        pool.close()
        stage.executor.shutdown()
    assert pooled is not None and again is not None
    # Each matcher builds its FLANN index with its own random tables: the marks and the
    # text read must agree, scores and corners may differ in the last digits.
    assert [(e.image, e.ocr_text, e.error) for e in pooled] == [
        (e.image, e.ocr_text, e.error) for e in threads
    ]
    assert [{m.mark for m in e.insignia} for e in pooled] == [
        {m.mark for m in e.insignia} for e in threads
    ]
    assert "冰墩墩" in {m.mark for m in pooled[0].insignia}
    assert "长白山人参" in pooled[1].ocr_text.replace("\n", "")
    assert pooled[3].error.startswith("not readable")
    # The worker counts what it analysed; the art photo without OCR is a new question.
    assert (pool.pooled, pool.analysed, pool.reused) == (2, 4, 0)


@pytest.mark.parametrize("failure", ["killed", "start raises"])
def test_workers_that_die_or_cannot_start_hand_the_photos_back(
    realworld_root: Path, tmp_path: Path, failure: str
) -> None:
    stage = _stage(realworld_root, tmp_path / "images")
    files = _photos(stage.images_root)
    if failure == "start raises":  # in the worker's initializer: int("not a recipe")
        stage = dataclasses.replace(stage, recipe=functools.partial(int, "not a recipe"))
    pool = PhotoPool(stage, 1)
    pool._users = 1
    try:
        if failure == "killed":
            for pid in _started(pool):
                os.kill(pid, signal.SIGKILL)
        # None: the caller analyses these on the stage's threads, and so from now on.
        assert asyncio.run(pool.inspect(stage.images_root, files, False)) is None
        assert not pool.ready
        assert asyncio.run(pool.inspect(stage.images_root, files, False)) is None
    finally:
        pool.close()
        stage.executor.shutdown()
    assert pool.pooled == 0


def test_pool_off_or_without_a_recipe_is_not_configured(
    realworld_root: Path, tmp_path: Path
) -> None:
    stage = _stage(realworld_root, tmp_path / "images")

    def components(images: ImageStage | None) -> PipelineComponents:
        return PipelineComponents(
            Detector(load_catalog()),
            SqliteIndex(tmp_path / "index.sqlite3", Tokenizer()),
            AlertStore(tmp_path / "alerts.sqlite3"),
            images=images,
        )

    try:
        with pytest.raises(NotConfigured):
            PhotoPool.from_crawler(get_crawler(settings_dict={SETTING: 0}), components(stage))
        no_recipe = ImageStage(stage.inspector, stage.executor, stage.images_root)
        with pytest.raises(NotConfigured):
            PhotoPool.from_crawler(get_crawler(settings_dict={SETTING: 1}), components(no_recipe))
        with pytest.raises(NotConfigured):
            PhotoPool.from_crawler(get_crawler(settings_dict={SETTING: 1}), components(None))
    finally:
        stage.executor.shutdown()


def test_first_photos_wait_for_the_worker(realworld_root: Path, tmp_path: Path) -> None:
    """While the worker starts, photos wait for it: the crawl process builds no matcher."""
    stage = _stage(realworld_root, tmp_path / "images")
    files = _photos(stage.images_root)
    pool = PhotoPool(stage, 1)
    pool._users = 1

    async def two_listings() -> list[list[ImageEvidence] | None]:
        # Both arrive before the worker is up (spawning it takes a second or more).
        return list(
            await asyncio.gather(
                pool.inspect(stage.images_root, files[:1], False),
                pool.inspect(stage.images_root, files[2:3], False),
            )
        )

    try:
        found = asyncio.run(two_listings())
    finally:
        pool.close()
        stage.executor.shutdown()
    assert all(f is not None for f in found)
    assert pool.pooled == 2 and pool.analysed == 2
    assert stage.inspector.analysed == 0 and stage.inspector._matcher is None
