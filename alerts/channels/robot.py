"""Chat robots (DingTalk, WeCom, Feishu) through apprise: shared by the robot modules.

Apprise URLs carry the robot tokens, so nothing here prints them: the channel shows a
masked URL and a log filter redacts the secrets from apprise's own log lines while sending.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import apprise

from alerts.channels import DeliveryError
from alerts.channels.options import ChannelConfigError, mask
from alerts.messages import MessageRenderer
from alerts.models import OutboxMessage
from netpolicy import AddressPolicy, BlockedAddress

APPRISE_LOGGER = "apprise"


class _RedactSecrets(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(s in text for s in self._secrets):
            for secret in self._secrets:
                text = text.replace(secret, mask(secret))
            record.msg, record.args = text, ()
        return True


class RobotChannel:
    """Sends the rendered text (subject on the first line) to one apprise robot URL."""

    def __init__(
        self,
        name: str,
        url: str,
        secrets: Sequence[str],
        renderer: MessageRenderer | None = None,
        *,
        endpoint: str = "",
        policy: AddressPolicy | None = None,
    ) -> None:
        self.name = name
        self.endpoint = endpoint  # host name of the robot API (fixed by the service)
        self._policy = policy or AddressPolicy()
        self._secrets = tuple(s for s in secrets if s)
        self._renderer = renderer or MessageRenderer()
        self._apprise = apprise.Apprise()
        with self._redacted():
            added = self._apprise.add(url)
        if not added:
            raise ChannelConfigError(
                f"channel {name!r}: apprise rejected the robot URL {self.masked_url(url)!r}"
            )
        self.display_url = self.masked_url(url)

    def masked_url(self, url: str) -> str:
        for secret in self._secrets:
            url = url.replace(secret, mask(secret))
        return url

    @contextmanager
    def _redacted(self) -> Iterator[None]:
        logger = logging.getLogger(APPRISE_LOGGER)
        redact = _RedactSecrets(self._secrets)
        logger.addFilter(redact)
        try:
            yield
        finally:
            logger.removeFilter(redact)

    def text(self, message: OutboxMessage) -> str:
        rendered = self._renderer.render(message.payload)
        # The robots show no separate title, and apprise would join it in a robot-specific
        # way; one body with the subject as its first line reads the same everywhere.
        if rendered.text.startswith(rendered.subject):
            return rendered.text
        return f"{rendered.subject}\n{rendered.text}"

    def send(self, message: OutboxMessage) -> None:
        if self.endpoint:
            # apprise connects through requests, which cannot be pinned to an address; the
            # endpoint is the service's fixed host, checked here right before sending.
            try:
                self._policy.check_host(self.endpoint, 443)
            except BlockedAddress as exc:
                raise DeliveryError(f"{self.name}: {exc}", retryable=False) from exc
        with self._redacted():
            ok = self._apprise.notify(body=self.text(message))
        if not ok:
            # apprise reports only success or failure; assume the robot may recover.
            raise DeliveryError(f"{self.name}: robot at {self.display_url} did not accept")

    def close(self) -> None:
        return None


def check_token(channel: str, value: str) -> None:
    """Robot tokens go into an apprise URL: nothing that could change its host or path."""
    if any(c in value for c in "/@:?#\\ ") or not value.isprintable():
        raise ChannelConfigError(f"channel {channel!r}: the robot token has invalid characters")
