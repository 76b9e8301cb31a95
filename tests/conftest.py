"""Service fixtures shared by the test suite: where Elasticsearch and Redis are.

`scripts/services.sh up` starts both and `scripts/test.sh` exports their URLs. A test that
needs a service skips when it is missing on a developer's machine, and fails under CI
(CI=true), where a missing service means the provisioning is broken.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
REACH_TIMEOUT_S = 3.0


def _service_missing(what: str, url: str, why: str) -> None:
    message = f"{what} not reachable at {url} ({why}); start it with: bash scripts/services.sh up"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _es_health(url: str) -> str:
    """The cluster status (green/yellow/red), raising OSError when there is no answer."""
    first = url.split(",")[0].rstrip("/")
    with urllib.request.urlopen(f"{first}/_cluster/health", timeout=REACH_TIMEOUT_S) as resp:
        return str(json.load(resp).get("status", ""))


def _redis_ping(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 6379)
    with socket.create_connection(address, timeout=REACH_TIMEOUT_S) as sock:
        sock.sendall(b"PING\r\n")
        reply = sock.recv(64)
    if not reply.startswith(b"+PONG"):
        raise OSError(f"unexpected PING reply {reply!r}")


@pytest.fixture(scope="session")
def es_url() -> str:
    url = os.environ.get("MARKWATCH_ES_URL") or DEFAULT_ES_URL
    try:
        status = _es_health(url)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        _service_missing("Elasticsearch", url, str(exc))
    if status not in ("green", "yellow"):
        _service_missing("Elasticsearch", url, f"cluster status {status!r}")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("MARKWATCH_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        _redis_ping(url)
    except OSError as exc:
        _service_missing("Redis", url, str(exc))
    return url


@pytest.fixture
def es_index_prefix(es_url: str) -> Iterator[str]:
    """A prefix unique to this test; its indices and aliases are deleted afterwards."""
    prefix = f"mwtest-{uuid.uuid4().hex[:10]}-"
    yield prefix
    first = es_url.split(",")[0].rstrip("/")
    request = urllib.request.Request(
        f"{first}/{prefix}*?ignore_unavailable=true&expand_wildcards=all", method="DELETE"
    )
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except (OSError, urllib.error.URLError):
        pass  # the server may be down after a fault test; names are unique anyway


@pytest.fixture(scope="session")
def realworld_root() -> Path:
    """The shared third-party data folder (`shared/realworld` beside the checkout).

    Skips on a developer's machine without it; fails under CI, where it is always laid out.
    """
    from testbed.realworld import RealWorldDataMissing, realworld_dir

    try:
        return realworld_dir()
    except RealWorldDataMissing as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


# -- PostgreSQL: MARKWATCH_TEST_PG_URL (scripts/test.sh exports it from
# `scripts/postgres.sh up`); without it the throwaway cluster is started here and stopped at
# the end. When that fails PostgreSQL cases skip, or fail under CI=true.

POSTGRES_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"


def _pg_unavailable(why: str) -> None:
    message = f"PostgreSQL unavailable ({why}); start it with: bash scripts/postgres.sh up"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _script(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(POSTGRES_SCRIPT), command],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = os.environ.get("MARKWATCH_TEST_PG_URL")
    started_here = False
    if not url:
        started_here = _script("status").returncode != 0
        up = _script("up")
        lines = [ln for ln in up.stdout.splitlines() if ln.startswith("MARKWATCH_TEST_PG_URL=")]
        if up.returncode != 0 or not lines:
            _pg_unavailable(up.stderr.strip().splitlines()[-1] if up.stderr.strip() else "no URL")
        url = lines[0].split("=", 1)[1]
    try:
        yield url
    finally:
        if started_here:
            _script("down")


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"mwtest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _pg_unavailable(str(exc).splitlines()[0])
    try:
        yield (
            sa.engine.make_url(pg_server_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
