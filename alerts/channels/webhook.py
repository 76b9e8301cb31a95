"""JSON webhook: POST the alert as JSON, with an idempotency key receivers can dedupe on."""

from __future__ import annotations

import json

import httpx

from alerts.channels import DeliveryError
from alerts.models import OutboxMessage

# 408/429 and server errors may succeed later; other 4xx will not.
_RETRYABLE = {408, 425, 429}


class WebhookChannel:
    def __init__(self, url: str, *, timeout: float = 10.0, name: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s), got {url!r}")
        self.url = url
        self.name = name or f"webhook:{url}"
        self._client = httpx.Client(timeout=timeout)

    def send(self, message: OutboxMessage) -> None:
        body = json.dumps(message.payload, ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(
                f"{self.name}: HTTP {response.status_code}",
                retryable=response.status_code >= 500 or response.status_code in _RETRYABLE,
                status=response.status_code,
            )

    def close(self) -> None:
        self._client.close()
