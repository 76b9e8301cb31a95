"""The one outbound-address policy: every channel type refused at save, load and connect.

Receivers are real sockets on loopback; a refusal is proven by the listener never seeing a
connection. DNS answers come from a resolver stub (a name that turns into loopback between
the check and the connection is the rebinding case).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from alerts.channels import DeliveryError
from alerts.channels.email import OPTIONS as EMAIL_OPTIONS
from alerts.channels.email import EmailChannel
from alerts.channels.options import parse_options
from alerts.channels.registry import build_channel, check_channel
from alerts.channels.webhook import WebhookChannel
from alerts.models import OutboxMessage
from markwatch.image_fetch import ImageFetchError, fetch_image
from netpolicy import AddressPolicy, BlockedAddress
from netpolicy.http import PinnedTransport


class Listener:
    """A TCP port on loopback that counts connections (and closes them at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


def _message() -> OutboxMessage:
    payload = {
        "type": "alert",
        "alert_id": 1,
        "mark": "长白山人参",
        "verdict": "infringing",
        "score": 0.9,
        "reasons": [],
        "listing": {"title": "t", "url": "https://x.example"},
        "links": {},
        "language": "zh",
    }
    return OutboxMessage(1, 1, "mail", "mw-alert-1-x", payload, 0)


class StubDNS:
    """Answers from a table, and counts the lookups."""

    def __init__(self, table: dict[str, list[list[str]]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answers = self.table.get(host, [[]])
        return answers[min(len(self.lookups) - 1, len(answers) - 1)] if answers else []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "224.0.0.1",
        "unresolvable.invalid",
    ],
)
def test_email_channel_to_an_internal_host_is_refused_at_save(host: str) -> None:
    with pytest.raises(BlockedAddress):
        check_channel(
            "mail",
            {
                "type": "email",
                "host": host,
                "port": 25,
                "sender": "a@b.example",
                "to": ["c@d.example"],
            },
            AddressPolicy(resolver=StubDNS({})),
        )


def test_email_channel_never_connects_to_an_internal_host(listener: Listener) -> None:
    options = parse_options(
        "mail",
        EMAIL_OPTIONS,
        {
            "host": "127.0.0.1",
            "port": listener.port,
            "sender": "a@b.example",
            "to": ["c@d.example"],
            "timeout": 2.0,
        },
    )
    channel = EmailChannel("mail", options, policy=AddressPolicy())
    with pytest.raises(DeliveryError, match="internal address") as raised:
        channel.send(_message())
    assert raised.value.retryable is False
    assert listener.accepted == 0


def test_a_name_that_rebinds_to_loopback_at_connect_time_is_refused(listener: Listener) -> None:
    # The first answer (at save) is public; the second (at delivery) is loopback.
    dns = StubDNS({"smtp.holder.example": [["93.184.216.34"], ["127.0.0.1"]]})
    policy = AddressPolicy(resolver=dns)
    table = {
        "type": "email",
        "host": "smtp.holder.example",
        "port": listener.port,
        "sender": "a@b.example",
        "to": ["c@d.example"],
        "timeout": 2.0,
    }
    check_channel("mail", table, policy)  # passes: a public address
    channel = build_channel("mail", table, policy)
    with pytest.raises(DeliveryError, match=r"internal address 127\.0\.0\.1"):
        channel.send(_message())
    assert listener.accepted == 0
    assert dns.lookups == ["smtp.holder.example", "smtp.holder.example"]


def test_a_webhook_name_that_rebinds_to_loopback_is_refused_and_never_connected(
    listener: Listener,
) -> None:
    dns = StubDNS({"hook.holder.example": [["93.184.216.34"], ["127.0.0.1"]]})
    policy = AddressPolicy(resolver=dns)
    url = f"http://hook.holder.example:{listener.port}/in"
    check_channel("hook", {"type": "webhook", "url": url}, policy)
    channel = build_channel("hook", {"type": "webhook", "url": url}, policy)
    with pytest.raises(DeliveryError, match=r"internal address 127\.0\.0\.1"):
        channel.send(_message())
    assert listener.accepted == 0


class _Echo(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).seen.append(self.headers["Host"])
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        type(self).seen.append(self.headers["Host"])
        self.send_response(302 if self.path == "/redirect" else 200)
        if self.path == "/redirect":
            self.send_header("Location", "http://127.0.0.1:9/secret")
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"\xff\xd8ok")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def echo() -> Iterator[int]:
    _Echo.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_checked_name_is_resolved_once_and_reached_at_the_checked_address(
    echo: int,
) -> None:
    # Only the loopback address is allow-listed, not the name: the name passes because its
    # one answer is that address, and the connection goes there without a second lookup.
    dns = StubDNS({"receiver.test": [["127.0.0.1"]]})
    policy = AddressPolicy.from_hosts([f"127.0.0.1:{echo}"], resolver=dns)
    channel = WebhookChannel(f"http://receiver.test:{echo}/in", name="hook", policy=policy)
    channel.send(_message())
    channel.close()
    assert _Echo.seen == [f"receiver.test:{echo}"]  # the name is kept in Host
    assert dns.lookups == ["receiver.test"]  # one lookup: httpx never resolved it again


def test_image_fetch_redirect_to_loopback_is_refused(echo: int) -> None:
    policy = AddressPolicy.from_hosts([f"127.0.0.1:{echo}"])
    assert fetch_image(f"http://127.0.0.1:{echo}/a.jpg", policy=policy) == b"\xff\xd8ok"
    with pytest.raises(ImageFetchError, match="internal address"):
        fetch_image(f"http://127.0.0.1:{echo}/redirect", policy=policy)


def test_image_fetch_of_a_name_resolving_to_loopback_is_refused(echo: int) -> None:
    dns = StubDNS({"img.example": [["127.0.0.1"]]})
    with pytest.raises(ImageFetchError, match="internal address"):
        fetch_image(f"http://img.example:{echo}/a.jpg", policy=AddressPolicy(resolver=dns))
    assert _Echo.seen == []


def test_pinned_transport_keeps_the_name_for_tls() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    dns = StubDNS({"hook.example": [["93.184.216.34"]]})
    transport = PinnedTransport(AddressPolicy(resolver=dns), httpx.MockTransport(record))
    with httpx.Client(transport=transport) as client:
        client.get("https://hook.example/x")
    assert str(seen[0].url) == "https://93.184.216.34/x"
    assert seen[0].headers["Host"] == "hook.example"
    assert seen[0].extensions["sni_hostname"] == "hook.example"


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "100.100.100.200"])
def test_the_api_refuses_an_internal_email_channel_with_422(tmp_path: Path, host: str) -> None:
    from fastapi.testclient import TestClient

    from console.app import create_app
    from indexer.text import Tokenizer

    from ..console.seed import build_seeded  # type: ignore[misc]

    seeded = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    holder = {"Authorization": f"Bearer {seeded.tokens['ginseng']}"}
    with TestClient(create_app(seeded.deps)) as client:
        answer = client.put(
            "/api/v1/channels/mail",
            headers=holder,
            json={
                "type": "email",
                "options": {
                    "host": host,
                    "port": 6379,
                    "sender": "a@b.example",
                    "to": ["c@d.example"],
                },
            },
        )
        assert answer.status_code == 422
        assert "internal address" in answer.json()["detail"]
        assert client.get("/api/v1/channels", headers=holder).json() == {"channels": []}
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()
