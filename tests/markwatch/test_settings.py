"""Configuration: file + environment, parsed once, with errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert settings.section("detector")["suspicious_threshold"] == 0.4
    assert dict(settings.section("absent")) == {}


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[markwatch]\nindex = 'solr'\n", {}, "index must be"),
        ("[elasticsearch]\nbasic_auth = 'user'\n", {}, "basic_auth"),
        ("[alerts]\nwebhook_urls = 5\n", {}, "alerts.webhook_urls"),
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
