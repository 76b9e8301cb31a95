"""The Redis that scripts/services.sh provisions answers PING and keeps what it is given."""

from __future__ import annotations

import uuid

import pytest
import redis

pytestmark = pytest.mark.services


def test_ping_and_round_trip(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    key = f"mwtest:{uuid.uuid4().hex}"
    try:
        assert client.ping() is True
        client.set(key, "长白山人参".encode(), ex=60)
        assert client.get(key) == "长白山人参".encode()
    finally:
        client.delete(key)
        client.close()
