"""Worker processes end with the crawl process that started them.

A ProcessPoolExecutor worker waits on its call queue, and under spawn every worker holds
a write end of that queue itself, so a parent killed outright (SIGKILL, the OOM killer)
never closes it: the worker would wait forever, holding its hundreds of megabytes. Each
worker started by crawler.pool, crawler.photo_pool or crawler.writer watches its parent and
leaves when it is gone (re-parented: the parent id changes).
"""

from __future__ import annotations

import os
import threading
import time

WATCH_INTERVAL_S = 1.0


def exit_with_parent(interval_s: float = WATCH_INTERVAL_S) -> threading.Thread:
    """Start the watch (a daemon thread) in this worker; returns it."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(0)  # nothing of the dead crawl's work is left to hand back

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
