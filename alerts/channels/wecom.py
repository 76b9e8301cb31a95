"""WeCom group robot (企业微信群机器人) through apprise's `wecombot://` scheme."""

from __future__ import annotations

from typing import Any

from alerts.channels.options import Option
from alerts.channels.robot import RobotChannel, check_token
from netpolicy import AddressPolicy

TYPE = "wecom"
ENDPOINT = "qyapi.weixin.qq.com"
OPTIONS = (Option("key", required=True, secret=True, help="key= of the robot webhook"),)


def apprise_url(options: dict[str, Any]) -> str:
    return f"wecombot://{options['key']}"


def check(options: dict[str, Any], policy: AddressPolicy) -> None:
    """The address policy at save and load time (BlockedAddress when refused)."""
    policy.check_host(ENDPOINT, 443)


def build(name: str, options: dict[str, Any], policy: AddressPolicy) -> RobotChannel:
    check_token(name, options["key"] or "")
    return RobotChannel(
        name, apprise_url(options), (options["key"],), endpoint=ENDPOINT, policy=policy
    )
