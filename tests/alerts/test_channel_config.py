"""Channel options are data, validated at load time: one table-driven tester for all types."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.channels.options import ChannelConfigError
from alerts.channels.registry import CHANNEL_MODULES, build_channel, channel_options
from alerts.config import AlertsConfig, AlertsConfigError

VALID: dict[str, dict[str, Any]] = {
    "webhook": {"url": "https://hooks.example/mw", "secret": "s3cret-value-123"},
    "email": {
        "host": "smtp.example",
        "port": 587,
        "sender": "mw@example.org",
        "to": ["a@example.org"],
        "starttls": True,
        "password": "p4ssword-long",
    },
    "dingtalk": {"token": "abcdef0123456789", "secret": "SECabcdef0123456789"},
    "wecom": {"key": "693a91f6-7aaa-4bc4"},
    "feishu": {"token": "a1b2c3d4-e5f6"},
}


def test_every_channel_type_has_a_valid_example() -> None:
    assert set(VALID) == set(CHANNEL_MODULES)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_options_build_a_channel_and_secrets_stay_out_of_reprs(kind: str) -> None:
    table = {"type": kind, **VALID[kind]}
    channel = build_channel(f"my-{kind}", table)
    assert channel.name == f"my-{kind}"
    module, _options = channel_options(f"my-{kind}", table)
    secrets = [str(table[o.name]) for o in module.OPTIONS if o.secret and o.name in table]
    shown = repr(AlertsConfig.from_mapping({"channels": {f"my-{kind}": table}}))
    assert secrets and not any(s in shown for s in secrets)


@pytest.mark.parametrize("kind", sorted(VALID))
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown option 'colour'"),
        ({"timeout": "fast"}, None),  # a wrong type where the option exists, else unknown
    ],
)
def test_bad_options_are_refused_naming_the_key(
    kind: str, change: dict[str, Any], message: str | None
) -> None:
    table = {"type": kind, **VALID[kind], **change}
    with pytest.raises(ChannelConfigError) as caught:
        channel_options("c", table)
    key = next(iter(change))
    assert repr(key) in str(caught.value) and "'c'" in str(caught.value)
    if message:
        assert message in str(caught.value)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_missing_required_option_is_named(kind: str) -> None:
    module = CHANNEL_MODULES[kind]
    required = [o.name for o in module.OPTIONS if o.required]
    table = {"type": kind, **{k: v for k, v in VALID[kind].items() if k != required[0]}}
    with pytest.raises(ChannelConfigError, match=f"'{required[0]}' is required"):
        channel_options("c", table)


def test_unknown_channel_type_is_named() -> None:
    with pytest.raises(ChannelConfigError, match="'pager'"):
        channel_options("c", {"type": "pager"})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"retries": 3}, "unknown key 'retries'"),
        ({"retry": {"max_attempt": 3}}, "alerts.retry: unknown key 'max_attempt'"),
        ({"repeat_infringer": {"threshold": "three"}}, "threshold must be a number"),
        ({"digest_timezone": "Mars/Olympus"}, "unknown time zone"),
        (
            {"watchlists": [{"name": "w", "owner": "o", "channels": ["nope"]}]},
            "unknown channel 'nope'",
        ),
        ({"channels": {"h": {"type": "webhook"}}}, "'url' is required"),
    ],
)
def test_alerts_section_errors_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(AlertsConfigError, match=message):
        AlertsConfig.from_mapping(table)


def test_alerts_section_parses_into_frozen_config() -> None:
    config = AlertsConfig.from_mapping(
        {
            "webhook_urls": ["http://staff.example/hook"],  # read by Settings, allowed here
            "retry": {"max_attempts": 3, "base_seconds": 1},
            "repeat_infringer": {"threshold": 5, "window_days": 90},
            "channels": {"h": {"type": "webhook", "url": "https://x.example"}},
            "watchlists": [
                {
                    "name": "w",
                    "owner": "协会",
                    "marks": ["五常大米"],
                    "channels": ["h"],
                    "delivery": "digest",
                }
            ],
        }
    )
    assert (config.retry.max_attempts, config.retry.base_seconds) == (3, 1.0)
    assert (config.repeat_infringer.threshold, config.repeat_infringer.window_days) == (5, 90)
    assert config.watchlists[0].marks == ("五常大米",)
    with pytest.raises(AttributeError):
        config.retry.max_attempts = 9  # type: ignore[misc]
