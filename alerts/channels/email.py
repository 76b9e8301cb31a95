"""E-mail over SMTP (stdlib smtplib): plain-text UTF-8 body from the message templates.

The idempotency key becomes the Message-ID, so mail systems and people can spot a repeat.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from alerts.channels import DeliveryError
from alerts.channels.options import Option
from alerts.messages import MessageRenderer
from alerts.models import OutboxMessage
from netpolicy import AddressPolicy, BlockedAddress
from netpolicy.smtp import open_smtp

TYPE = "email"
OPTIONS = (
    Option("host", required=True),
    Option("port", "int", default=25),
    Option("sender", required=True, help="From: address"),
    Option("to", "list[str]", required=True),
    Option("username"),
    Option("password", secret=True),
    Option("starttls", "bool", default=False),
    Option("ssl", "bool", default=False),
    Option("timeout", "float", default=10.0),
)
KEY_HEADER = "X-MarkWatch-Idempotency-Key"


class EmailChannel:
    def __init__(
        self,
        name: str,
        options: dict[str, Any],
        renderer: MessageRenderer | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.name = name
        self._options = options
        self._renderer = renderer or MessageRenderer()
        self._policy = policy or AddressPolicy()

    def compose(self, message: OutboxMessage) -> EmailMessage:
        rendered = self._renderer.render(message.payload)
        mail = EmailMessage()
        mail["Subject"] = rendered.subject
        mail["From"] = self._options["sender"]
        mail["To"] = ", ".join(self._options["to"])
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message.idempotency_key}@markwatch>"
        mail[KEY_HEADER] = message.idempotency_key
        mail.set_content(rendered.text, charset="utf-8")
        return mail

    def send(self, message: OutboxMessage) -> None:
        mail = self.compose(message)
        opts = self._options
        try:
            # Resolved once and checked; the connection goes to that address (no rebinding).
            smtp = open_smtp(
                self._policy, opts["host"], opts["port"], opts["timeout"], use_ssl=opts["ssl"]
            )
            with smtp:
                if opts["starttls"]:
                    smtp.starttls(context=ssl.create_default_context())
                if opts["username"]:
                    smtp.login(opts["username"], opts["password"] or "")
                smtp.send_message(mail)
        except BlockedAddress as exc:
            raise DeliveryError(f"{self.name}: {exc}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            # 4xx is the server asking us to come back later; 5xx will not change.
            raise DeliveryError(
                f"{self.name}: SMTP {exc.smtp_code}",
                retryable=exc.smtp_code < 500,
                status=exc.smtp_code,
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"{self.name}: all recipients refused", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        return None


def check(options: dict[str, Any], policy: AddressPolicy) -> None:
    """The address policy at save and load time (BlockedAddress when refused)."""
    policy.check_host(str(options["host"]), int(options["port"]))


def build(name: str, options: dict[str, Any], policy: AddressPolicy) -> EmailChannel:
    return EmailChannel(name, options, policy=policy)
