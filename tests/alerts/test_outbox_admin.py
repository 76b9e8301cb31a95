"""Schema migrations, dead letters staff can see and retry, and daily digests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alerts.channels.webhook import WebhookChannel
from alerts.config import AlertsConfig, ChannelConfig, RetryConfig
from alerts.messages import MessageRenderer
from alerts.outbox import OutboxDispatcher
from alerts.schema import metadata
from alerts.store import AlertStore
from alerts.watchlists import Watchlist
from markwatch.cli import main as cli_main

from .receivers import SignedReceiver
from .samples import finding, listing


def test_migrations_build_exactly_the_schema_the_code_uses(db_url: str) -> None:
    store = AlertStore(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    store.close()
    AlertStore(db_url).close()  # opening again is a no-op upgrade
    assert diff == []


def _failing_store(db_url: str) -> tuple[AlertStore, WebhookChannel]:
    config = AlertsConfig(
        retry=RetryConfig(max_attempts=2, base_seconds=0.0, jitter=0.0),
        channels=(ChannelConfig("hook", "webhook", {"type": "webhook", "url": "http://x"}),),
        watchlists=(Watchlist("all", "staff", owner_kind="staff_team", channels=("hook",)),),
    )
    store = AlertStore(db_url, config=config)
    item = listing(1)
    store.record(item, finding(item))
    channel = WebhookChannel(
        "http://127.0.0.1:1/hook",
        name="hook",
        transport=httpx.MockTransport(lambda r: httpx.Response(503)),
    )
    return store, channel


def test_dead_letters_are_visible_and_retried_by_staff(db_url: str) -> None:
    store, broken = _failing_store(db_url)
    dispatcher = OutboxDispatcher(store, {"hook": broken})
    assert dispatcher.deliver_due().retrying == 1
    assert dispatcher.deliver_due().dead == 1  # second attempt of two
    (dead,) = store.outbox.dead_letters()
    assert (dead.attempts, dead.last_error) == (2, "hook: HTTP 503")

    with SignedReceiver("k") as receiver:
        fixed = WebhookChannel(receiver.url, name="hook", secret="k")
        assert store.outbox.retry_dead([dead.id]) == 1
        assert OutboxDispatcher(store, {"hook": fixed}).deliver_due().sent == 1
        fixed.close()
    assert [json.loads(json.dumps(p))["idempotency_key"] for p in receiver.accepted.values()] == [
        dead.idempotency_key
    ]
    assert store.outbox_counts() == {"sent": 1}
    store.close()


def test_cli_lists_and_retries_dead_letters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "alerts.sqlite3"
    store, broken = _failing_store(str(db))
    dispatcher = OutboxDispatcher(store, {"hook": broken})
    dispatcher.deliver_due()
    dispatcher.deliver_due()
    store.close()
    config = tmp_path / "mw.toml"
    config.write_text(
        f'[markwatch]\ndata_dir = "{tmp_path.as_posix()}"\n'
        '[alerts.channels.hook]\ntype = "webhook"\nurl = "http://127.0.0.1:1/h"\n',
        encoding="utf-8",
    )
    assert cli_main(["--config", str(config), "alerts", "dead-letters"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["last_error"] == "hook: HTTP 503"
    assert cli_main(["--config", str(config), "alerts", "retry"]) == 0
    assert json.loads(capsys.readouterr().out) == {"requeued": 1}


def test_daily_digest_collects_a_finished_day_into_one_message(db_url: str) -> None:
    config = AlertsConfig(
        digest_timezone="Asia/Shanghai",
        channels=(ChannelConfig("hook", "webhook", {"type": "webhook", "url": "http://x"}),),
        watchlists=(
            Watchlist(
                "wuchang",
                "五常大米协会",
                marks=("五常大米",),
                channels=("hook",),
                delivery="digest",
            ),
        ),
    )
    store = AlertStore(db_url, config=config)
    day = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    for n in range(3):
        item = listing(n, title="五常大米 稻花香 5kg")
        store.record(item, finding(item, mark="五常大米"), at=day + timedelta(hours=n))
    other = listing(9)
    store.record(other, finding(other), at=day)  # 长白山人参: not on this watchlist
    assert store.outbox_counts() == {}  # digest watchlists get nothing immediately

    assert store.build_digests(at=day + timedelta(hours=5)) == 0  # that day is not over
    assert store.build_digests(at=day + timedelta(days=1)) == 1
    assert store.build_digests(at=day + timedelta(days=2)) == 0  # never twice
    (message,) = store.outbox_messages()
    assert message.kind == "digest" and message.payload["day"] == "2026-06-01"
    assert [a["mark"] for a in message.payload["alerts"]] == ["五常大米"] * 3
    rendered = MessageRenderer().render(message.payload)
    assert rendered.subject == "【MarkWatch】每日摘要 2026-06-01：wuchang（3 条）"
    assert rendered.text.count("商品链接：https://item.example/taobao/") == 3
    store.close()
