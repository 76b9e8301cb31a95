"""Configuration: a TOML file plus MARKWATCH_* environment variables, validated once.

With nothing set, everything runs embedded under one data directory. Environment variables
win over the file so operators can override per process. The file is checked against the
typed tree in markwatch/config.py; every problem is one `ConfigError` naming the key path.
This is the only module that reads the process environment for configuration.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from alerts.config import AlertsConfig, AlertsConfigError
from console.config import ConsoleConfig
from crawler.evidence.config import EvidenceConfig
from detectors.config import DEFAULT_WEIGHTS, DetectorConfig
from markwatch.config import ConfigError, ConfigFile
from markwatch.scheduler import JobSpec, ScheduleConfig, ScheduleError

DEFAULT_CONFIG_FILE = "markwatch.toml"
SettingsError = ConfigError  # the earlier name, kept for callers


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    index_backend: str = "sqlite"  # "sqlite" | "elasticsearch"
    es_urls: tuple[str, ...] = ("http://127.0.0.1:9200",)
    es_api_key: str | None = None
    es_basic_auth: tuple[str, str] | None = None
    es_ca_file: Path | None = None
    es_prefix: str = "markwatch-"  # index/alias name prefix, so several deployments can share
    db_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    webhook_urls: tuple[str, ...] = ()
    catalog_dirs: tuple[Path, ...] = ()
    # Reference galleries of the insignia (images + manifest.toml), see detectors.image.references
    reference_dirs: tuple[Path, ...] = ()
    images: bool = True  # look inside listing photos (insignia matching, OCR)
    # host:port pairs exempt from the outbound-URL guard (a staff-run receiver, the testbed)
    allowed_hosts: tuple[str, ...] = ()
    # The first staff account `markwatch serve` creates when there is none.
    admin_user: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    cookies_file: Path | None = None
    proxy: str = ""
    incremental: bool = False
    # Each component's typed configuration.
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    # The validated tables as plain data (for tools that print or forward them).
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def sqlite_index_path(self) -> Path:
        return self.data_dir / "index.sqlite3"

    @property
    def alerts_db_path(self) -> Path:
        return self.data_dir / "alerts.sqlite3"

    @property
    def store_url(self) -> str:
        """The store of record as a database URL (SQLite file under the data dir by default)."""
        target = self.db_url or str(self.alerts_db_path)
        return target if "://" in target else f"sqlite:///{target}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, MappingProxyType({}))

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Mappingproxies do not pickle: plain dicts travel (to the crawl's worker processes).
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["sections"] = {name: dict(part) for name, part in self.sections.items()}
        return (_settings_from_values, (values,))


def _settings_from_values(values: dict[str, Any]) -> Settings:
    sections = {name: MappingProxyType(part) for name, part in values["sections"].items()}
    return Settings(**{**values, "sections": MappingProxyType(sections)})


def _as_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _as_flag(value: str) -> bool | str:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return value  # left for the model to refuse, with the key path


# Environment variable -> (table, key, conversion). Lists are comma-separated.
ENVIRONMENT: Mapping[str, tuple[str, str, Callable[[str], Any]]] = {
    "MARKWATCH_DATA_DIR": ("markwatch", "data_dir", str),
    "MARKWATCH_INDEX": ("markwatch", "index", str),
    "MARKWATCH_DB_URL": ("markwatch", "db_url", str),
    "MARKWATCH_REDIS_URL": ("markwatch", "redis_url", str),
    "MARKWATCH_CATALOG_DIRS": ("markwatch", "catalog_dirs", _as_list),
    "MARKWATCH_REFERENCE_DIRS": ("markwatch", "reference_dirs", _as_list),
    "MARKWATCH_IMAGES": ("markwatch", "images", _as_flag),
    "MARKWATCH_ALLOWED_HOSTS": ("markwatch", "allowed_hosts", _as_list),
    "MARKWATCH_ADMIN_USER": ("markwatch", "admin_user", str),
    "MARKWATCH_ADMIN_PASSWORD": ("markwatch", "admin_password", str),
    "MARKWATCH_ES_URL": ("elasticsearch", "urls", _as_list),
    "MARKWATCH_ES_API_KEY": ("elasticsearch", "api_key", str),
    "MARKWATCH_ES_CA_FILE": ("elasticsearch", "ca_file", str),
    "MARKWATCH_ES_PREFIX": ("elasticsearch", "prefix", str),
    "MARKWATCH_WEBHOOK_URL": ("alerts", "webhook_urls", _as_list),
    "MARKWATCH_COOKIES_FILE": ("crawl", "cookies_file", str),
    "MARKWATCH_PROXY": ("crawl", "proxy", str),
    "MARKWATCH_INCREMENTAL": ("crawl", "incremental", _as_flag),
    "MARKWATCH_TSA_URL": ("evidence", "tsa_url", str),
    "MARKWATCH_TSA_CA_FILE": ("evidence", "tsa_ca_file", str),
    "MARKWATCH_TSA_CERT_FILE": ("evidence", "tsa_cert_file", str),
}


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read, merge and validate the configuration; raises `ConfigError` naming the key."""
    env = os.environ if environ is None else environ
    path = config_file or env.get("MARKWATCH_CONFIG")
    table: dict[str, Any] = {}
    if path:
        table = _read_toml(Path(path))
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        table = _read_toml(Path(DEFAULT_CONFIG_FILE))
    sources = _apply_environment(table, env)
    try:
        tree = ConfigFile.model_validate(table)
    except ValidationError as exc:
        raise _first_error(exc, sources) from None
    return _settings(tree)


