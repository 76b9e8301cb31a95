"""Feishu group robot (飞书群机器人) through apprise's `feishu://` scheme."""

from __future__ import annotations

from typing import Any

from alerts.channels.options import Option
from alerts.channels.robot import RobotChannel, check_token
from netpolicy import AddressPolicy

TYPE = "feishu"
ENDPOINT = "open.feishu.cn"
OPTIONS = (Option("token", required=True, secret=True, help="hook token of the robot"),)


def apprise_url(options: dict[str, Any]) -> str:
    return f"feishu://{options['token']}"


def check(options: dict[str, Any], policy: AddressPolicy) -> None:
    """The address policy at save and load time (BlockedAddress when refused)."""
    policy.check_host(ENDPOINT, 443)


def build(name: str, options: dict[str, Any], policy: AddressPolicy) -> RobotChannel:
    check_token(name, options["token"] or "")
    return RobotChannel(
        name, apprise_url(options), (options["token"],), endpoint=ENDPOINT, policy=policy
    )
