"""The console built from settings: Secure cookies behind https, limits shared in the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.config import AlertsConfig
from alerts.store import AlertStore
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from markwatch.console_wiring import build_console
from markwatch.settings import load_settings


@pytest.mark.parametrize(
    ("table", "secure"),
    [
        ('[alerts]\nconsole_url = "https://markwatch.example"\n', True),
        ('[alerts]\nconsole_url = "http://127.0.0.1:8000"\n', False),
        (
            '[alerts]\nconsole_url = "https://markwatch.example"\n'
            "[console]\nsecure_cookies = false\n",
            False,
        ),  # an explicit choice wins (e.g. TLS ends at a proxy on the same host)
    ],
)
def test_secure_cookies_follow_an_https_console_url(
    tmp_path: Path, table: str, secure: bool
) -> None:
    config_file = tmp_path / "markwatch.toml"
    config_file.write_text(table, encoding="utf-8")
    settings = load_settings(config_file, environ={"MARKWATCH_DATA_DIR": str(tmp_path)})
    store = AlertStore(
        settings.alerts_db_path, config=AlertsConfig.from_mapping(settings.section("alerts"))
    )
    index = SqliteIndex(tmp_path / "index.sqlite3", Tokenizer([]))
    deps = build_console(settings, index, store)
    assert deps.config.secure_cookies is secure
    assert deps.limiter.engine is not None  # counters in the database, shared by processes
    index.close()
    store.close()
