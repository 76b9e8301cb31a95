"""DingTalk group robot (钉钉群机器人) through apprise's `dingtalk://` scheme."""

from __future__ import annotations

from typing import Any

from alerts.channels.options import Option
from alerts.channels.robot import RobotChannel, check_token
from netpolicy import AddressPolicy

TYPE = "dingtalk"
ENDPOINT = "oapi.dingtalk.com"
OPTIONS = (
    Option("token", required=True, secret=True, help="access_token of the robot webhook"),
    Option("secret", secret=True, help="signing secret (加签) when the robot has one"),
)


def apprise_url(options: dict[str, Any]) -> str:
    if options["secret"]:
        return f"dingtalk://{options['secret']}@{options['token']}/"
    return f"dingtalk://{options['token']}/"


def check(options: dict[str, Any], policy: AddressPolicy) -> None:
    """The address policy at save and load time (BlockedAddress when refused)."""
    policy.check_host(ENDPOINT, 443)


def build(name: str, options: dict[str, Any], policy: AddressPolicy) -> RobotChannel:
    check_token(name, options["token"] or "")
    check_token(name, options["secret"] or "")
    return RobotChannel(
        name,
        apprise_url(options),
        (options["token"], options["secret"]),
        endpoint=ENDPOINT,
        policy=policy,
    )
