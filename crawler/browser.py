"""The system Chromium (Debian's package; no browser is downloaded) and how we launch it."""

from __future__ import annotations

import shutil

# Root in a container needs --no-sandbox; background networking would reach out to
# Google's hosts, which this network refuses.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
