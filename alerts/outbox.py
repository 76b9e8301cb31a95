"""Deliver queued messages: retries with exponential backoff and jitter, then dead-letter."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from alerts.channels import Channel, DeliveryError
from alerts.store import AlertStore


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 2.0
    max_seconds: float = 600.0
    jitter: float = 0.25  # +/- share of the delay, so a recovering receiver is not stampeded

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        raw = min(self.max_seconds, self.base_seconds * (2 ** max(0, attempt - 1)))
        return timedelta(seconds=raw * (1 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


class OutboxDispatcher:
    def __init__(
        self,
        store: AlertStore,
        channels: Mapping[str, Channel],
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random()

    def deliver_due(self, limit: int = 500) -> DeliveryReport:
        sent = retrying = dead = 0
        for message in self.store.due_messages(limit):
            channel = self.channels.get(message.channel)
            if channel is None:
                self.store.mark_failed(message.id, f"no channel {message.channel!r}", None)
                dead += 1
                continue
            try:
                channel.send(message)
            except DeliveryError as exc:
                attempt = message.attempts + 1
                if exc.retryable and attempt < self.policy.max_attempts:
                    self.store.mark_failed(message.id, str(exc), self.policy.delay(attempt, self._rng))
                    retrying += 1
                else:
                    self.store.mark_failed(message.id, str(exc), None)
                    dead += 1
                continue
            self.store.mark_sent(message.id)
            sent += 1
        return DeliveryReport(sent, retrying, dead)
