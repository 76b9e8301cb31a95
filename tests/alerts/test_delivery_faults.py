"""Signed webhook delivery under faults: a receiver that is down for a while, and a MarkWatch
process killed mid-send and started again. Counted by idempotency key at a real receiver.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from alerts.channels import DeliveryError
from alerts.channels.webhook import WebhookChannel, signature, verify_signature
from alerts.config import AlertsConfig, ChannelConfig, RetryConfig
from alerts.models import OutboxMessage
from alerts.outbox import OutboxDispatcher
from alerts.store import AlertStore
from alerts.watchlists import Watchlist

from .receivers import SignedReceiver
from .samples import finding, listing

REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec-test-0123456789"


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def _config(url: str, lease_seconds: float = 120.0) -> AlertsConfig:
    return AlertsConfig(
        lease_seconds=lease_seconds,
        retry=RetryConfig(max_attempts=50, base_seconds=0.05, max_seconds=0.2, jitter=0.1),
        channels=(
            ChannelConfig("hook", "webhook", {"type": "webhook", "url": url, "secret": SECRET}),
        ),
        watchlists=(
            Watchlist("all-ginseng", "长白山人参协会", marks=("长白山人参",), channels=("hook",)),
        ),
    )


def _record(store: AlertStore, n: int) -> None:
    for i in range(n):
        item = listing(i)
        store.record(item, finding(item))


def test_signature_verification_rejects_tampering_and_replays() -> None:
    body = b'{"mark":"\xe5\x86\xb0\xe5\xa2\xa9\xe5\xa2\xa9"}'
    good = signature(SECRET, "1770000000", body)
    assert verify_signature(SECRET, "1770000000", body, good, now=1770000010)
    assert not verify_signature(SECRET, "1770000000", body + b" ", good, now=1770000010)
    assert not verify_signature("other", "1770000000", body, good, now=1770000010)
    assert not verify_signature(SECRET, "1770000000", body, good, now=1770000000 + 3600)


def test_unsigned_or_forged_posts_are_refused_by_the_receiver() -> None:
    with SignedReceiver(SECRET) as receiver:
        forged = WebhookChannel(receiver.url, name="hook", secret="wrong-secret")
        message = OutboxMessage(1, 1, "hook", "mw-alert-1-x", {"mark": "冰墩墩"}, 0)
        with pytest.raises(DeliveryError) as caught:
            forged.send(message)
        forged.close()
    assert caught.value.status == 401 and not caught.value.retryable
    assert receiver.rejected == 1 and receiver.accepted == {}


def test_receiver_down_for_part_of_the_run_gets_every_alert_once_back(db_url: str) -> None:
    receiver = SignedReceiver(SECRET).start()
    url = receiver.url
    store = AlertStore(db_url, config=_config(url))
    _record(store, 10)
    channel = WebhookChannel(url, name="hook", secret=SECRET, timeout=2)
    dispatcher = OutboxDispatcher(store, {"hook": channel})
    first = dispatcher.deliver_due(limit=4)  # receiver up: the first four arrive
    receiver.stop()  # ... then it goes down
    down = dispatcher.deliver_due()
    assert (first.sent, down.sent, down.retrying) == (4, 0, 6)
    assert store.outbox_counts() == {"sent": 4, "pending": 6}

    back = SignedReceiver(SECRET, port=int(url.rsplit(":", 1)[1].split("/")[0]))
    back.accepted.update(receiver.accepted)
    back.posts.extend(receiver.posts)
    with back:
        rest = dispatcher.deliver_until_idle(timeout=30)
    channel.close()
    assert rest.sent == 6 and store.outbox_counts() == {"sent": 10}
    assert len(back.accepted) == 10 and len(back.posts) == 10  # no repeats at all
    store.close()


def _deliver_process(config_file: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "markwatch.cli",
            "--config",
            str(config_file),
            "alerts",
            "deliver",
            "--until-idle",
            "--timeout",
            "60",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_restart_mid_run_sends_no_alert_twice(db_url: str, tmp_path: Path) -> None:
    total = 30
    with SignedReceiver(SECRET) as receiver:
        config_file = tmp_path / "markwatch.toml"
        db = db_url if "://" in db_url else Path(db_url).as_posix()
        config_file.write_text(
            f'[markwatch]\ndata_dir = "{tmp_path.as_posix()}"\ndb_url = "{db}"\n'
            "[alerts]\nlease_seconds = 1.0\n"
            "[alerts.retry]\nbase_seconds = 0.05\nmax_seconds = 0.2\n"
            f'[alerts.channels.hook]\ntype = "webhook"\nurl = "{receiver.url}"\n'
            f'secret = "{SECRET}"\n'
            '[[alerts.watchlists]]\nname = "all-ginseng"\nowner = "长白山人参协会"\n'
            'marks = ["长白山人参"]\nchannels = ["hook"]\n',
            encoding="utf-8",
        )
        store = AlertStore(db_url, config=_config(receiver.url, lease_seconds=1.0))
        _record(store, total)
        store.close()

        # Hold the 11th request open and kill the sender while it waits for the answer:
        # that message was received but never marked sent, so it is in flight at the crash.
        receiver.hold_after = 10
        first = _deliver_process(config_file)
        _wait_for(receiver.holding.is_set)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        receiver.hold_after = None
        receiver.release.set()

        second = _deliver_process(config_file)
        out, err = second.communicate(timeout=90)
        assert second.returncode == 0, err
        summary = json.loads(out.strip().splitlines()[-1])

    assert summary["outbox"] == {"sent": total}
    assert len(set(receiver.posts)) == total == len(receiver.accepted)
    # Only the one message in flight at the kill reached the receiver twice (same key);
    # none of the ten settled before the kill was sent again.
    assert len(receiver.posts) == total + 1
    repeated = {k for k in receiver.posts if receiver.posts.count(k) > 1}
    assert repeated == {receiver.posts[10]}
