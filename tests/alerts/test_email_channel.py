"""E-mail through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from alerts.channels import DeliveryError
from alerts.channels.registry import build_channel
from alerts.config import AlertsConfig, ChannelConfig
from alerts.models import OutboxMessage
from alerts.outbox import OutboxDispatcher
from alerts.store import AlertStore
from alerts.watchlists import Watchlist

from .samples import finding, listing


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.endswith("@nowhere.example"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), mail))  # type: ignore[arg-type]
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _channel(port: int, to: list[str], language: str = "zh") -> tuple[AlertsConfig, Any]:
    table = {
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "sender": "markwatch@ipc.example",
        "to": to,
    }
    config = AlertsConfig(
        console_url="https://markwatch.example",
        channels=(ChannelConfig("mail", "email", table),),
        watchlists=(
            Watchlist(
                "ginseng",
                "长白山人参协会",
                marks=("长白山人参",),
                channels=("mail",),
                language=language,
            ),
        ),
    )
    return config, build_channel("mail", table)


def test_alert_mail_in_chinese_carries_what_a_person_needs(
    smtp: tuple[_Inbox, int], tmp_path: Any
) -> None:
    inbox, port = smtp
    config, channel = _channel(port, ["enforcement@association.example"])
    store = AlertStore(tmp_path / "alerts.sqlite3", config=config)
    item = listing(7, price=39.9)
    store.record(item, finding(item))
    assert OutboxDispatcher(store, {"mail": channel}).deliver_due().sent == 1

    ((rcpt, mail),) = inbox.messages
    assert rcpt == ["enforcement@association.example"]
    assert mail["Subject"] == "【MarkWatch】侵权：长白山人参 — 长白山人参 500g 礼盒"
    key = store.outbox_messages()[0].idempotency_key
    assert mail["Message-ID"] == f"<{key}@markwatch>"
    body = mail.get_content()
    for expected in (
        "卖家：山货店（安徽 亳州）",
        "价格：39.90 CNY",
        "卖家所在地不在保护范围内",
        "证据：安徽 亳州",
        "商品链接：https://item.example/taobao/7",
        "证据链接：https://markwatch.example/alerts/1/evidence",
    ):
        assert expected in body
    store.close()


def test_a_language_without_templates_falls_back_to_english(
    smtp: tuple[_Inbox, int], tmp_path: Any
) -> None:
    inbox, port = smtp
    config, channel = _channel(port, ["ip@olympic.example"], language="fr")
    store = AlertStore(tmp_path / "alerts.sqlite3", config=config)
    item = listing(8)
    store.record(item, finding(item))
    OutboxDispatcher(store, {"mail": channel}).deliver_due()
    ((_, mail),) = inbox.messages
    assert mail["Subject"].startswith("[MarkWatch] Infringing: 长白山人参")
    assert "Seller: 山货店 (安徽 亳州)" in mail.get_content()
    store.close()


def test_refused_recipient_is_not_retried(smtp: tuple[_Inbox, int]) -> None:
    _inbox, port = smtp
    _config, channel = _channel(port, ["ghost@nowhere.example"])
    payload = {
        "type": "alert",
        "mark": "冰墩墩",
        "verdict": "suspicious",
        "score": 0.5,
        "reasons": [],
        "alert_id": 1,
        "listing": {"title": "t", "url": "u"},
    }
    with pytest.raises(DeliveryError) as caught:
        channel.send(OutboxMessage(1, 1, "mail", "k", payload, 0))
    assert caught.value.retryable is False


def test_smtp_server_down_is_retryable() -> None:
    _config, channel = _channel(_free_port(), ["a@b.example"])
    payload = {
        "type": "alert",
        "mark": "冰墩墩",
        "verdict": "suspicious",
        "score": 0.5,
        "reasons": [],
        "alert_id": 1,
        "listing": {"title": "t", "url": "u"},
    }
    with pytest.raises(DeliveryError) as caught:
        channel.send(OutboxMessage(1, 1, "mail", "k", payload, 0))
    assert caught.value.retryable is True
