"""Deliver queued messages: claim, send, settle; retries with exponential backoff and jitter,
then the dead-letter state staff can see and retry (`markwatch alerts dead-letters|retry`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from alerts.channels import Channel, DeliveryError
from alerts.config import RetryConfig
from alerts.store import AlertStore
from alerts.timeutil import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 2.0
    max_seconds: float = 600.0
    jitter: float = 0.25  # +/- share of the delay, so a recovering receiver is not stampeded

    @classmethod
    def from_config(cls, config: RetryConfig) -> RetryPolicy:
        return cls(config.max_attempts, config.base_seconds, config.max_seconds, config.jitter)

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        raw = min(self.max_seconds, self.base_seconds * (2 ** max(0, attempt - 1)))
        return timedelta(seconds=raw * (1 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0  # leases of vanished senders given back to the queue

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.dead + other.dead,
            self.released + other.released,
        )


class OutboxDispatcher:
    def __init__(
        self,
        store: AlertStore,
        channels: Mapping[str, Channel],
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        *,
        lease: timedelta | None = None,
        on_sent: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.policy = policy or RetryPolicy.from_config(store.config.retry)
        self.lease = lease or timedelta(seconds=store.config.lease_seconds)
        self._rng = rng or random.Random()
        self._on_sent = on_sent

    def deliver_due(self, limit: int = 500) -> DeliveryReport:
        """One pass: give back expired leases, then send what is due now (up to `limit`)."""
        outbox = self.store.outbox
        released = outbox.release_expired()
        # Only what is due when the pass starts: a message whose retry falls due during
        # the pass waits for the next one instead of being hammered in a loop.
        started = utcnow()
        sent = retrying = dead = 0
        remaining = limit
        while remaining > 0:
            # Claim in small batches so a crash strands few messages behind a lease.
            batch = outbox.claim(min(remaining, 20), self.lease, due_before=started)
            if not batch:
                break
            remaining -= len(batch)
            for message in batch:
                channel = self.channels.get(message.channel)
                if channel is None:
                    outbox.mark_failed(message, f"no channel {message.channel!r} configured", None)
                    dead += 1
                    continue
                try:
                    channel.send(message)
                except DeliveryError as exc:
                    attempt = message.attempts + 1
                    if exc.retryable and attempt < self.policy.max_attempts:
                        outbox.mark_failed(message, str(exc), self.policy.delay(attempt, self._rng))
                        retrying += 1
                    else:
                        outbox.mark_failed(message, str(exc), None)
                        dead += 1
                        logger.warning(
                            "dead letter %s on %s: %s",
                            message.idempotency_key,
                            message.channel,
                            exc,
                        )
                    continue
                if not outbox.mark_sent(message):
                    logger.warning(
                        "lease on %s expired while sending; it may be sent again",
                        message.idempotency_key,
                    )
                sent += 1
                if self._on_sent:
                    self._on_sent(message.idempotency_key)
        return DeliveryReport(sent, retrying, dead, released)

    def deliver_until_idle(self, timeout: float, *, max_wait: float = 1.0) -> DeliveryReport:
        """Keep delivering until nothing is pending or in flight, or `timeout` seconds pass.

        Waits for the next retry or lease expiry in between, at most `max_wait` at a time.
        """
        deadline = time.monotonic() + timeout
        total = DeliveryReport()
        while True:
            total += self.deliver_due()
            due = self.store.outbox.next_due_at()
            if due is None or time.monotonic() >= deadline:
                return total
            wait = (due - utcnow()).total_seconds()
            time.sleep(min(max(wait, 0.01), max_wait, max(0.0, deadline - time.monotonic())))


class BackgroundDelivery:
    """Delivers while a crawl runs: one pass every `interval_s` on its own thread, so an
    alert waits at most about one interval (plus the send) before it leaves.

    The crawl's final `deliver_until_idle` still runs after `stop()`, for retries.
    """

    def __init__(self, dispatcher: OutboxDispatcher, interval_s: float = 0.25) -> None:
        if interval_s <= 0:
            raise ValueError(f"delivery interval must be positive, got {interval_s}")
        self.dispatcher = dispatcher
        self.interval_s = interval_s
        self.report = DeliveryReport()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-delivery", daemon=True)

    def __enter__(self) -> BackgroundDelivery:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.report += self.dispatcher.deliver_due()
            except Exception:  # a store hiccup must not end delivery for the whole crawl
                logger.exception("background delivery pass failed; retrying next interval")
            self._stop.wait(self.interval_s)
