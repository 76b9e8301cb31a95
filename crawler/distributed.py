"""Distributed crawling on scrapy-redis: one shared frontier and duplicate filter in Redis.

Plain scrapy-redis pops a request off the shared queue and forgets it: if the worker
that popped it is killed, the request is gone (and the duplicate filter keeps anybody
else from scheduling it again). `ReliableRedisScheduler` makes the hand-over reliable:

- popping moves the request atomically (a Lua script) into the worker's *in-flight*
  hash `<prefix>:<spider>:inflight:<worker>`;
- the entry is deleted only once the response (or the final download failure) has been
  fully processed, items included, so a killed worker never loses finished work;
- every worker keeps a heartbeat key alive (`<prefix>:<spider>:worker:<worker>`, with a
  TTL); an idle worker that finds an in-flight hash whose owner has no heartbeat claims
  it (RENAME, so only one worker wins) and schedules those requests again;
- a worker does not close while the queue or anyone's in-flight hash holds work.

A request that was in flight when its worker died is fetched again (at-least-once): the
stores downstream are idempotent (alerts are unique per listing and mark, index upserts),
so this costs a fetch, never a duplicate alert.

Each crawl run uses its own key prefix (`MARKWATCH_FRONTIER`): the duplicate filter of
yesterday's run must not hide today's pages. Resuming a killed crawl = starting a worker
with the same prefix.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler.components import injected

logger = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN_META = "markwatch_frontier_token"

# redis-py re-sends a command when the connection drops before its reply arrives, so
# every frontier write must be safe to run twice. Both scripts are.

# Record the fingerprint and queue the request in one step. Run twice (the reply of the
# first run lost), the second run finds the fingerprint and does nothing: the request is
# queued exactly once. Separate SADD and ZADD would lose it (SADD's retry answers "seen").
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Pop the best request and record it as in flight in one step, so a worker killed
# between the two can never lose it. The field is the SHA-1 of the encoded request.
# ARGV[1] is the caller's attempt id: a repeated attempt (its reply was lost) gets the
# request that attempt popped, instead of popping a second one that nobody would fetch.
_POP_TO_INFLIGHT = """
local last = redis.call('HMGET', KEYS[3], 'attempt', 'token')
if last[1] == ARGV[1] then
  local held = redis.call('HGET', KEYS[2], last[2])
  if held then return {last[2], held} end
