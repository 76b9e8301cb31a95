"""What every platform client gives the spider: signed request parameters, a parsed page of
listings, or an ApiError saying what went wrong and whether waiting helps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal, Protocol

from crawler.openapi.credentials import Credentials
from detectors.types import Listing

# Both Chinese platforms stamp requests in Beijing time.
BEIJING = timezone(timedelta(hours=8))

ErrorKind = Literal["signature", "permission", "credentials", "timestamp", "rate_limit", "other"]
FATAL: frozenset[str] = frozenset({"signature", "permission", "credentials", "timestamp"})


class ApiError(Exception):
    """An error answer of the platform: `kind` decides stop (fatal) vs back off vs log."""

    def __init__(
        self,
        platform: str,
        kind: ErrorKind,
        code: str,
        message: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{platform} API {kind} error (code {code}): {message}")
        self.platform = platform
        self.kind = kind
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL


@dataclass(frozen=True)
class ApiPage:
    listings: tuple[Listing, ...]
    total: int | None  # results the platform says the search has, when it says
    page: int
    page_size: int

    @property
    def has_more(self) -> bool:
        if not self.listings:
            return False
        if self.total is not None:
            return self.page * self.page_size < self.total
        return len(self.listings) >= self.page_size


class PlatformClient(Protocol):
    platform: str  # listing ids are "<platform>:<id>"
    credentials_name: str  # MARKWATCH_<NAME>_APP_KEY
    path: str  # the gateway path under base_url
    page_size: int

    def params(
        self, creds: Credentials, keyword: str, page: int, now: datetime
    ) -> dict[str, str]: ...

    def parse(self, body: bytes, page: int) -> ApiPage: ...


def ban_seconds(text: str, default: float = 1.0) -> float:
    """TOP's sub_msg "This ban will last for 3 more seconds" (and similar): the wait."""
    digits = [int(tok) for tok in text.replace(",", " ").split() if tok.isdigit()]
    return float(digits[0]) if digits else default


def params_repr(params: Mapping[str, str]) -> str:
    """For debug logs: everything but the key and the signature."""
    hidden = {"app_key", "client_id", "sign", "access_token"}
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in hidden)
