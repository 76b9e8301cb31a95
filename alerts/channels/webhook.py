"""JSON webhook: POST the alert as JSON with an idempotency key; signed when given a secret.

Signature: `X-MarkWatch-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
with the Unix timestamp in `X-MarkWatch-Timestamp`. Receivers recompute it over the raw
body, reject stale timestamps (replays) and drop repeats by `Idempotency-Key`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from alerts.channels import DeliveryError
from alerts.channels.options import Option
from alerts.models import OutboxMessage
from netpolicy import AddressPolicy
from netpolicy.http import PinnedTransport, PolicyError

TYPE = "webhook"
OPTIONS = (
    Option("url", required=True, help="http(s) endpoint"),
    Option("secret", secret=True, help="HMAC-SHA256 key; unsigned when empty"),
    Option("timeout", "float", default=10.0),
)
TIMESTAMP_HEADER = "X-MarkWatch-Timestamp"
SIGNATURE_HEADER = "X-MarkWatch-Signature"
KEY_HEADER = "Idempotency-Key"

# 408/425/429 and server errors may succeed later; other 4xx will not.
_RETRYABLE = {408, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    received: str,
    *,
    now: float | None = None,
    tolerance_seconds: float = 300.0,
) -> bool:
    """What a receiver does: a fresh timestamp and a matching HMAC (compared in constant time)."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), received)


class WebhookChannel:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        name: str | None = None,
        secret: str | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s), got {url!r}")
        self.url = url
        self.name = name or f"webhook:{url}"
        self._secret = secret or None
        # Checked at connect time too, on the address actually connected to (DNS rebinding).
        # Redirects are not followed (httpx's default), so only this URL is ever reached.
        guarded = PinnedTransport(policy or AddressPolicy().allowing(url), transport)
        self._client = httpx.Client(timeout=timeout, transport=guarded)

    def headers(self, message: OutboxMessage, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            KEY_HEADER: message.idempotency_key,
        }
        if self._secret:
            timestamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = signature(self._secret, timestamp, body)
        return headers

    def send(self, message: OutboxMessage) -> None:
        body = json.dumps(message.payload, ensure_ascii=False).encode("utf-8")
        try:
            response = self._client.post(
                self.url, content=body, headers=self.headers(message, body)
            )
        except PolicyError as exc:
            raise DeliveryError(f"{self.name}: {exc.blocked}", retryable=False) from exc
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


def check(options: dict[str, Any], policy: AddressPolicy) -> None:
    """The address policy at save and load time (BlockedAddress when refused)."""
    policy.check_url(str(options["url"]))


def build(name: str, options: dict[str, Any], policy: AddressPolicy) -> WebhookChannel:
    return WebhookChannel(
        options["url"],
        timeout=options["timeout"],
        name=name,
        secret=options["secret"],
        policy=policy,
    )
