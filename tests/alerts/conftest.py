"""Alert-store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL databases come from the `pg_url` fixture of tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the alert store lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "alerts.sqlite3")
    return str(request.getfixturevalue("pg_url"))
