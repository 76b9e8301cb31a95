"""Channel types by name, and building a channel from its configuration table."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from alerts.channels import Channel, dingtalk, email, feishu, webhook, wecom
from alerts.channels.options import ChannelConfigError, parse_options
from netpolicy import AddressPolicy

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


def check_channel(name: str, table: Mapping[str, Any], policy: AddressPolicy) -> None:
    """Validate the table and its targets against the address policy (BlockedAddress)."""
    module, options = channel_options(name, table)
    module.check(options, policy)


def build_channel(
    name: str, table: Mapping[str, Any], policy: AddressPolicy | None = None
) -> Channel:
    """Build a channel that checks its targets again at connect time.

    Without a policy the targets the table names are trusted (the operator wrote them into
    the configuration file); channels rights holders saved get the strict policy.
    """
    module, options = channel_options(name, table)
    if policy is None:
        policy = AddressPolicy().allowing(*_targets(module, options))
    channel: Channel = module.build(name, options, policy)
    return channel


def _targets(module: ModuleType, options: Mapping[str, Any]) -> list[str]:
    if module is webhook:
        return [str(options["url"])]
    if module is email:
        return [f"{options['host']}:{options['port']}"]
    return [f"{module.ENDPOINT}:443"]
