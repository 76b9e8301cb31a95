"""Feishu group robot (飞书群机器人) through apprise's `feishu://` scheme."""

from __future__ import annotations

from typing import Any

from alerts.channels.options import Option
from alerts.channels.robot import RobotChannel

TYPE = "feishu"
OPTIONS = (Option("token", required=True, secret=True, help="hook token of the robot"),)


def apprise_url(options: dict[str, Any]) -> str:
    return f"feishu://{options['token']}"


def build(name: str, options: dict[str, Any]) -> RobotChannel:
    return RobotChannel(name, apprise_url(options), (options["token"],))
