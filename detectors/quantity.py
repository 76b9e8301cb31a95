"""Quantities in listings ("2.5kg*2袋", "5斤装", "3两", "10支") and price per unit.

Prices are CNY; the Pinduoduo parser converts its fen before a Listing is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GRAMS_PER_UNIT = {
    "kg": 1000.0,
    "公斤": 1000.0,
    "千克": 1000.0,
    "g": 1.0,
    "克": 1.0,
    "斤": 500.0,
    "两": 50.0,
}
_CN_DIGITS = {
    "半": 0.5,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_NUMBER = r"(\d+(?:\.\d+)?)"
_WEIGHT_RE = re.compile(
    _NUMBER + r"(?:\s*[-~～到至]\s*\d+(?:\.\d+)?)?\s*(kg|公斤|千克|克|g|斤|两)(?![a-z])"
    r"(?:\s*(?:装|/袋|/盒|/包))?(?:\s*[*x×✖]\s*(\d+))?",
    re.IGNORECASE,
)
_CN_WEIGHT_RE = re.compile(r"(?<![\d.])([半一二两三四五六七八九十])\s*(公斤|千克|斤)")
_ROOTS_RE = re.compile(r"(\d+)\s*(?:支|根|株|棵)(?:装)?")
_PACKS_BEFORE_RE = re.compile(r"(\d+)\s*(?:袋|盒|包|罐|瓶)\s*[*x×✖]\s*$")


@dataclass(frozen=True, slots=True)
class Quantity:
    grams: float | None = None
    roots: int | None = None
    text: str = ""


def parse_quantity(*texts: str) -> Quantity:
    """The first quantity found, trying each text in order (quantity field, then title)."""
    for text in texts:
        if not text:
            continue
        q = _weight(text)
        if q is not None:
            return q
        m = _ROOTS_RE.search(text)
        if m and int(m.group(1)) > 0:
            return Quantity(roots=int(m.group(1)), text=m.group(0))
    return Quantity()


def _weight(text: str) -> Quantity | None:
    m = _WEIGHT_RE.search(text)
    if m:
        amount = float(m.group(1)) * GRAMS_PER_UNIT[m.group(2).lower()]
        multiplier = int(m.group(3)) if m.group(3) else 1
        packs = _PACKS_BEFORE_RE.search(text[: m.start()])
        if packs and not m.group(3):
            multiplier = int(packs.group(1))
        grams = amount * max(multiplier, 1)
        if grams > 0:
            return Quantity(grams=grams, text=m.group(0).strip())
    m2 = _CN_WEIGHT_RE.search(text)
    if m2:
        grams = _CN_DIGITS[m2.group(1)] * GRAMS_PER_UNIT[m2.group(2)]
        return Quantity(grams=grams, text=m2.group(0))
    return None


def price_per_500g(price: float, quantity: Quantity) -> float | None:
    if quantity.grams is None or quantity.grams <= 0:
        return None
    return price * 500.0 / quantity.grams


def price_per_root(price: float, quantity: Quantity) -> float | None:
    if quantity.roots is None or quantity.roots <= 0:
        return None
    return price / quantity.roots
