"""WeCom group robot (企业微信群机器人) through apprise's `wecombot://` scheme."""

from __future__ import annotations

from typing import Any

from alerts.channels.options import Option
from alerts.channels.robot import RobotChannel

TYPE = "wecom"
OPTIONS = (Option("key", required=True, secret=True, help="key= of the robot webhook"),)


def apprise_url(options: dict[str, Any]) -> str:
    return f"wecombot://{options['key']}"


def build(name: str, options: dict[str, Any]) -> RobotChannel:
    return RobotChannel(name, apprise_url(options), (options["key"],))
