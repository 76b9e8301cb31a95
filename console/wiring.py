"""Builds the console's dependencies from the shared components and the settings."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from alerts.netguard import UrlPolicy
from alerts.store import AlertStore
from console.auth import AuthStore
from console.backend import ConsoleBackend
from console.config import ConsoleConfig
from console.console_store import ConsoleStore
from console.ratelimit import LoginRateLimiter
from console.tables import console_engine
from console.web import ConsoleDeps
from indexer.base import SearchIndex
from markwatch.images import list_uploads, save_upload, uploads_dir
from markwatch.scheduler import CrawlHistory
from markwatch.settings import Settings


def crawl_runs_reader(settings: Settings) -> Callable[[int], Sequence[Any]]:
    history_path = settings.data_dir / "schedule" / "history.sqlite3"

    def recent(limit: int) -> Sequence[Any]:
        if not history_path.exists():
            return []
        history = CrawlHistory(history_path)
        try:
            return history.recent(limit)
        finally:
            history.close()

    return recent


def build_console(
    settings: Settings, index: SearchIndex, store: AlertStore, catalog: Any = None
) -> ConsoleDeps:
    """The console's tables live in the store-of-record database (URL or SQLite file)."""
    config = ConsoleConfig.from_mapping(settings.section("console"))
    engine = console_engine(settings.db_url or settings.alerts_db_path)
    backend = ConsoleBackend(
        index,
        store,
        settings.evidence_dir,
        ConsoleStore(engine),
        catalog,
        UrlPolicy.from_urls(settings.allowed_hosts),
        crawl_runs=crawl_runs_reader(settings),
    )
    return ConsoleDeps(
        backend=backend,
        auth=AuthStore(engine, session_hours=config.session_hours),
        config=config,
        limiter=LoginRateLimiter(config.login_max_failures, config.login_window_seconds),
        save_reference=functools.partial(save_upload, uploads_dir(settings)),
        list_references=functools.partial(list_uploads, uploads_dir(settings)),
    )
