"""Detection and photo workers end when the crawl process that started them is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# A crawl process in miniature: both pools, their workers up, then blocked until killed.
_CRAWL = r"""
import json, sys
from pathlib import Path
from crawler.components import ImageStage
from crawler.photo_pool import PhotoPool
from crawler.pool import DetectionPool
from detectors import Detector, load_catalog
from markwatch.images import InspectorRecipe, ThreadLocalInspector

detection = DetectionPool(Detector(load_catalog()), 1)
inspector = ThreadLocalInspector((), workers=1)
stage = ImageStage(inspector, inspector.executor, Path("."), recipe=InspectorRecipe(()))
photos = PhotoPool(stage, 1)
photos.start()
print(json.dumps([f.result(timeout=120) for f in detection._started + photos._started]), flush=True)
sys.stdin.read()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # exited, not yet reaped by whoever adopted it


def test_workers_leave_when_their_crawl_process_is_killed() -> None:
    crawl = subprocess.Popen(
        [sys.executable, "-c", _CRAWL],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    workers: list[int] = []
    try:
        assert crawl.stdout is not None
        workers = json.loads(crawl.stdout.readline())
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in workers if _alive(pid)]
        assert not left, f"workers {left} outlived the killed crawl process"
    finally:
        crawl.kill()
        for pid in workers:  # a failed run leaves nothing behind either
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
