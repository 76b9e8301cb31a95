"""Logged-in browser sessions: where they are kept, how spiders reuse them, and how a
crawl notices that one has run out (login wall, slider captcha, expired session).

A session is a Playwright storage state (`{"cookies": [...], "origins": [...]}`) at
`<data dir>/sessions/<platform>.json`, written owner-only (0600) by `markwatch login`.
Browser-driven spiders open their Chromium context with it; plain-HTTP spiders can import
the same file as their cookies (MARKWATCH_COOKIES_FILE reads its "cookies" list).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro

from crawler.health import FATAL_STAT, expired_message

logger = logging.getLogger(__name__)

DIR_SETTING = "MARKWATCH_SESSIONS_DIR"
BLOCKED_STAT = "markwatch/session_blocked"
EXPIRED_STAT = "markwatch/session_expired"  # the platform whose session ran out
# Tmall and 1688 log in with a Taobao account; the session is Taobao's.
ACCOUNT_OF = {"tmall": "taobao", "taobao": "taobao", "ali1688": "taobao", "1688": "taobao"}

# Where the platforms send a visitor without a (valid) session.
_LOGIN_URLS = (
    "login.taobao.com",
    "login.tmall.com",
    "login.1688.com",
    "passport.jd.com",
    "plogin.m.jd.com",
    "mobile.yangkeduo.com/login.html",
    "/login.htm",
)
# Page markers: Taobao/Tmall's login form, Alibaba's slider ("nc_1_n1z", the "baxia"
# punish dialog, x5sec/punish pages), JD's risk-handler page, generic slider text.
_LOGIN_MARKERS = (b'id="J_LoginForm"', b'id="login-form"', b"passport.jd.com/new/login")
_CAPTCHA_MARKERS = (
    b"nc_1_n1z",
    b"baxia-dialog",
    b"/punish?x5secdata",
    b"x5sec",
    b"risk_handler",
    "滑动验证".encode(),
    "请按住滑块".encode(),
)

# The same, as CSS for a browser page to wait on.
BLOCK_SELECTORS = "#J_LoginForm, #login-form, #nc_1_n1z, #baxia-dialog-content"


def session_message(platform: str) -> str:
    return expired_message(ACCOUNT_OF.get(platform, platform))


def session_path(directory: Path, platform: str) -> Path:
    return directory / f"{ACCOUNT_OF.get(platform, platform)}.json"


def blocked_by(url: str, body: bytes) -> str | None:
    """ "login_wall", "captcha" or None for one response."""
    head = body[:50_000]
    if any(m in head for m in _CAPTCHA_MARKERS):
        return "captcha"
    if any(marker in url for marker in _LOGIN_URLS) or any(m in head for m in _LOGIN_MARKERS):
        return "login_wall"
    return None


# -- storage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BrowserCookie:
    domain: str
    name: str
    value: str
    path: str = "/"


def storage_state(cookies: Iterable[BrowserCookie]) -> dict[str, Any]:
    """Playwright's storage-state shape for imported cookies (no expiry: a session)."""
    return {
        "cookies": [
            {
                "name": c.name,
                "value": c.value,
                "domain": c.domain,
                "path": c.path or "/",
                "expires": -1,
                "httpOnly": False,
                "secure": False,
                "sameSite": "Lax",
            }
            for c in cookies
        ],
        "origins": [],
    }


def save_state(path: Path, state: Mapping[str, Any]) -> Path:
    """Atomically, owner-only: the file holds someone's logged-in session."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def sessions_dir(settings: BaseSettings) -> Path:
    # `markwatch crawl` sets it from the data directory; a bare crawl uses ./data.
    configured = settings.get(DIR_SETTING) or settings.get("MARKWATCH_DATA_DIR")
    if settings.get(DIR_SETTING):
        return Path(configured)
    return Path(configured or "data") / "sessions"


def use_session(settings: BaseSettings, platform: str) -> Path | None:
    """For a browser-driven spider's `update_settings`: open Chromium with the stored
    session when there is one."""
    path = session_path(sessions_dir(settings), platform)
    if not path.is_file():
        return None
    contexts = dict(settings.getdict("PLAYWRIGHT_CONTEXTS"))
    default = dict(contexts.get("default") or {})
    default["storage_state"] = str(path)
    contexts["default"] = default
    settings.set("PLAYWRIGHT_CONTEXTS", contexts, priority="spider")
    settings.set("MARKWATCH_SESSION_FILE", str(path), priority="spider")
    return path


# -- detection --------------------------------------------------------------------------


class SessionWatchMiddleware:
    """Downloader middleware: counts responses that are a login wall or a slider. When the
    crawl relies on a session (one is in use, or the spider sets `needs_session`), the
    first such page ends the crawl: the health check and `markwatch crawl` then say
    "session expired: run markwatch login <platform>" instead of a silent zero."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.session_in_use = bool(
            settings.get("MARKWATCH_SESSION_FILE") or settings.get("MARKWATCH_COOKIES_FILE")
        )
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SessionWatchMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if request.meta.get("markwatch_evidence"):
            return response
        kind = blocked_by(response.url, response.body)
        if kind is None:
            return response
        stats = self.crawler.stats
        spider = spider or self.crawler.spider
        if stats:
            stats.inc_value(BLOCKED_STAT)
            stats.inc_value(f"{BLOCKED_STAT}/{kind}")
        needs = self.session_in_use or bool(getattr(spider, "needs_session", False))
        if needs and not self.closing and spider is not None:
            platform = str(getattr(spider, "session_platform", spider.name.split("_")[0]))
            message = session_message(platform)
            logger.error("%s on %s: %s", kind.replace("_", " "), response.url, message)
            if stats:
                stats.set_value(EXPIRED_STAT, ACCOUNT_OF.get(platform, platform))
                stats.set_value(FATAL_STAT, message)
            self.closing = True
            engine = self.crawler.engine
            if engine is not None:  # scheduled, not awaited: this download is still open
                deferred_from_coro(engine.close_spider_async(reason="session_expired"))
        return response
