"""DingTalk group robot (钉钉群机器人) through apprise's `dingtalk://` scheme."""

from __future__ import annotations

from typing import Any

from alerts.channels.options import Option
from alerts.channels.robot import RobotChannel

TYPE = "dingtalk"
OPTIONS = (
    Option("token", required=True, secret=True, help="access_token of the robot webhook"),
    Option("secret", secret=True, help="signing secret (加签) when the robot has one"),
)


def apprise_url(options: dict[str, Any]) -> str:
    if options["secret"]:
        return f"dingtalk://{options['secret']}@{options['token']}/"
    return f"dingtalk://{options['token']}/"


def build(name: str, options: dict[str, Any]) -> RobotChannel:
    return RobotChannel(name, apprise_url(options), (options["token"], options["secret"]))
