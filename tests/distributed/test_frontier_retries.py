"""Frontier writes survive a connection that drops after Redis ran a command but before
its reply arrived: redis-py reconnects and sends the command again, so each write must
be safe to run twice. A loopback proxy between the client and the real Redis swallows
exactly one reply; without retry-safe scripts the first test loses a request (the SADD
retry answers "seen") and the second strands one in the in-flight hash."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
import redis
from scrapy.settings import Settings
from scrapy_redis.connection import get_redis_from_settings

from crawler.distributed import FrontierConfig, FrontierOps, redis_settings


@dataclass
class ReplyDroppingProxy:
    """TCP proxy to Redis that, once armed, forwards the next command carrying `marker`
    and closes the client's connection instead of relaying Redis's answer."""

    upstream: tuple[str, int]
    marker: bytes = b""
    dropped: int = 0
    listener: socket.socket = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"

    def arm(self, marker: bytes) -> None:
        with self.lock:
            self.marker = marker

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        server = socket.create_connection(self.upstream)
        doomed = threading.Event()  # the next answer on this connection is swallowed
        threading.Thread(target=self._answers, args=(server, client, doomed), daemon=True).start()
        try:
            while chunk := client.recv(65536):
                with self.lock:
                    if self.marker and self.marker in chunk:
                        self.marker = b""
                        doomed.set()  # before Redis can answer
                server.sendall(chunk)
        except OSError:
            pass
        finally:
            server.close()

    def _answers(
        self, server: socket.socket, client: socket.socket, doomed: threading.Event
    ) -> None:
        try:
            while reply := server.recv(65536):
                if doomed.is_set():
                    with self.lock:
                        self.dropped += 1
                    return  # Redis has run the command; the client never hears back
                client.sendall(reply)
        except OSError:
            pass
        finally:
            client.shutdown(socket.SHUT_RDWR)
            client.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(redis_url: str) -> Iterator[ReplyDroppingProxy]:
    parsed = urlparse(redis_url)
    proxy = ReplyDroppingProxy((parsed.hostname or "127.0.0.1", parsed.port or 6379))
    yield proxy
    proxy.close()


@pytest.fixture
def ops(proxy: ReplyDroppingProxy, redis_url: str) -> Iterator[tuple[FrontierOps, redis.Redis]]:
    prefix = f"mwretry-{uuid.uuid4().hex[:8]}"
    # The client the scheduler gets: scrapy-redis's, from our frontier settings (its
    # defaults make redis-py retry once after a dropped connection).
    settings = Settings(redis_settings(FrontierConfig(redis_url=proxy.url, prefix=prefix)))
    client = get_redis_from_settings(settings)
    frontier = FrontierOps(
        client,
        dupefilter_key=f"{prefix}:dupefilter",
        queue_key=f"{prefix}:requests",
        inflight_key=f"{prefix}:inflight:w1",
        last_pop_key=f"{prefix}:lastpop:w1",
    )
    direct = redis.Redis.from_url(redis_url)
    # Scripts are loaded up front so the armed marker meets the EVALSHA itself.
    frontier.push(b"warm-up", 0, None)
    frontier.pop()
    direct.delete(frontier.inflight_key, frontier.last_pop_key)
    yield frontier, direct
    direct.delete(
        frontier.dupefilter_key, frontier.queue_key, frontier.inflight_key, frontier.last_pop_key
    )
    direct.close()
    client.close()


def test_a_push_whose_reply_is_lost_is_queued_once(
    ops: tuple[FrontierOps, redis.Redis], proxy: ReplyDroppingProxy
) -> None:
    frontier, direct = ops
    proxy.arm(b"fp-7")  # the fingerprint travels with the first write of a push
    frontier.push(b"listing-7", 0, "fp-7")
    assert proxy.dropped == 1, "the proxy did not drop the reply: the test proves nothing"
    assert direct.zrange(frontier.queue_key, 0, -1) == [b"listing-7"]
    assert frontier.push(b"listing-7", 0, "fp-7") is False  # now it is a duplicate


def test_a_pop_whose_reply_is_lost_hands_over_the_same_request(
    ops: tuple[FrontierOps, redis.Redis], proxy: ReplyDroppingProxy
) -> None:
    frontier, direct = ops
    for n in range(3):
        frontier.push(f"listing-{n}".encode(), 0, f"fp-{n}")
    proxy.arm(b"EVALSHA")
    first = frontier.pop()
    assert proxy.dropped == 1, "the proxy did not drop the reply: the test proves nothing"
    assert first is not None and first[1] == b"listing-0"
    # Exactly the popped request is in flight; nothing else left the queue.
    assert direct.hvals(frontier.inflight_key) == [b"listing-0"]
    assert direct.zcard(frontier.queue_key) == 2
    second = frontier.pop()
    assert second is not None and second[1] == b"listing-1"
    assert sorted(direct.hvals(frontier.inflight_key)) == [b"listing-0", b"listing-1"]
