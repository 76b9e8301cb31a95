"""The one error a page parser raises."""

from __future__ import annotations


class ParseError(ValueError):
    """A page or API response a parser cannot read; names the platform and why."""

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(f"{platform}: {reason}")
        self.platform = platform
        self.reason = reason
