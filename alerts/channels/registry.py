"""Channel types by name, and building a channel from its configuration table."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from alerts.channels import Channel, dingtalk, email, feishu, webhook, wecom
from alerts.channels.options import ChannelConfigError, parse_options

CHANNEL_MODULES: dict[str, ModuleType] = {
    module.TYPE: module for module in (webhook, email, dingtalk, wecom, feishu)
}


def channel_options(name: str, table: Mapping[str, Any]) -> tuple[ModuleType, dict[str, Any]]:
    """Validate a `[alerts.channels.NAME]` table: its `type` and that type's options."""
    kind = table.get("type")
    if kind not in CHANNEL_MODULES:
        raise ChannelConfigError(
            f"channel {name!r}: type must be one of {', '.join(sorted(CHANNEL_MODULES))}, "
            f"not {kind!r}"
        )
    module = CHANNEL_MODULES[kind]
    raw = {k: v for k, v in table.items() if k != "type"}
    return module, parse_options(name, module.OPTIONS, raw)


def build_channel(name: str, table: Mapping[str, Any]) -> Channel:
    module, options = channel_options(name, table)
    channel: Channel = module.build(name, options)
    return channel
