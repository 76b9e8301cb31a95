"""Builds the console's dependencies from the shared components and the settings.

Part of the composition root: the console itself never imports markwatch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from alerts.store import AlertStore
from console.auth import AuthStore
from console.backend import ConsoleBackend
from console.console_store import ConsoleStore
from console.ratelimit import LoginRateLimiter
from console.tables import console_engine
from console.web import ConsoleDeps
from indexer.base import SearchIndex
from markwatch.images import list_uploads, save_upload, uploads_dir
from markwatch.scheduler import CrawlHistory, history_target
from markwatch.settings import Settings
from netpolicy import AddressPolicy


def crawl_runs_reader(settings: Settings) -> Callable[[int], Sequence[Any]]:
    target = history_target(settings.data_dir, settings.db_url)

    def recent(limit: int) -> Sequence[Any]:
        if isinstance(target, Path) and not target.exists():
            return []
        history = CrawlHistory(target)
        try:
            return history.recent(limit)
        finally:
            history.close()

    return recent


def build_console(
    settings: Settings, index: SearchIndex, store: AlertStore, catalog: Any = None
) -> ConsoleDeps:
    """The console's tables live in the store-of-record database (URL or SQLite file)."""
    config = settings.console
    if config.secure_cookies is None:  # not set: Secure exactly when served over HTTPS
        https = store.config.console_url.startswith("https://")
        config = replace(config, secure_cookies=https)
    engine = console_engine(settings.db_url or settings.alerts_db_path)
    backend = ConsoleBackend(
        index,
        store,
        settings.evidence_dir,
        ConsoleStore(engine),
        catalog,
        AddressPolicy.from_hosts(settings.allowed_hosts),
        crawl_runs=crawl_runs_reader(settings),
    )
    return ConsoleDeps(
        backend=backend,
        auth=AuthStore(engine, session_hours=config.session_hours),
        config=config,
        limiter=LoginRateLimiter(
            config.login_max_failures,
            config.login_window_seconds,
            delay_seconds=config.login_delay_seconds,
            engine=engine,  # shared by every console process on this database
        ),
        save_reference=functools.partial(save_upload, uploads_dir(settings)),
        list_references=functools.partial(list_uploads, uploads_dir(settings)),
    )
