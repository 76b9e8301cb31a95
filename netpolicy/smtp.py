"""smtplib clients that connect to a checked address: the SMTP host is resolved once by
the policy; greetings and TLS keep the configured name (certificates are checked against it).
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from netpolicy import AddressPolicy, Pinned, connect


class PinnedSMTP(smtplib.SMTP):
    def __init__(self, pinned: Pinned, timeout: float) -> None:
        self._pinned = pinned
        super().__init__(pinned.host, pinned.port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return connect(self._pinned, timeout, self.source_address)


class PinnedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, pinned: Pinned, timeout: float, context: ssl.SSLContext) -> None:
        self._pinned = pinned
        super().__init__(pinned.host, pinned.port, timeout=timeout, context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = connect(self._pinned, timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=self._pinned.host)


def open_smtp(
    policy: AddressPolicy, host: str, port: int, timeout: float, *, use_ssl: bool = False
) -> smtplib.SMTP:
    """Check `host:port` (BlockedAddress when refused) and connect to the checked address."""
    pinned = policy.pin(host, port)
    if use_ssl:
        return PinnedSMTPSSL(pinned, timeout, ssl.create_default_context())
    return PinnedSMTP(pinned, timeout)
