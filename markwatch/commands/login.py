"""`markwatch login PLATFORM`: store a logged-in browser session for the crawls.

With a display, opens Chromium at the platform's login page for a person to log in and
saves the browser's storage state when they close the window. Without one (a server),
imports the cookies they exported from their own browser (`--cookies FILE`: Netscape
cookies.txt or JSON). Either way the session lands in `<data dir>/sessions/<account>.json`,
owner-only, where browser-driven spiders pick it up.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from crawler.browser import CHROMIUM_ARGS, chromium_path
from crawler.middlewares import load_cookies
from crawler.sessions import ACCOUNT_OF, BrowserCookie, save_state, session_path, storage_state
from markwatch.settings import Settings

NAME = "login"
HELP = "store a logged-in browser session (Chromium, or cookies exported from a browser)"

LOGIN_PAGES = {
    "taobao": "https://login.taobao.com/",
    "jd": "https://passport.jd.com/new/login.aspx",
    "pdd": "https://mobile.yangkeduo.com/login.html",
}
PLATFORMS = sorted({*LOGIN_PAGES, *ACCOUNT_OF})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("platform", choices=PLATFORMS)
    parser.add_argument("--cookies", type=Path, help="cookies exported from your browser")
    parser.add_argument("--url", help="login page to open (default: the platform's)")
    parser.add_argument(
        "--headless-import",
        action="store_true",
        help="never open a browser, even where a display exists",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    account = ACCOUNT_OF.get(args.platform, args.platform)
    target = session_path(settings.data_dir / "sessions", account)
    if args.cookies is not None:
        try:
            cookies = load_cookies(args.cookies)
        except (OSError, ValueError, KeyError) as exc:
            print(f"markwatch login: cannot read {args.cookies}: {exc}", file=sys.stderr)
            return 2
        if not cookies:
            print(f"markwatch login: no cookies in {args.cookies}", file=sys.stderr)
            return 2
        state = storage_state(BrowserCookie(c.domain, c.name, c.value, c.path) for c in cookies)
        save_state(target, state)
        print(f"session for {account}: {len(cookies)} cookies imported into {target}")
        return 0
    display = {k: v for k, v in os.environ.items() if k in ("DISPLAY", "WAYLAND_DISPLAY") and v}
    if args.headless_import or not display:
        print(
            f"markwatch login: no display here; log in to {account} in your own browser, "
            f"export its cookies, then: markwatch login {args.platform} --cookies FILE",
            file=sys.stderr,
        )
        return 2
    return _headed(account, args.url or LOGIN_PAGES.get(account, ""), target)


def _headed(account: str, url: str, target: Path) -> int:
    from playwright.sync_api import Error, sync_playwright

    executable = chromium_path()
    if executable is None:
        print("markwatch login: no Chromium installed (scripts/setup.sh)", file=sys.stderr)
        return 2
    print(f"log in to {account} in the browser window, then close it", file=sys.stderr)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable, headless=False, args=list(CHROMIUM_ARGS)
        )
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(url)
            page.wait_for_event("close", timeout=0)  # the person closes the tab when done
        except Error:
            pass  # the window was closed mid-navigation: the context still holds the state
        state = context.storage_state()
        browser.close()
    save_state(target, state)
    print(f"session for {account}: {len(state.get('cookies', []))} cookies saved to {target}")
    return 0
