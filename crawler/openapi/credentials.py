"""App keys and secrets: `[platforms.<name>] app_key/app_secret` in the config, overridden by
MARKWATCH_<NAME>_APP_KEY / MARKWATCH_<NAME>_APP_SECRET. Never logged: repr hides both."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SETTING = "MARKWATCH_PLATFORM_CREDENTIALS"  # Scrapy setting: {"taobao": Credentials, ...}


class MissingCredentials(ValueError):
    def __init__(self, platform: str) -> None:
        self.platform = platform
        up = platform.upper()
        super().__init__(
            f"no {platform} API credentials: set MARKWATCH_{up}_APP_KEY and "
            f"MARKWATCH_{up}_APP_SECRET, or [platforms.{platform}] app_key/app_secret"
        )


@dataclass(frozen=True)
class Credentials:
    platform: str
    app_key: str = field(repr=False)
    app_secret: str = field(repr=False)

    def __deepcopy__(self, memo: dict[int, object]) -> Credentials:
        return self  # Scrapy deep-copies settings; this is immutable

    def __str__(self) -> str:
        return f"Credentials({self.platform}, ***)"


def from_config(platforms: Mapping[str, Any]) -> dict[str, Credentials]:
    """The `[platforms.*]` tables of the config, as a Scrapy setting value."""
    out = {}
    for name, table in platforms.items():
        if isinstance(table, Mapping) and table.get("app_key") and table.get("app_secret"):
            out[name] = Credentials(name, str(table["app_key"]), str(table["app_secret"]))
    return out


def resolve(
    platform: str,
    configured: Mapping[str, Any] | None,
    env: Mapping[str, str] | None = None,
) -> Credentials:
    """Environment first, then the config's table; MissingCredentials when neither has both."""
    env = os.environ if env is None else env
    up = platform.upper()
    conf = (configured or {}).get(platform)
    key = env.get(f"MARKWATCH_{up}_APP_KEY") or (conf.app_key if conf else "")
    secret = env.get(f"MARKWATCH_{up}_APP_SECRET") or (conf.app_secret if conf else "")
    if not key or not secret:
        raise MissingCredentials(platform)
    return Credentials(platform, key, secret)
