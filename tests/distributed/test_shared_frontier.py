"""Two crawler processes on one Redis frontier: no fetch twice, nothing lost on SIGKILL."""

from __future__ import annotations

from typing import Any

import pytest
import redis

pytestmark = pytest.mark.services
CRAWL_TIMEOUT_S = 120
SPIDER = "taobao_redis"


def test_two_workers_crawl_the_replica_once_and_completely(crawl_env: Any) -> None:
    env = crawl_env
    workers = [env.start_worker(w) for w in ("w1", "w2")]
    codes = [_finish(w) for w in workers]

    assert codes == [0, 0], [env.log(w)[-2000:] for w in ("w1", "w2")]
    assert env.indexed_ids() == env.truth_ids
    assert env.fetches.duplicates() == {}
    assert env.fetches.item_fetches() == len(env.truth_ids)
    # The frontier really is shared: both workers scraped items.
    for w in ("w1", "w2"):
        assert "'item_scraped_count'" in env.log(w)


def test_a_killed_workers_requests_are_finished_by_the_other(crawl_env: Any) -> None:
    env = crawl_env
    client = redis.Redis.from_url(env.frontier.redis_url)
    victim = env.start_worker("victim")
    survivor = env.start_worker("survivor")

    _wait_for(lambda: len(env.indexed_ids()) >= len(env.truth_ids) // 3, "progress")
    victim.kill()  # SIGKILL
    victim.wait(timeout=30)
    # Only the dead worker's in-flight requests may be fetched a second time.
    inflight = list(client.hvals(env.frontier.inflight_key(SPIDER, "victim")))
    assert _finish(survivor) == 0, env.log("survivor")[-3000:]

    assert env.indexed_ids() == env.truth_ids
    # An in-flight item page brings its listing photos along: those are not frontier pages.
    refetched = {p for p in env.fetches.duplicates() if "/img/" not in p}
    assert len(refetched) <= len(inflight)
    assert all(any(path.encode() in entry for entry in inflight) for path in refetched)
    assert "reclaimed" in env.log("survivor")
    client.close()


def _finish(process: Any) -> int:
    return int(process.wait(timeout=CRAWL_TIMEOUT_S))


def _wait_for(condition: Any, what: str, timeout: float = CRAWL_TIMEOUT_S) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)  # polling interval
