"""Message bodies for people: Jinja2 templates in Chinese, falling back to English.

Templates live in `alerts/templates/NAME.LANG.txt`; a language without its own template
uses the English one, so adding a language never breaks delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from alerts.channels import DeliveryError

FALLBACK_LANGUAGE = "en"
VERDICT_LABELS = {
    "zh": {"infringing": "侵权", "suspicious": "疑似侵权", "clear": "未发现问题"},
    "en": {"infringing": "Infringing", "suspicious": "Suspicious", "clear": "Clear"},
}


class RenderError(DeliveryError):
    """A payload the templates cannot render: retrying will not help, a person must look."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str


class MessageRenderer:
    def __init__(self) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("alerts", "templates"),
            autoescape=False,  # plain text and JSON bodies, never HTML
            # A message queued by an older version may lack a newer field: render it empty
            # rather than strand the alert.
            undefined=jinja2.ChainableUndefined,
            keep_trailing_newline=False,
        )

    def render(self, payload: dict[str, Any]) -> RenderedMessage:
        """Subject and body for an alert or a digest payload, in the payload's language."""
        language = str(payload.get("language") or "zh")
        name = "digest" if payload.get("type") == "digest" else "alert"
        try:
            context = self._context(payload, language)
            subject = self._template(f"{name}_subject", language).render(context).strip()
            text = self._template(name, language).render(context).strip()
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            raise RenderError(f"cannot render {name} message: {exc}") from exc
        return RenderedMessage(subject=subject, text=text)

    def _template(self, name: str, language: str) -> jinja2.Template:
        try:
            return self._env.get_template(f"{name}.{language}.txt")
        except jinja2.TemplateNotFound:
            return self._env.get_template(f"{name}.{FALLBACK_LANGUAGE}.txt")

    def _context(self, payload: dict[str, Any], language: str) -> dict[str, Any]:
        labels = VERDICT_LABELS.get(language, VERDICT_LABELS[FALLBACK_LANGUAGE])
        context = dict(payload)
        if payload.get("type") == "digest":
            context["alerts"] = [_alert_context(a, labels) for a in payload.get("alerts", [])]
            return context
        return _alert_context(context, labels)


def _alert_context(alert: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    context = dict(alert)
    listing = dict(alert.get("listing") or {})
    context["listing"] = listing
    context["seller"] = dict(listing.get("seller") or {})
    context["verdict_label"] = labels.get(str(alert.get("verdict")), str(alert.get("verdict")))
    context.setdefault("links", {"evidence": "", "alert": ""})
    context.setdefault("repeat_infringer", False)
    return context
