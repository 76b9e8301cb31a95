"""DingTalk, WeCom and Feishu robots through apprise: the exact request each robot API gets.

Only the outbound HTTP call is intercepted (requests' transport adapter); apprise builds the
URL, headers and JSON body as it would for the real service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from alerts.channels import DeliveryError
from alerts.channels.options import ChannelConfigError
from alerts.channels.registry import build_channel
from alerts.channels.robot import RobotChannel
from alerts.models import OutboxMessage

DING_TOKEN = "4f1c0a9e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f"
DING_SECRET = "SEC0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_TOKEN = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

PAYLOAD = {
    "type": "alert",
    "idempotency_key": "mw-alert-5-0a1b2c3d4e5f",
    "alert_id": 5,
    "mark": "冰墩墩",
    "kind": "olympic",
    "verdict": "infringing",
    "score": 0.91,
    "repeat_infringer": True,
    "reasons": [
        {
            "code": "olympic_insignia_text",
            "detail": "商品标题含奥运吉祥物名称",
            "evidence": "冰墩墩",
        }
    ],
    "listing": {
        "url": "https://item.example/jd/5",
        "title": "冰墩墩 毛绒公仔 20cm",
        "price": 59.0,
        "currency": "CNY",
        "platform": "jd",
        "seller": {"name": "冬奥周边店", "location": "浙江 义乌", "id": "s-5", "credit_code": None},
    },
    "links": {
        "alert": "https://mw.example/alerts/5",
        "evidence": "https://mw.example/alerts/5/evidence",
    },
    "language": "zh",
}
TEXT = (
    "【MarkWatch】侵权：冰墩墩（重复侵权卖家）\n"
    "商品：冰墩墩 毛绒公仔 20cm\n"
    "平台：jd\n"
    "卖家：冬奥周边店（浙江 义乌）\n"
    "价格：59.00 CNY\n"
    "评分：0.91\n"
    "理由：\n"
    "- 商品标题含奥运吉祥物名称（证据：冰墩墩）\n"
    "商品链接：https://item.example/jd/5\n"
    "证据链接：https://mw.example/alerts/5/evidence\n"
    "告警编号：5"
)
SUBJECT = "【MarkWatch】侵权：冰墩墩 — 冰墩墩 毛绒公仔 20cm"


@dataclass
class Outbound:
    requests: list[requests.PreparedRequest] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbound]:
    captured = Outbound()

    def send(
        adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        captured.requests.append(request)
        response = requests.Response()
        response.status_code = captured.status
        response._content = b'{"errcode":0,"errmsg":"ok"}'
        response.url = request.url or ""
        response.request = request
        return response

    monkeypatch.setattr(HTTPAdapter, "send", send)
    yield captured


@dataclass(frozen=True)
class RobotCase:
    id: str
    table: dict[str, Any]
    url: str  # scheme://host/path the request goes to
    query: dict[str, list[str]]
    body: dict[str, Any]
    secrets: tuple[str, ...]


CASES = [
    RobotCase(
        "dingtalk",
        {"type": "dingtalk", "token": DING_TOKEN},
        "https://oapi.dingtalk.com/robot/send",
        {"access_token": [DING_TOKEN]},
        {
            "msgtype": "text",
            "at": {"atMobiles": [], "isAtAll": False},
            "text": {"content": f"{SUBJECT}\n{TEXT}"},
        },
        (DING_TOKEN,),
    ),
    RobotCase(
        "wecom",
        {"type": "wecom", "key": WECOM_KEY},
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        {"key": [WECOM_KEY]},
        {"msgtype": "text", "text": {"content": f"{SUBJECT}\n{TEXT}"}},
        (WECOM_KEY,),
    ),
    RobotCase(
        "feishu",
        {"type": "feishu", "token": FEISHU_TOKEN},
        f"https://open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_TOKEN}/",
        {},
        {"msg_type": "text", "content": {"text": f"{SUBJECT}\n{TEXT}"}},
        (FEISHU_TOKEN,),
    ),
]


def _message() -> OutboxMessage:
    return OutboxMessage(1, 5, "robot", PAYLOAD["idempotency_key"], PAYLOAD, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_robot_request_is_exactly_what_the_api_expects(
    case: RobotCase, outbound: Outbound, caplog: pytest.LogCaptureFixture
) -> None:
    channel = build_channel(case.id, case.table)
    assert isinstance(channel, RobotChannel)
    with caplog.at_level(logging.DEBUG):
        channel.send(_message())
    (request,) = outbound.requests
    parts = urlsplit(request.url or "")
    assert (request.method, f"{parts.scheme}://{parts.netloc}{parts.path}") == ("POST", case.url)
    assert parse_qs(parts.query) == case.query
    assert str(request.headers["Content-Type"]).startswith("application/json")
    assert isinstance(request.body, str | bytes) and json.loads(request.body) == case.body
    # Tokens in apprise URLs are secrets: none reaches a log line, even at DEBUG.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "DingTalk" in logged or "WeCom" in logged or "Feishu" in logged
    for secret in case.secrets:
        assert secret not in logged and secret not in repr(channel.display_url)


def test_dingtalk_signed_robot_sends_timestamp_and_signature(outbound: Outbound) -> None:
    channel = build_channel(
        "ding", {"type": "dingtalk", "token": DING_TOKEN, "secret": DING_SECRET}
    )
    channel.send(_message())
    (request,) = outbound.requests
    query = parse_qs(urlsplit(request.url or "").query)
    assert set(query) == {"access_token", "timestamp", "sign"}
    assert DING_SECRET not in (request.url or "") and DING_SECRET not in str(request.body)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_robot_refusal_is_a_retryable_failure(case: RobotCase, outbound: Outbound) -> None:
    outbound.status = 500
    channel = build_channel(case.id, case.table)
    with pytest.raises(DeliveryError) as caught:
        channel.send(_message())
    assert caught.value.retryable
    for secret in case.secrets:
        assert secret not in str(caught.value)


def test_malformed_robot_token_is_refused_at_load_time_without_echoing_it() -> None:
    with pytest.raises(ChannelConfigError) as caught:
        build_channel("ding", {"type": "dingtalk", "token": "not a token!"})
    assert "not a token!" not in str(caught.value)
