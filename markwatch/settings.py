"""Configuration: a TOML file plus MARKWATCH_* environment variables, parsed once.

With nothing set, everything runs embedded under one data directory.
Environment variables win over the file so operators can override per process.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_CONFIG_FILE = "markwatch.toml"


class SettingsError(ValueError):
    """Bad configuration; the message names the key and the value."""


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
    # Raw tables handed to the component that owns them (each parses its own once).
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


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    path = config_file or env.get("MARKWATCH_CONFIG")
    table: dict[str, Any] = {}
    if path:
        table = _read_toml(Path(path))
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        table = _read_toml(Path(DEFAULT_CONFIG_FILE))

    core = table.get("markwatch", {})
    es = table.get("elasticsearch", {})
    alerts = table.get("alerts", {})
    if not all(isinstance(t, dict) for t in (core, es, alerts)):
        raise SettingsError("[markwatch], [elasticsearch] and [alerts] must be tables")

    es_urls = _list(env.get("MARKWATCH_ES_URL") or es.get("urls") or es.get("url"), "es urls")
    webhooks = _list(
        env.get("MARKWATCH_WEBHOOK_URL") or alerts.get("webhook_urls"), "alerts.webhook_urls"
    )
    backend = env.get("MARKWATCH_INDEX") or core.get("index", "sqlite")
    if backend not in ("sqlite", "elasticsearch"):
        raise SettingsError(f"index must be 'sqlite' or 'elasticsearch', not {backend!r}")
    basic = es.get("basic_auth")
    if env.get("MARKWATCH_ES_USER"):
        basic = [env["MARKWATCH_ES_USER"], env.get("MARKWATCH_ES_PASSWORD", "")]
    if basic is not None and (not isinstance(basic, list) or len(basic) != 2):
        raise SettingsError("elasticsearch.basic_auth must be [user, password]")
    ca_file = env.get("MARKWATCH_ES_CA_FILE") or es.get("ca_file")
    catalog_dirs = _list(env.get("MARKWATCH_CATALOG_DIRS") or core.get("catalog_dirs"), "catalog")
    reference_dirs = _list(
        env.get("MARKWATCH_REFERENCE_DIRS") or core.get("reference_dirs"), "reference_dirs"
    )

    return Settings(
        data_dir=Path(env.get("MARKWATCH_DATA_DIR") or core.get("data_dir", "data")),
        index_backend=backend,
        es_urls=tuple(es_urls) or Settings.es_urls,
        es_api_key=env.get("MARKWATCH_ES_API_KEY") or es.get("api_key"),
        es_basic_auth=(str(basic[0]), str(basic[1])) if basic else None,
        es_ca_file=Path(ca_file) if ca_file else None,
        es_prefix=env.get("MARKWATCH_ES_PREFIX") or es.get("prefix", Settings.es_prefix),
        db_url=env.get("MARKWATCH_DB_URL") or core.get("db_url"),
        redis_url=env.get("MARKWATCH_REDIS_URL") or core.get("redis_url", Settings.redis_url),
        webhook_urls=tuple(webhooks),
        catalog_dirs=tuple(Path(p) for p in catalog_dirs),
        reference_dirs=tuple(Path(p) for p in reference_dirs),
        images=_flag(env.get("MARKWATCH_IMAGES", core.get("images", True)), "images"),
        allowed_hosts=tuple(
            _list(env.get("MARKWATCH_ALLOWED_HOSTS") or core.get("allowed_hosts"), "allowed_hosts")
        ),
        sections=MappingProxyType(
            {k: MappingProxyType(v) for k, v in table.items() if isinstance(v, dict)}
        ),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from None


def _flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{what} must be true or false, not {value!r}")


def _list(value: Any, what: str) -> list[str]:
    """Accept a list or a comma-separated string (environment variables)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise SettingsError(f"{what} must be a string or a list of strings, not {value!r}")
