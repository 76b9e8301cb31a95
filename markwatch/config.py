"""The configuration file's typed tree: one pydantic model per TOML table, unknown keys refused.

`load_settings` (markwatch/settings.py) validates the whole file once against `ConfigFile`
and turns every problem into one `ConfigError` carrying the key path (`detector.typo`).
The components receive plain frozen dataclasses built from these models, so none of them
depends on pydantic or parses configuration itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from detectors.config import DEFAULT_WEIGHTS


class ConfigError(ValueError):
    """Bad configuration: `path` is the dotted key (`detector.typo`), `problem` what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class _Table(BaseModel):
    # strict: a TOML string is not silently turned into a number or a flag.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Positive = Annotated[float, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Unit = Annotated[float, Field(ge=0, le=1)]


class MarkwatchTable(_Table):
    data_dir: str = "data"
    index: Literal["sqlite", "elasticsearch"] = "sqlite"
    db_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    catalog_dirs: list[str] = []
    reference_dirs: list[str] = []  # insignia reference galleries (manifest per directory)
    images: bool = True
    allowed_hosts: list[str] = []
    admin_user: str | None = None
    admin_password: str | None = None


class ElasticsearchTable(_Table):
    urls: list[str] = ["http://127.0.0.1:9200"]
    api_key: str | None = None
    basic_auth: tuple[str, str] | None = None
    ca_file: str | None = None
    prefix: str = "markwatch-"


class CrawlTable(_Table):
    cookies_file: str | None = None  # a logged-in session (Netscape or JSON export)
    proxy: str = ""
    incremental: bool = False  # drop listings whose content has not changed


class RetryTable(_Table):
    max_attempts: PositiveInt = 6
    base_seconds: Positive = 2.0
    max_seconds: Positive = 600.0
    jitter: Unit = 0.25


class RepeatInfringerTable(_Table):
    threshold: PositiveInt = 3
    window_days: PositiveInt = 365


class AlertsTable(_Table):
    webhook_urls: list[str] = []
    console_url: str = "http://127.0.0.1:8000"
    lease_seconds: Positive = 120.0
    digest_timezone: str = "Asia/Shanghai"
    retry: RetryTable = RetryTable()
    repeat_infringer: RepeatInfringerTable = RepeatInfringerTable()
    # Each channel's options depend on its type: checked by the channel registry.
    channels: dict[str, dict[str, Any]] = {}
    watchlists: list[dict[str, Any]] = []

    @field_validator("digest_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class DetectorTable(_Table):
    suspicious_threshold: Unit = 0.5
    infringing_threshold: Unit = 0.8
    max_gap_chars: NonNegativeInt = 6
    fuzzy_max_edits: NonNegativeInt = 1
    fuzzy_min_letters: NonNegativeInt = 9
    weights: dict[str, Unit] = {}

    @field_validator("weights")
    @classmethod
    def _known_codes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(
                f"unknown reason code {unknown[0]!r} (known: {', '.join(DEFAULT_WEIGHTS)})"
            )
        return value


class ConsoleTable(_Table):
    session_hours: Positive = 12.0
    secure_cookies: bool | None = None  # left out: follow alerts.console_url
    login_max_failures: PositiveInt = 5
    login_window_seconds: Positive = 300.0
    login_delay_seconds: Positive = 2.0
    page_size: PositiveInt = 20
    trusted_proxies: list[str] = []  # X-Forwarded-For is read only from these addresses


class EvidenceTable(_Table):
    images: bool = True
    screenshots: bool = True
    max_images: NonNegativeInt = 8
    buffer_size: PositiveInt = 1024
    screenshot_timeout_s: Positive = 20.0
    tsa_url: str = ""  # RFC 3161 time-stamping authority
    tsa_ca_file: str = ""
    tsa_cert_file: str = ""


class JobTable(_Table):
    name: str
    spider: str
    cron: str
    keywords: list[str] = []
    jitter_s: NonNegativeInt = 0
    missed: Literal["once", "skip"] = "once"
    args: dict[str, str] = {}
    settings: dict[str, str] = {}


class ScheduleTable(_Table):
    jobs: list[JobTable] = []
    poll_s: Positive = 5.0


class PlatformKeysTable(_Table):
    app_key: str = ""
    app_secret: str = ""


class PlatformsTable(_Table):
    """Open-platform API keys (`markwatch crawl taobao_api` …); never logged."""

    taobao: PlatformKeysTable = PlatformKeysTable()
    jd: PlatformKeysTable = PlatformKeysTable()
    pdd: PlatformKeysTable = PlatformKeysTable()


class ConfigFile(_Table):
    """The whole file. Every table is optional; every key has a default."""

    markwatch: MarkwatchTable = MarkwatchTable()
    elasticsearch: ElasticsearchTable = ElasticsearchTable()
    crawl: CrawlTable = CrawlTable()
    alerts: AlertsTable = AlertsTable()
    detector: DetectorTable = DetectorTable()
    console: ConsoleTable = ConsoleTable()
    evidence: EvidenceTable = EvidenceTable()
    schedule: ScheduleTable = ScheduleTable()
    platforms: PlatformsTable = PlatformsTable()


SECTIONS: tuple[str, ...] = tuple(ConfigFile.model_fields)
