"""Sellers linked across platforms: the shops one legal entity runs.

Two shops are linked when they show the same unified social credit code, the same food
production licence (SC number) or producer name (厂名) on their listings, a shop name that
is the same once the platform's shop-type words are taken off (rapidfuzz ratio), or a
shared phone number in their pages. Links are transitive: the group of a seller is every
shop reachable through them, each link with the reason it was made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from alerts.models import Alert, SellerProfile

_SHOP_WORDS = re.compile(
    r"(官方|旗舰店|专营店|专卖店|直营店|企业店|工厂店|特产店|网店|店铺|商行|店)$"
)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
NAME_SIMILARITY = 92.0  # rapidfuzz ratio over the core shop names


@dataclass(frozen=True, slots=True)
class Link:
    a: int  # seller ids
    b: int
    reason: str  # e.g. "统一社会信用代码 9134…", "店铺名称相似 (亳州参行 / 亳州参行旗舰店)"


@dataclass(frozen=True, slots=True)
class SellerGroup:
    sellers: tuple[SellerProfile, ...]
    links: tuple[Link, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.sellers)


def core_name(name: str) -> str:
    text = re.sub(r"\s+", "", name)
    previous = None
    while previous != text:
        previous, text = text, _SHOP_WORDS.sub("", text)
    return text


def _facts(alerts: Iterable[Alert]) -> dict[int, dict[str, set[str]]]:
    out: dict[int, dict[str, set[str]]] = {}
    for alert in alerts:
        if alert.seller_id is None:
            continue
        facts = out.setdefault(alert.seller_id, {"licence": set(), "maker": set(), "phone": set()})
        attributes = alert.listing.get("attributes") or {}
        if isinstance(attributes, dict):
            licence = str(attributes.get("生产许可证编号", "")).strip().upper()
            if licence:
                facts["licence"].add(licence)
            maker = str(attributes.get("厂名", "")).strip()
            if maker:
                facts["maker"].add(maker)
            text = " ".join(str(v) for v in attributes.values())
        else:
            text = ""
        text += " " + str(alert.listing.get("description", ""))
        facts["phone"].update(m.group(1).replace("-", "") for m in _PHONE.finditer(text))
    return out


def link_sellers(sellers: Sequence[SellerProfile], alerts: Sequence[Alert]) -> list[Link]:
    facts = _facts(alerts)
    links: list[Link] = []
    for i, a in enumerate(sellers):
        for b in sellers[i + 1 :]:
            reason = _reason(a, b, facts.get(a.id, {}), facts.get(b.id, {}))
            if reason:
                links.append(Link(a.id, b.id, reason))
    return links


def _reason(
    a: SellerProfile, b: SellerProfile, fa: dict[str, set[str]], fb: dict[str, set[str]]
) -> str:
    if a.credit_code and a.credit_code == b.credit_code:
        return f"统一社会信用代码相同 {a.credit_code}"
    for key, label in (("licence", "生产许可证编号相同"), ("maker", "厂名相同"),
                       ("phone", "联系电话相同")):  # fmt: skip
        shared = sorted(fa.get(key, set()) & fb.get(key, set()))
        if shared:
            return f"{label} {shared[0]}"
    ca, cb = core_name(a.name), core_name(b.name)
    if len(ca) >= 3 and len(cb) >= 3 and fuzz.ratio(ca, cb) >= NAME_SIMILARITY:
        return f"店铺名称相似 ({a.name} / {b.name})"
    return ""


def group_of(
    seller_id: int, sellers: Sequence[SellerProfile], alerts: Sequence[Alert]
) -> SellerGroup:
    """The seller and every shop linked to it, directly or through another linked shop."""
    links = link_sellers(sellers, alerts)
    members, frontier = {seller_id}, [seller_id]
    while frontier:
        current = frontier.pop()
        for link in links:
            other = link.b if link.a == current else link.a if link.b == current else None
            if other is not None and other not in members:
                members.add(other)
                frontier.append(other)
    used = tuple(ln for ln in links if ln.a in members and ln.b in members)
    return SellerGroup(tuple(s for s in sellers if s.id in members), used)
