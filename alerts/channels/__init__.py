"""Delivery channels: one module per channel, all implementing `Channel`.

A channel module declares `TYPE`, its `OPTIONS` (see `options.py`) and `build(name, options)`;
`registry.build_channel` validates a configuration table against them at load time.
"""

from __future__ import annotations

from typing import Protocol

from alerts.models import OutboxMessage


class DeliveryError(RuntimeError):
    """A failed delivery; `retryable` says whether the outbox should try again."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class Channel(Protocol):
    name: str

    def send(self, message: OutboxMessage) -> None:
        """Deliver or raise DeliveryError."""

    def close(self) -> None:
        """Release connections."""
