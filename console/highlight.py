"""Marked-up text as (text, emphasised) segments, so templates escape every character.

Crawled titles are attacker-controlled: the console never passes markup through. Search
backends return highlights as HTML with <em> tags; `highlight_segments` reads those tags
and un-escapes the text between them, and the template escapes it again when rendering.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

Segment = tuple[str, bool]
_EM = re.compile(r"(</?em>)", re.IGNORECASE)


def highlight_segments(fragment: str) -> list[Segment]:
    out: list[Segment] = []
    inside = False
    for piece in _EM.split(fragment):
        tag = piece.lower()
        if tag == "<em>":
            inside = True
        elif tag == "</em>":
            inside = False
        elif piece:
            out.append((html.unescape(piece), inside))
    return out


def mark_segments(text: str, terms: Iterable[str]) -> list[Segment]:
    """`text` split so that every occurrence of any of `terms` is its own emphasised segment."""
    wanted = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not wanted or not text:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out: list[Segment] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            out.append((text[last : match.start()], False))
        out.append((match.group(), True))
        last = match.end()
    if last < len(text):
        out.append((text[last:], False))
    return out


_QUAD = re.compile(r"\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)")


def parse_quad(evidence: str) -> tuple[str, tuple[tuple[float, float], ...]]:
    """Split an `insignia_in_image` evidence string "IMAGE [(x,y), ...]" into image and quad."""
    start = evidence.rfind(" [")
    if start < 0:
        return evidence.strip(), ()
    points = tuple((float(x), float(y)) for x, y in _QUAD.findall(evidence[start:]))
    return evidence[:start].strip(), points if len(points) >= 3 else ()