def _apply_environment(table: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Environment values over the file's; returns key path -> variable, for error messages."""
    sources: dict[str, str] = {}
    for variable, (section, key, convert) in ENVIRONMENT.items():
        value = env.get(variable)
        if not value:
            continue
        target = table.setdefault(section, {})
        if not isinstance(target, dict):
            continue  # the file's bad table is reported by the model
        target[key] = convert(value)
        sources[f"{section}.{key}"] = variable
    if env.get("MARKWATCH_ES_USER"):
        es = table.setdefault("elasticsearch", {})
        if isinstance(es, dict):
            es["basic_auth"] = [env["MARKWATCH_ES_USER"], env.get("MARKWATCH_ES_PASSWORD", "")]
            sources["elasticsearch.basic_auth"] = "MARKWATCH_ES_USER"
    es = table.get("elasticsearch")
    if isinstance(es, dict) and isinstance(es.get("basic_auth"), list):
        es["basic_auth"] = tuple(es["basic_auth"])  # TOML has arrays, the model a pair
    return sources


def _first_error(exc: ValidationError, sources: Mapping[str, str]) -> ConfigError:
    error = exc.errors(include_url=False)[0]
    # Drop pydantic's type tags (`function-after[...]`) from the location: keys only.
    loc = [str(p) for p in error["loc"] if not str(p).startswith(("function-", "tuple["))]
    key = ".".join(loc)
    if error["type"] == "extra_forbidden":
        problem = "unknown key"
    elif error["type"] == "missing":
        problem = "required key missing"
    else:
        problem = f"{error['msg']}, not {error.get('input')!r}"
    variable = next((v for k, v in sources.items() if key == k or key.startswith(k + ".")), None)
    if variable:
        problem += f" (from {variable})"
    return ConfigError(key, problem)


def _settings(tree: ConfigFile) -> Settings:
    core, es, crawl = tree.markwatch, tree.elasticsearch, tree.crawl
    return Settings(
        data_dir=Path(core.data_dir),
        index_backend=core.index,
        es_urls=tuple(es.urls) or Settings.es_urls,
        es_api_key=es.api_key,
        es_basic_auth=es.basic_auth,
        es_ca_file=Path(es.ca_file) if es.ca_file else None,
        es_prefix=es.prefix,
        db_url=core.db_url,
        redis_url=core.redis_url,
        webhook_urls=tuple(tree.alerts.webhook_urls),
        catalog_dirs=tuple(Path(p) for p in core.catalog_dirs),
        reference_dirs=tuple(Path(p) for p in core.reference_dirs),
        images=core.images,
        allowed_hosts=tuple(core.allowed_hosts),
        admin_user=core.admin_user,
        admin_password=core.admin_password,
        cookies_file=Path(crawl.cookies_file) if crawl.cookies_file else None,
        proxy=crawl.proxy,
        incremental=crawl.incremental,
        detector=_detector(tree),
        alerts=_alerts(tree),
        console=ConsoleConfig(
            **{**tree.console.model_dump(), "trusted_proxies": tuple(tree.console.trusted_proxies)}
        ),
        evidence=EvidenceConfig(**tree.evidence.model_dump()),
        schedule=_schedule(tree),
        sections=MappingProxyType(
            {name: MappingProxyType(part) for name, part in tree.model_dump().items()}
        ),
    )


def _detector(tree: ConfigFile) -> DetectorConfig:
    values = tree.detector.model_dump()
    values["weights"] = MappingProxyType({**DEFAULT_WEIGHTS, **values["weights"]})
    try:
        return DetectorConfig(**values)
    except ValueError as exc:  # thresholds out of order
        raise ConfigError("detector", str(exc)) from None


_ALERTS_PATH = re.compile(r"^(alerts(?:\.[\w-]+)*)")


def _alerts(tree: ConfigFile) -> AlertsConfig:
    # Channel options depend on the channel type and watchlists on the channels: the alerts
    # package checks those, on a table the model has already typed.
    try:
        return AlertsConfig.from_mapping(tree.alerts.model_dump(exclude={"webhook_urls"}))
    except AlertsConfigError as exc:
        match = _ALERTS_PATH.match(str(exc))
        raise ConfigError(match.group(1) if match else "alerts", str(exc)) from None


def _schedule(tree: ConfigFile) -> ScheduleConfig:
    jobs = []
    for i, job in enumerate(tree.schedule.jobs):
        try:
            jobs.append(
                JobSpec(
                    name=job.name,
                    spider=job.spider,
                    cron=job.cron,
                    keywords=tuple(job.keywords),
                    jitter_s=job.jitter_s,
                    missed=job.missed,
                    args=dict(job.args),
                    settings=dict(job.settings),
                )
            )
        except ScheduleError as exc:
            raise ConfigError(f"schedule.jobs.{i}", str(exc)) from None
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise ConfigError("schedule.jobs", f"duplicate job names: {names}")
    return ScheduleConfig(jobs=tuple(jobs), poll_s=tree.schedule.poll_s)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("", f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError("", f"{path}: cannot read: {exc}") from None
