"""The `[alerts]` configuration, parsed once into frozen dataclasses.

```toml
[alerts]
webhook_urls = ["https://staff.example/hook"]   # read by Settings: every alert, unsigned
console_url = "https://markwatch.example"       # base of alert and evidence links
lease_seconds = 120                              # a claimed message's lease while sending
digest_timezone = "Asia/Shanghai"                # digests cover one calendar day here

[alerts.retry]             # max_attempts, base_seconds, max_seconds, jitter
[alerts.repeat_infringer]  # threshold (confirmed alerts), window_days

[alerts.channels.ginseng-hook]
type = "webhook"            # webhook | email | dingtalk | wecom | feishu
url = "https://association.example/markwatch"
secret = "…"

[[alerts.watchlists]]
name = "changbaishan"
owner = "长白山人参协会"
marks = ["长白山人参"]
channels = ["ginseng-hook"]
```
Unknown keys are errors that name the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.channels.options import ChannelConfigError
from alerts.channels.registry import channel_options
from alerts.watchlists import Watchlist, WatchlistError


class AlertsConfigError(ValueError):
    """A bad `[alerts]` table; the message names the key."""


@dataclass(frozen=True, slots=True)
class RetryConfig:
    max_attempts: int = 6
    base_seconds: float = 2.0
    max_seconds: float = 600.0
    jitter: float = 0.25


@dataclass(frozen=True, slots=True)
class RepeatInfringerConfig:
    threshold: int = 3  # confirmed alerts ...
    window_days: int = 365  # ... within this many days make a repeat infringer


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    name: str
    type: str
    table: Mapping[str, Any] = field(repr=False)  # validated; holds secrets: never log it


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    console_url: str = "http://127.0.0.1:8000"
    lease_seconds: float = 120.0
    digest_timezone: str = "Asia/Shanghai"
    retry: RetryConfig = field(default_factory=RetryConfig)
    repeat_infringer: RepeatInfringerConfig = field(default_factory=RepeatInfringerConfig)
    channels: tuple[ChannelConfig, ...] = ()
    watchlists: tuple[Watchlist, ...] = ()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> AlertsConfig:
        known = {
            "webhook_urls",
            "console_url",
            "lease_seconds",
            "digest_timezone",
            "retry",
            "repeat_infringer",
            "channels",
            "watchlists",
        }
        _no_unknown("alerts", table, known)
        retry = _section("alerts.retry", table.get("retry", {}), RetryConfig)
        repeat = _section(
            "alerts.repeat_infringer", table.get("repeat_infringer", {}), RepeatInfringerConfig
        )
        channels = _channels(table.get("channels", {}))
        watchlists = _watchlists(table.get("watchlists", []), {c.name for c in channels})
        config = cls(
            console_url=str(table.get("console_url", "http://127.0.0.1:8000")).rstrip("/"),
            lease_seconds=_number("alerts.lease_seconds", table.get("lease_seconds", 120.0)),
            digest_timezone=str(table.get("digest_timezone", "Asia/Shanghai")),
            retry=retry,
            repeat_infringer=repeat,
            channels=channels,
            watchlists=watchlists,
        )
        try:
            ZoneInfo(config.digest_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise AlertsConfigError(
                f"alerts.digest_timezone: unknown time zone {config.digest_timezone!r}"
            ) from None
        if config.lease_seconds <= 0:
            raise AlertsConfigError("alerts.lease_seconds must be positive")
        return config


def _no_unknown(where: str, table: Mapping[str, Any], known: set[str]) -> None:
    if not isinstance(table, Mapping):
        raise AlertsConfigError(f"{where} must be a table")
    for key in table:
        if key not in known:
            raise AlertsConfigError(f"{where}: unknown key {key!r}")


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AlertsConfigError(f"{where} must be a number, not {value!r}")
    return float(value)


def _section(where: str, table: Any, kind: type[Any]) -> Any:
    defaults = kind()
    _no_unknown(where, table, set(kind.__dataclass_fields__))
    values = {}
    for key, value in table.items():
        number = _number(f"{where}.{key}", value)
        values[key] = int(number) if isinstance(getattr(defaults, key), int) else number
    return kind(**values)


def _channels(table: Any) -> tuple[ChannelConfig, ...]:
    if not isinstance(table, Mapping):
        raise AlertsConfigError("alerts.channels must be a table of channel tables")
    out = []
    for name, channel in table.items():
        if not isinstance(channel, Mapping):
            raise AlertsConfigError(f"alerts.channels.{name} must be a table")
        try:
            module, _options = channel_options(name, channel)
        except ChannelConfigError as exc:
            raise AlertsConfigError(f"alerts.channels.{name}: {exc}") from None
        out.append(ChannelConfig(name=name, type=module.TYPE, table=dict(channel)))
    return tuple(out)


def _watchlists(items: Any, channel_names: set[str]) -> tuple[Watchlist, ...]:
    if not isinstance(items, list):
        raise AlertsConfigError("alerts.watchlists must be an array of tables")
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            raise AlertsConfigError("alerts.watchlists entries must be tables")
        try:
            watchlist = Watchlist.from_mapping(item)
        except (WatchlistError, TypeError) as exc:
            raise AlertsConfigError(f"alerts.watchlists: {exc}") from None
        for channel in watchlist.channels:
            if channel not in channel_names:
                raise AlertsConfigError(
                    f"alerts.watchlists: {watchlist.name!r} names unknown channel {channel!r}"
                )
        out.append(watchlist)
    names = [w.name for w in out]
    if len(names) != len(set(names)):
        raise AlertsConfigError("alerts.watchlists: two watchlists share a name")
    return tuple(out)
