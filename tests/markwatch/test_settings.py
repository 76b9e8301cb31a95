"""Configuration: file + environment, parsed once, with errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from markwatch.cli import main
from markwatch.config import SECTIONS, ConfigError
from markwatch.settings import SettingsError, load_settings


def test_embedded_defaults_with_nothing_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.index_backend == "sqlite"
    assert settings.data_dir == Path("data")
    assert settings.sqlite_index_path == Path("data/index.sqlite3")
    assert settings.webhook_urls == ()


def test_environment_wins_over_file(tmp_path: Path) -> None:
    config = tmp_path / "mw.toml"
    config.write_text(
        '[markwatch]\ndata_dir = "/srv/mw"\nindex = "sqlite"\n'
        '[elasticsearch]\nurls = ["http://es1:9200", "http://es2:9200"]\n'
        '[alerts]\nwebhook_urls = ["http://hooks.local/a"]\n'
        "[detector]\nsuspicious_threshold = 0.4\n",
        encoding="utf-8",
    )
    env = {"MARKWATCH_DATA_DIR": str(tmp_path / "d"), "MARKWATCH_INDEX": "elasticsearch"}
    settings = load_settings(config, environ=env)
    assert settings.data_dir == tmp_path / "d"
    assert settings.index_backend == "elasticsearch"
    assert settings.es_urls == ("http://es1:9200", "http://es2:9200")
    assert settings.webhook_urls == ("http://hooks.local/a",)
    assert settings.detector.suspicious_threshold == 0.4
    assert settings.section("detector")["suspicious_threshold"] == 0.4
    assert dict(settings.section("absent")) == {}


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[markwatch]\nindex = 'solr'\n", {}, "markwatch.index: .*'sqlite' or 'elasticsearch'"),
        ("", {"MARKWATCH_INDEX": "solr"}, "markwatch.index: .*from MARKWATCH_INDEX"),
        ("[elasticsearch]\nbasic_auth = 'user'\n", {}, "elasticsearch.basic_auth"),
        ("[alerts]\nwebhook_urls = 5\n", {}, "alerts.webhook_urls"),
        ("[detector]\nsuspicious_threshold = '0.4'\n", {}, "detector.suspicious_threshold"),
        ("[detector]\nweights = { nope = 0.5 }\n", {}, "detector.weights: .*'nope'"),
        ("[detector]\nsuspicious_threshold = 0.9\n", {}, "detector: .*thresholds"),
        ("[markwatch]\nimages = 'maybe'\n", {}, "markwatch.images"),
        ("", {"MARKWATCH_IMAGES": "maybe"}, "markwatch.images: .*MARKWATCH_IMAGES"),
        ("[alerts]\ndigest_timezone = 'Mars/Base'\n", {}, "alerts.digest_timezone"),
        ("[alerts.channels.x]\ntype = 'pigeon'\n", {}, "alerts.channels.x"),
        ("markwatch = 3\n", {}, "markwatch: "),
        ("[nosuch]\nx = 1\n", {}, "nosuch: unknown key"),
        ("not toml = = =", {}, "mw.toml"),
    ],
)
def test_bad_configuration_names_the_problem(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    config = tmp_path / "mw.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(config, environ=env)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_allowed_hosts_reach_the_crawl_guard(tmp_path: Path) -> None:
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.netguard import BlockedAddress, SsrfGuardMiddleware
    from crawler.spiders.taobao import TaobaoSpider
    from markwatch.crawling import crawl_overrides

    settings = load_settings(
        environ={"MARKWATCH_ALLOWED_HOSTS": "127.0.0.1:8123", "MARKWATCH_DATA_DIR": str(tmp_path)}
    )
    crawler = get_crawler(TaobaoSpider, crawl_overrides(settings))
    guard = SsrfGuardMiddleware.from_crawler(crawler)
    guard.process_request(Request("http://127.0.0.1:8123/receiver"))  # allowed by config
    with pytest.raises(BlockedAddress):
        guard.process_request(Request("http://127.0.0.1:8124/other"))


# One unknown key per table (and per nested table): the CLI prints one line and exits 2.
TYPO_TABLES = [
    *SECTIONS,
    "alerts.retry",
    "alerts.repeat_infringer",
]


@pytest.mark.parametrize("table", TYPO_TABLES)
def test_unknown_key_in_any_table_is_exit_2_with_its_path(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "mw.toml"
    config.write_text(f"[{table}]\ntypo = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, environ={})
    assert info.value.path == f"{table}.typo"
    assert main(["--config", str(config), "eval"]) == 2
    err = capsys.readouterr().err
    assert err == f"markwatch: configuration error: {table}.typo: unknown key\n"


def test_unknown_key_in_a_schedule_job_names_the_job(tmp_path: Path) -> None:
    config = tmp_path / "mw.toml"
    config.write_text(
        '[[schedule.jobs]]\nname = "a"\nspider = "t"\ncron = "* * * * *"\ntypo = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config, environ={})
    assert info.value.path == "schedule.jobs.0.typo"


def test_every_table_is_typed_for_its_component(tmp_path: Path) -> None:
    config = tmp_path / "mw.toml"
    config.write_text(
        "[console]\npage_size = 7\n[evidence]\nmax_images = 2\n"
        "[alerts]\nlease_seconds = 30\n[alerts.retry]\nmax_attempts = 2\n"
        '[crawl]\nproxy = "http://127.0.0.1:3128"\nincremental = true\n'
        '[[schedule.jobs]]\nname = "a"\nspider = "t"\ncron = "0 * * * *"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, environ={"MARKWATCH_ADMIN_USER": "root"})
    assert settings.console.page_size == 7
    assert settings.evidence.max_images == 2
    assert settings.alerts.lease_seconds == 30.0
    assert settings.alerts.retry.max_attempts == 2
    assert (settings.proxy, settings.incremental) == ("http://127.0.0.1:3128", True)
    assert [j.name for j in settings.schedule.jobs] == ["a"]
    assert settings.admin_user == "root"


def test_no_component_reads_the_environment_itself() -> None:
    import ast

    root = Path(__file__).resolve().parents[2]
    readers = []
    for package in ("alerts", "bench", "console", "crawler", "detectors", "indexer", "markwatch"):
        for path in sorted((root / package).rglob("*.py")):
            if path == root / "markwatch" / "settings.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                # os.environ.get(...) / os.environ[...] / os.getenv(...): reading, not passing on
                if isinstance(node, ast.Attribute) and node.attr == "getenv":
                    readers.append(f"{path.relative_to(root)}:{node.lineno}")
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("get", "__getitem__")
                    and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "environ"
                ):
                    readers.append(f"{path.relative_to(root)}:{node.lineno}")
                if isinstance(node, ast.Subscript) and (
                    isinstance(node.value, ast.Attribute) and node.value.attr == "environ"
                ):
                    readers.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not readers, readers
