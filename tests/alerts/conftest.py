"""Alert-store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from MARKWATCH_TEST_PG_URL (scripts/test.sh exports it from
`scripts/postgres.sh up`); without it this conftest starts the throwaway cluster itself and
stops it at the end. When that fails the PostgreSQL cases skip, or fail under CI=true.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
POSTGRES_SCRIPT = REPO / "scripts" / "postgres.sh"


def _unavailable(why: str) -> None:
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
            _unavailable(up.stderr.strip().splitlines()[-1] if up.stderr.strip() else "no URL")
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
        _unavailable(str(exc).splitlines()[0])
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the alert store lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "alerts.sqlite3")
    return str(request.getfixturevalue("pg_url"))
