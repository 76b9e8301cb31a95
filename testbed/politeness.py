"""What makes the replicas hard to crawl politely: 429s with Retry-After, a login wall,
a robots.txt, an endless calendar, and a log of what each client asked for.

Everything is deterministic so tests can assert on it: which URLs answer 429 (once)
and which item pages sit behind the login wall depend only on the URL or item id.
"""

from __future__ import annotations

import html
import threading
import time
import zlib
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

ROBOTS_TXT = (
    "User-agent: *\n"
    "Disallow: /_admin/\n"
    # A faceted-search space that never ends; polite crawlers stay out.
    "Disallow: /jlshop/search\n"
)

# The session a logged-in browser holds; staff export it to a cookies file.
SESSION_COOKIE = "cookie2"
SESSION_VALUE = "markwatch-testbed-session"
LOGIN_PATH = "/tmall/login.htm"
# Everything under this prefix needs the session; a stale session cookie gets the slider.
GATED_PREFIX = "/gated"

# The calendar trap starts here and links a month on either side, forever.
CALENDAR_START = (2024, 1)


@dataclass(frozen=True)
class PolitenessRules:
    """Which requests meet which obstacle. `every` values pick ids/URLs by CRC32."""

    throttle_prefix: str = "/tmall/"
    throttle_every: int = 15  # one URL in `throttle_every` answers 429 the first time
    retry_after_s: int = 1
    wall_every: int = 7  # one Tmall item page in `wall_every` needs a session


def _bucket(text: str, every: int) -> bool:
    return every > 0 and zlib.crc32(text.encode("utf-8")) % every == 0


def login_walled(item_id: str, rules: PolitenessRules) -> bool:
    return _bucket(f"wall:{item_id}", rules.wall_every)


def has_session(cookie_header: str | None) -> bool:
    if not cookie_header:
        return False
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return False
    morsel = jar.get(SESSION_COOKIE)
    return morsel is not None and morsel.value == SESSION_VALUE


class FirstHitThrottle:
    """Answers "throttle" the first time a chosen URL is asked for, never again."""

    def __init__(self, rules: PolitenessRules) -> None:
        self.rules = rules
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def should_throttle(self, path_and_query: str) -> bool:
        if not path_and_query.startswith(self.rules.throttle_prefix):
            return False
        if not _bucket(f"429:{path_and_query}", self.rules.throttle_every):
            return False
        with self._lock:
            if path_and_query in self._seen:
                return False
            self._seen.add(path_and_query)
            return True


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # time.monotonic()
    target: str  # the request-target as sent: a path, or an absolute URL via a proxy
    path: str  # path and query
    status: int
    cookie: str


class RequestLog:
    """Every request the testbed answered, in order; thread-safe."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def now() -> float:
    return time.monotonic()


def login_page(redirect: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>登录 - 天猫</title></head>'
        '<body><form id="J_LoginForm" action="/tmall/login.htm" method="post">'
        f'<input type="hidden" name="redirectURL" value="{html.escape(redirect)}">'
        '<input name="TPL_username"><input name="TPL_password" type="password">'
        "<button>登录</button></form></body></html>"
    )


def slider_page() -> str:
    """The "please slide to verify" page Alibaba shows a session it no longer trusts."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>验证码拦截</title></head>'
        '<body><div id="baxia-dialog-content"><div class="nc-container">'
        '<span id="nc_1_n1z" class="nc_iconfont btn_slide">&gt;</span>'
        '<div class="scale_text">请按住滑块，拖动到最右边</div></div></div></body></html>'
    )


def calendar_page(year: int, month: int, visit: int) -> str:
    """An events calendar: every month links the previous and the next one.

    The links carry a tracking parameter that changes on every page view, the way
    real sites tag links, so only a crawler that canonicalises URLs sees repeats.
    """
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    spm = f"a2e0b.cal.{visit}"
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>活动日历 {year}年{month}月</title></head><body>"
        f"<h1>{year}年{month}月 活动</h1>"
        f'<a class="prev" href="/jlshop/calendar?month={prev_y}-{prev_m:02d}&spm={spm}">上个月</a>'
        f'<a class="next" href="/jlshop/calendar?month={next_y}-{next_m:02d}&spm={spm}">下个月</a>'
        "</body></html>"
    )
