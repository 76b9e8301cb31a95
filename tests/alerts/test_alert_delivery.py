"""Alerts: one per (listing, mark), queued in the outbox, delivered to a real HTTP receiver."""

from __future__ import annotations

from pathlib import Path

import httpx

from alerts.channels.webhook import WebhookChannel
from alerts.outbox import OutboxDispatcher, RetryPolicy
from alerts.store import AlertStore
from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from testbed.webhook_sink import WebhookSink

LISTING = Listing(
    id="taobao:1",
    platform="taobao",
    url="http://x/item.htm?id=1",
    title="长白山人参 500g",
    price=9.9,
    seller=Seller("山货店", "安徽 亳州"),
)
FINDING = Finding(
    "taobao:1",
    "infringing",
    0.93,
    (
        MarkHit(
            "长白山人参",
            "gi",
            0.93,
            (Reason("origin_outside_region", "卖家所在地不在保护范围内", "安徽 亳州"),),
        ),
    ),
)


def test_alert_is_created_once_per_listing_and_mark(tmp_path: Path) -> None:
    store = AlertStore(tmp_path / "alerts.db", channel_names=("hook",))
    first = store.record(LISTING, FINDING)
    again = store.record(LISTING, FINDING)
    assert [c.created for c in first] == [True]
    assert [c.created for c in again] == [False]
    assert store.count() == 1
    assert store.outbox_counts() == {"pending": 1}
    assert store.record(LISTING, Finding("taobao:1", "clear", 0.0)) == []


def test_webhook_receives_alert_json_with_idempotency_key(tmp_path: Path) -> None:
    with WebhookSink() as sink:
        channel = WebhookChannel(sink.url, name="hook")
        store = AlertStore(tmp_path / "alerts.db", channel_names=("hook",))
        store.record(LISTING, FINDING)
        report = OutboxDispatcher(store, {"hook": channel}).deliver_due()
        again = OutboxDispatcher(store, {"hook": channel}).deliver_due()
    assert report.sent == 1 and again.sent == 0
    (received,) = sink.received
    payload = received["payload"]
    assert received["key"] == payload["idempotency_key"]
    assert payload["mark"] == "长白山人参" and payload["verdict"] == "infringing"
    assert payload["reasons"][0]["evidence"] == "安徽 亳州"
    assert payload["listing"]["url"] == LISTING.url


def test_receiver_down_means_retry_later_not_loss(tmp_path: Path) -> None:
    with WebhookSink() as sink:
        dead_url = sink.url
    store = AlertStore(tmp_path / "alerts.db", channel_names=("hook",))
    store.record(LISTING, FINDING)
    down = OutboxDispatcher(
        store,
        {"hook": WebhookChannel(dead_url, name="hook", timeout=2)},
        RetryPolicy(base_seconds=0.0, jitter=0.0),
    )
    report = down.deliver_due()
    assert (report.sent, report.retrying) == (0, 1)
    assert store.outbox_counts() == {"pending": 1}
    with WebhookSink() as sink:
        up = OutboxDispatcher(store, {"hook": WebhookChannel(sink.url, name="hook")})
        assert up.deliver_due().sent == 1
        assert sink.distinct_keys == 1


def test_client_error_goes_to_dead_letter(tmp_path: Path) -> None:
    store = AlertStore(tmp_path / "alerts.db", channel_names=("hook",))
    store.record(LISTING, FINDING)
    transport = httpx.MockTransport(lambda request: httpx.Response(410))
    channel = WebhookChannel("http://127.0.0.1:1/hook", name="hook")
    channel._client = httpx.Client(transport=transport)
    report = OutboxDispatcher(store, {"hook": channel}).deliver_due()
    assert report.dead == 1
    assert store.outbox_counts() == {"dead": 1}
