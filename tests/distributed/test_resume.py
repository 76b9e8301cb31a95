"""SIGKILL a crawl and resume it from the Redis frontier: nothing lost, nothing doubled."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import redis

pytestmark = pytest.mark.services
CRAWL_TIMEOUT_S = 120
SPIDER = "taobao_redis"


def test_killed_crawl_resumes_without_refetching_finished_work(crawl_env: Any) -> None:
    env = crawl_env
    client = redis.Redis.from_url(env.frontier.redis_url)
    first = env.start_worker("first")
    deadline = time.monotonic() + CRAWL_TIMEOUT_S
    while len(env.indexed_ids()) < len(env.truth_ids) // 2:
        assert time.monotonic() < deadline and first.poll() is None, env.log("first")[-2000:]
        time.sleep(0.05)  # polling interval
    first.kill()  # SIGKILL: no chance to save anything
    first.wait(timeout=30)
    done_before = env.indexed_ids()
    inflight = list(client.hvals(env.frontier.inflight_key(SPIDER, "first")))
    fetched_before = Counter(env.fetches.counts)

    resumed = env.start_worker("resumed")
    assert resumed.wait(timeout=CRAWL_TIMEOUT_S) == 0, env.log("resumed")[-3000:]

    assert env.indexed_ids() == env.truth_ids
    # Finished work is not fetched again; only what was in flight at the kill may be
    # (an in-flight item page brings its listing photos along: those are not frontier pages).
    refetched = {
        p
        for p, n in env.fetches.counts.items()
        if fetched_before[p] and n > fetched_before[p] and p != "/robots.txt" and "/img/" not in p
    }
    assert all(any(p.encode() in entry for entry in inflight) for p in refetched), refetched
    assert len(refetched) <= len(inflight)
    assert len(done_before) >= len(env.truth_ids) // 2
    # Alerts are one per (listing, mark): the resumed crawl re-sighted, never doubled them.
    keys = env.alert_keys()
    assert keys and len(keys) == len(set(keys))
    client.close()