end
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local token = redis.sha1hex(r[1])
redis.call('HSET', KEYS[2], token, r[1])
redis.call('HSET', KEYS[3], 'attempt', ARGV[1], 'token', token)
return {token, r[1]}
"""


class FrontierOps:
    """The frontier's Redis writes for one worker, each safe to repeat (see the scripts).

    `pop` keeps its attempt id until an attempt returns: an attempt that raised may
    still have popped, and the next call asks for that same request."""

    def __init__(
        self, server: redis.Redis, *, dupefilter_key: str, queue_key: str, inflight_key: str,
        last_pop_key: str,
    ) -> None:  # fmt: skip
        self.server = server
        self.dupefilter_key = dupefilter_key
        self.queue_key = queue_key
        self.inflight_key = inflight_key
        self.last_pop_key = last_pop_key
        self._enqueue = server.register_script(_ENQUEUE)
        self._pop = server.register_script(_POP_TO_INFLIGHT)
        self._attempt = uuid.uuid4().hex

    def push(self, data: bytes, priority: int, fingerprint: str | None) -> bool:
        """Queue an encoded request; False when its fingerprint was already seen."""
        keys = [self.dupefilter_key, self.queue_key]
        return bool(self._enqueue(keys=keys, args=[fingerprint or "", -priority, data]))

    def pop(self) -> tuple[str, bytes] | None:
        keys = [self.queue_key, self.inflight_key, self.last_pop_key]
        popped = self._pop(keys=keys, args=[self._attempt])
        if not popped:
            return None
        self._attempt = uuid.uuid4().hex
        return popped[0].decode(), popped[1]


@dataclass(frozen=True)
class FrontierConfig:
    """Where the shared frontier lives and how workers judge each other alive."""

    redis_url: str = DEFAULT_REDIS_URL
    prefix: str = "markwatch"
    max_idle_s: int = 10  # close after this long with no work anywhere
    heartbeat_ttl_s: float = 10.0  # a worker silent this long is considered dead
    worker_id: str = ""

    def __post_init__(self) -> None:
        if self.heartbeat_ttl_s <= 0 or self.max_idle_s < 0:
            raise ValueError("heartbeat_ttl_s must be > 0 and max_idle_s >= 0")
        if not self.prefix or any(c in self.prefix for c in "%{} "):
            raise ValueError(f"frontier prefix {self.prefix!r} must be a plain key prefix")

    @classmethod
    def from_scrapy(cls, settings: BaseSettings) -> FrontierConfig:
        return cls(
            redis_url=settings.get("REDIS_URL") or DEFAULT_REDIS_URL,
            prefix=settings.get("MARKWATCH_FRONTIER") or cls.prefix,
            max_idle_s=settings.getint("MAX_IDLE_TIME_BEFORE_CLOSE", cls.max_idle_s),
            heartbeat_ttl_s=settings.getfloat("MARKWATCH_WORKER_TTL", cls.heartbeat_ttl_s),
            worker_id=settings.get("MARKWATCH_WORKER_ID") or "",
        )

    def start_urls_key(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:start_urls"

    def queue_key(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:requests"

    def inflight_key(self, spider: str, worker: str) -> str:
        return f"{self.prefix}:{spider}:inflight:{worker}"

    def heartbeat_key(self, spider: str, worker: str) -> str:
        return f"{self.prefix}:{spider}:worker:{worker}"

    def last_pop_key(self, spider: str, worker: str) -> str:
        # Not under `inflight:`, which reclaiming scans for other workers' hashes.
        return f"{self.prefix}:{spider}:lastpop:{worker}"


def redis_settings(config: FrontierConfig) -> dict[str, Any]:
    """The Scrapy settings that put a crawl on the shared Redis frontier."""
    return {
        "SCHEDULER": "crawler.distributed.ReliableRedisScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the frontier outlives any one worker
        "REDIS_URL": config.redis_url,
        "SCHEDULER_QUEUE_KEY": f"{config.prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{config.prefix}:%(spider)s:dupefilter",
        "REDIS_START_URLS_KEY": f"{config.prefix}:%(name)s:start_urls",
        "MAX_IDLE_TIME_BEFORE_CLOSE": config.max_idle_s,
        "MARKWATCH_FRONTIER": config.prefix,
        "MARKWATCH_WORKER_TTL": config.heartbeat_ttl_s,
        "MARKWATCH_WORKER_ID": config.worker_id,
    }


def seed(client: redis.Redis, config: FrontierConfig, spider: str, urls: Iterable[str]) -> int:
    """Push start URLs as JSON requests (the format scrapy-redis documents)."""
    payloads = [json.dumps({"url": url}) for url in urls]
    if payloads:
        client.rpush(config.start_urls_key(spider), *payloads)
    return len(payloads)


def frontier_keys(client: redis.Redis, config: FrontierConfig) -> list[str]:
    return sorted(k.decode() for k in client.scan_iter(match=f"{config.prefix}:*"))


def clear_frontier(client: redis.Redis, config: FrontierConfig) -> int:
    keys = frontier_keys(client, config)
    return int(client.delete(*keys)) if keys else 0


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class ReliableRedisScheduler(Scheduler):
    """scrapy-redis scheduler whose popped requests survive the death of their worker."""

    crawler: Crawler
    config: FrontierConfig

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReliableRedisScheduler:
        instance = cast(ReliableRedisScheduler, super().from_crawler(crawler))
        instance.crawler = crawler
        instance.config = FrontierConfig.from_scrapy(crawler.settings)
        instance.worker_id = instance.config.worker_id or _default_worker_id()
        instance._heartbeat = None
        instance._unsent = []
        return instance

    worker_id: str
    _heartbeat: LoopingCall | None
    # Links found while Redis was unreachable: kept here and pushed once it answers again,
    # instead of being dropped with the error (a callback's requests have no other copy).
    _unsent: list[Request]

    # -- lifecycle -------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        super().open(spider)
        name = spider.name
        self.inflight_key = self.config.inflight_key(name, self.worker_id)
        self.heartbeat_key = self.config.heartbeat_key(name, self.worker_id)
        self.ops = FrontierOps(
            self.server,
            dupefilter_key=self.df.key,
            queue_key=self.queue.key,
            inflight_key=self.inflight_key,
            last_pop_key=self.config.last_pop_key(name, self.worker_id),
        )
        components = injected(self.crawler)
        if components is not None:
            # An ack promises the listing is stored; the index pipeline's write buffer
            # would die with a killed worker, so on the shared frontier it writes through.
            components.index_chunk_size = 1
        self._beat()
        self._heartbeat = LoopingCall(self._beat)
        self._heartbeat.start(max(0.2, self.config.heartbeat_ttl_s / 4), now=False)
        self.crawler.signals.connect(self._hook_scraper, signal=signals.spider_opened)
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        logger.info("frontier worker %s on %s", self.worker_id, self.config.prefix)

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        # A clean exit drops the heartbeat at once, so any work still in flight here
        # (a shutdown mid-crawl) is reclaimed by the others without waiting for the TTL.
        self.server.delete(self.heartbeat_key, self.ops.last_pop_key)
        super().close(reason)

    def _beat(self) -> None:
        self.server.set(self.heartbeat_key, b"1", px=int(self.config.heartbeat_ttl_s * 1000))

    def _hook_scraper(self) -> None:
        # Scrapy has no signal for "this response and all its items are done"; the
        # scraper slot's finish_response is that moment for responses and download
        # failures alike (it runs after the item pipelines), so the ack hangs off it.
        slot = self.crawler.engine.scraper.slot if self.crawler.engine else None
        if slot is None:
            raise RuntimeError("scraper slot missing: Scrapy internals changed")
        original: Callable[[Response | Failure, Request], None] = slot.finish_response

        def finish_response(result: Response | Failure, request: Request) -> None:
            try:
                original(result, request)
            finally:
                self.ack(request)

        setattr(slot, "finish_response", finish_response)  # noqa: B010 (wraps a method)

    # -- queue -----------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        try:
            queued = self.ops.push(
                self.queue._encode_request(request), request.priority, fingerprint
            )
        except redis.ConnectionError as exc:
            if not self._unsent:
                logger.warning("frontier unreachable (%s): holding new requests locally", exc)
            self._unsent.append(request)
            if self.stats:
                self.stats.inc_value("frontier/held_while_down")
            return True
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _push_unsent(self) -> None:
        """Hand the held requests to the frontier; keeps them if Redis is still down.

        They bypass the duplicate filter: a fingerprint may have been recorded before the
        push failed, and an extra fetch is better than a lost listing."""
        while self._unsent:
            try:
                self.queue.push(self._unsent[0])
            except redis.ConnectionError:
                return
            self._unsent.pop(0)
        logger.info("frontier reachable again: held requests pushed")

    def has_pending_requests(self) -> bool:
        return bool(self._unsent) or bool(super().has_pending_requests())

    def next_request(self) -> Request | None:
        if self._unsent:
            self._push_unsent()
        popped = self.ops.pop()
        if popped is None:
            return None
        token, data = popped
        request: Request = self.queue._decode_request(data)
        previous = request.meta.get(TOKEN_META)
        if previous and previous != token:
            # A retry or redirect of a request we held: it replaces the earlier entry.
            self.server.hdel(self.inflight_key, previous)
        request.meta[TOKEN_META] = token
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def ack(self, request: Request) -> None:
        token = request.meta.get(TOKEN_META)
        if token:
            self.server.hdel(self.inflight_key, token)

    # -- failure recovery ------------------------------------------------------
    def reclaim_dead(self) -> list[Request]:
        """Take over the in-flight work of workers whose heartbeat expired."""
        name = self.spider.name
        pattern = self.config.inflight_key(name, "*")
        reclaimed: list[Request] = []
        for raw_key in self.server.scan_iter(match=pattern):
            key = raw_key.decode()
            worker = key.rsplit(":", 1)[1]
            if worker == self.worker_id or ":claim-" in key:
                continue
            if self.server.exists(self.config.heartbeat_key(name, worker)):
                continue
            claim = f"{key}:claim-{uuid.uuid4().hex[:8]}"
            try:
                self.server.rename(key, claim)  # atomic: exactly one reclaimer wins
            except redis.ResponseError:
                continue  # someone else took it
            for data in self.server.hvals(claim):
                request = self.queue._decode_request(data)
                # Its fingerprint is already in the duplicate filter: bypass it.
                reclaimed.append(request.replace(dont_filter=True))
            self.server.delete(claim)
            logger.warning(
                "reclaimed %d in-flight requests of dead worker %s", len(reclaimed), worker
            )
        if reclaimed and self.stats:
            self.stats.inc_value("frontier/reclaimed", len(reclaimed))
        return reclaimed

    def frontier_busy(self) -> bool:
        """Work left anywhere: queued, or in flight at another worker (alive or not)."""
        if len(self.queue) > 0:
            return True
        pattern = self.config.inflight_key(self.spider.name, "*")
        for raw_key in self.server.scan_iter(match=pattern):
            if raw_key.decode() != self.inflight_key and self.server.hlen(raw_key):
                return True
        return False

    def _on_idle(self) -> None:
        if self._unsent:
            self._push_unsent()
            if self._unsent:
                raise DontCloseSpider("requests held until the frontier is reachable")
        engine = self.crawler.engine
        for request in self.reclaim_dead():
            if engine is not None:
                engine.crawl(request)
        # Locally idle means nothing of ours is in progress: entries left in our own
        # hash were superseded (e.g. by a redirect) and would block closing forever.
        leaked = self.server.hlen(self.inflight_key)
        if leaked:
            logger.warning("dropping %d stale in-flight entries of this worker", leaked)
            self.server.delete(self.inflight_key)
        if self.frontier_busy():
            raise DontCloseSpider("frontier still has work")
