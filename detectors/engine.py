"""The Detector: Listing (+ image evidence) -> Finding with scored, readable reasons.

Reasons combine per mark as a noisy-OR of their configured weights; the verdict
follows the highest mark score and the thresholds in DetectorConfig.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.admin_codes import sc_licence
from detectors.catalog_loader import Catalog, Mark, short_admin_name
from detectors.config import DetectorConfig
from detectors.matching import MarkMatcher, Occurrence
from detectors.offer import OfferJudge
from detectors.quantity import Quantity, parse_quantity, price_per_500g, price_per_root
from detectors.region import GAZETTEER_FILE, Placement, RegionJudge
from detectors.types import (
    Finding,
    ImageEvidence,
    InsigniaMatch,
    Listing,
    MarkHit,
    Reason,
    Verdict,
)

_NAME_JUNK_RE = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class _Seen:
    """One sighting of a mark: in the listing text, in an image's text, or as an insignia."""

    mark: Mark
    text: str
    image: str = ""
    occurrence: Occurrence | None = None
    insignia: InsigniaMatch | None = None

    @property
    def evidence(self) -> str:
        return f"{self.image}: {self.text}" if self.image else self.text


class Detector:
    """Builds its automata once; `detect` is pure and may be called from many threads."""

    def __reduce__(self) -> tuple[type[Detector], tuple[Catalog, DetectorConfig]]:
        # Pickled as its inputs and rebuilt (automata included) where it lands: a detection
        # worker process gets the same detector, so the same findings.
        return (Detector, (self.catalog, self.config))

    def __init__(self, catalog: Catalog, config: DetectorConfig | None = None) -> None:
        self.catalog = catalog
        self.config = config or DetectorConfig()
        self._matcher = MarkMatcher(catalog, self.config, broad_places=_province_names())
        plain = self._matcher.folder.plain
        self._plain = plain
        self._regions = RegionJudge(catalog.marks, plain)
        self._offers = OfferJudge(catalog.lexicon, plain)
        self._licensed_names = frozenset(self._seller_key(p.name) for p in catalog.licensees)
        self._licensed_codes = frozenset(
            p.credit_code.upper() for p in catalog.licensees if p.credit_code
        )
        lex = catalog.lexicon
        self._claims = tuple(
            sorted({plain(c) for c in lex.authorisation_claims}, key=len, reverse=True)
        )
        self._negations = tuple(plain(n) for n in lex.claim_negations)
        markers = "|".join(
            re.escape(plain(m)) for m in sorted(lex.origin_markers, key=len, reverse=True)
        )
        self._origin_re = (
            re.compile(f"(?:{markers})\\s*[:：]?\\s*([^\\s,，。;；!！?？|/、【】()（）]{{2,14}})")
            if markers
            else None
        )
        self._origin_labels = tuple(lex.origin_attributes)
        self._producer_labels = tuple(lex.producer_attributes)
        self._licence_labels = tuple(lex.licence_attributes)
        self._by_name: dict[str, Mark] = {}
        for mark in catalog.marks:
            for name in (*mark.chinese_names, *mark.english):
                self._by_name.setdefault(self._seller_key(name), mark)

    # ---------------------------------------------------------------------------------
    def detect(self, listing: Listing, images: Sequence[ImageEvidence] = ()) -> Finding:
        """Judge one listing. `listing.price` is in CNY."""
        text = self._plain(_listing_text(listing))
        seen = [_Seen(o.mark, o.text, occurrence=o) for o in self._matcher.find(text)]
        errors: list[str] = []
        image_texts: list[str] = []
        for evidence in images:
            if evidence.error:
                errors.append(f"{evidence.image}: {evidence.error}")
            if evidence.ocr_text:
                ocr = self._plain(evidence.ocr_text)
                image_texts.append(ocr)
                seen.extend(
                    _Seen(o.mark, o.text, image=evidence.image, occurrence=o)
                    for o in self._matcher.find(ocr)
                )
            for match in evidence.insignia:
                seen.append(
                    _Seen(
                        self._insignia_mark(match.mark),
                        match.region_text(),
                        image=evidence.image,
                        insignia=match,
                    )
                )
        if not seen:
            return Finding(listing.id, "clear", 0.0, (), tuple(errors))
        offer = self._offers.judge(listing, text)
        if not offer.is_offer:
            # News, notices and explainers name marks without offering goods: no alert, but
            # the Finding says which marks were named and why nothing is raised.
            reason = Reason("not_an_offer", offer.detail, offer.evidence)
            names = dict.fromkeys((s.mark.name, s.mark.kind) for s in seen)
            marks = tuple(MarkHit(n, k, 0.0, (reason,)) for n, k in names)
            return Finding(listing.id, "clear", 0.0, marks, tuple(errors))

        by_mark: dict[str, list[_Seen]] = {}
        for s in seen:
            by_mark.setdefault(s.mark.name, []).append(s)
        hits: list[tuple[Mark, list[Reason]]] = []
        for sightings in by_mark.values():
            mark = sightings[0].mark
            reasons = self._sighting_reasons(sightings)
            if mark.kind == "gi":
                reasons += self._gi_reasons(mark, listing, text, sightings)
            else:
                reasons += self._olympic_reasons(mark, listing, [text, *image_texts], sightings)
            hits.append((mark, reasons))
        marks = self._rank(hits)
        score = max((m.score for m in marks), default=0.0)
        return Finding(listing.id, self._verdict(score), score, marks, tuple(errors))

    def detect_many(self, listings: Iterable[Listing]) -> list[Finding]:
        """Findings in the order of `listings`."""
        return [self.detect(listing) for listing in listings]

    # -- reasons ------------------------------------------------------------------------
    def _sighting_reasons(self, sightings: Sequence[_Seen]) -> list[Reason]:
        reasons: list[Reason] = []
        for s in sightings:
            name = s.mark.name
            if s.insignia is not None:
                reasons.append(
                    Reason(
                        "insignia_in_image",
                        f"图片 {s.image} 中识别出{name}标志（匹配得分 {s.insignia.score:.2f}）。",
                        f"{s.image} {s.text}",
                    )
                )
                continue
            if s.image:
                reasons.append(
                    Reason(
                        "mark_in_image_text",
                        f"图片 {s.image} 上的文字含有“{name}”。",
                        s.evidence,
                    )
                )
            if s.occurrence is not None and s.occurrence.evasive:
                how = (
                    "近似拼写的拼音"
                    if s.occurrence.how == "fuzzy"
                    else "变形写法（拼音、形近字或同音字、拆字或插入分隔符）"
                )
                reasons.append(
                    Reason(
                        "evasive_spelling",
                        f"“{s.text}”以{how}书写“{name}”，有意规避平台过滤。",
                        s.evidence,
                    )
                )
        return _unique(reasons)

    def _gi_reasons(
        self, mark: Mark, listing: Listing, text: str, sightings: Sequence[_Seen]
    ) -> list[Reason]:
        """Where the goods come from, and who says so.

        A seller outside the region alone is only suspicious (resellers lawfully sell genuine
        goods); a stated origin, producer or SC licence outside the region is strong evidence.
        A stated origin or producer inside the region weighs against the seller's location.
        """
        reasons: list[Reason] = []
        location = listing.seller.location.strip()
        seller: Placement = (
            self._regions.place(location, mark, strict=True) if location else "unknown"
        )
        region = _region_text(mark)
        statements = self._statements(listing, text, mark)
        outside = next((st for st in statements if st.placement == "out"), None)
        inside = next((st for st in statements if st.placement == "in"), None)
        if outside is not None:
            reasons.append(
                Reason(
                    outside.code,
                    f"“{mark.name}”的保护范围为{region}，但{outside.what}为{outside.text}。",
                    outside.text,
                )
            )
        if seller == "out":
            if inside and not outside:
                detail = (
                    f"卖家所在地{location}不在“{mark.name}”的保护范围（{region}）内，"
                    f"但{inside.what}为{inside.text}，在保护范围内；可能是合法转售，需核实。"
                )
            else:
                detail = (
                    f"卖家所在地{location}不在“{mark.name}”的保护范围（{region}）内；"
                    "卖家所在地本身不能证明侵权（经销商可合法销售正品），需核实货源。"
                )
            code = "reseller_outside_region" if inside and not outside else "seller_outside_region"
            reasons.append(Reason(code, detail, location))
        elif seller == "unknown" and inside is not None and outside is None:
            # Counterfeits state the protected origin too ("产地：五常"): a claim in the
            # listing's own words cannot clear it. A producer licence registered in the
            # region (the SC code's GB/T 2260 division; `_statements` lists it first, so
            # it is `inside` when it is in the region) or an in-region seller can.
            if not inside.verified:
                reasons.append(
                    Reason(
                        "origin_unverified",
                        f"{inside.what}为{inside.text}，在“{mark.name}”的保护范围（{region}）内，"
                        "但卖家所在地未标明、也无保护范围内的生产许可证，该说法无法核实；"
                        "需核实是否为授权使用者。",
                        inside.text,
                    )
                )
        elif seller == "unknown" and inside is None and outside is None:
            reasons.append(
                Reason(
                    "origin_unknown",
                    f"商品使用“{mark.name}”，但未标明卖家所在地或产地，无法核对是否在{region}。",
                    location,
                )
            )
        reasons += self._price_reasons(mark, listing)
        for s in sightings:
            if s.occurrence is not None and s.occurrence.qualifier:
                reasons.append(
                    Reason(
                        "gi_qualifier_misuse",
                        f"“{mark.name}”后附“{s.occurrence.qualifier}”等字样；按地理标志规定，"
                        "“同款、型、式、类、风味”等表述同样属于使用该标志。",
                        s.occurrence.qualifier,
                    )
                )
                break
        evasive = any(s.occurrence is not None and s.occurrence.evasive for s in sightings)
        for s in sightings:
            o = s.occurrence
            if o is not None and o.how == "place" and not evasive:
                reasons.append(
                    Reason(
                        "gi_place_and_product",
                        f"“{o.text}”将“{mark.name}”的产地名“{o.place}”用于同类商品"
                        f"“{o.product}”，属于使用该地理标志。",
                        o.text,
                    )
                )
                break
        return reasons

    def _statements(self, listing: Listing, text: str, mark: Mark) -> list[_Statement]:
        """Origins and producers the listing states: attribute table first, then its text."""
        out: list[_Statement] = []
        attributes = listing.attributes
        for label in self._licence_labels:
            value = attributes.get(label, "")
            licence = sc_licence(value) if value else None
            if licence is not None and licence.division is not None:
                where = licence.division.text
                out.append(
                    _Statement(
                        "licence_outside_region",
                        f"生产许可证 {licence.number} 的生产者行政区划代码"
                        f"（{licence.division.code}，GB/T 2260）",
                        where,
                        self._regions.place(where, mark, strict=False),
                        verified=True,
                    )
                )
                break
        for labels, code, what in (
            (self._producer_labels, "producer_outside_region", "标明的生产或包装企业"),
            (self._origin_labels, "origin_outside_region", "标明产地"),
        ):
            for label in labels:
                value = attributes.get(label, "").strip()
                if value:
                    placement = self._regions.place(value, mark, strict=False)
                    out.append(_Statement(code, f"{what}（{label}）", value, placement))
        for origin in self._origins(text):
            placement = self._regions.place(origin, mark, strict=False)
            out.append(_Statement("origin_outside_region", "商品标明产地", origin, placement))
        return out

    def _price_reasons(self, mark: Mark, listing: Listing) -> list[Reason]:
        if listing.price is None:
            return []
        floor = mark.price_floor
        q: Quantity = parse_quantity(listing.quantity, listing.title, listing.description)
        per_500g = price_per_500g(listing.price, q)
        if per_500g is not None and floor.per_500g is not None:
            if per_500g < floor.per_500g:
                return [
                    Reason(
                        "price_below_floor",
                        f"{q.text} 售价 ¥{listing.price:g}，折合每 500 克 ¥{per_500g:.2f}，"
                        f"低于正品“{mark.name}”每 500 克至少 ¥{floor.per_500g:g} 的价格。",
                        f"¥{listing.price:g} / {q.text}",
                    )
                ]
            return []
        per_root = price_per_root(listing.price, q)
        if per_root is not None and floor.per_root is not None and per_root < floor.per_root:
            return [
                Reason(
                    "price_below_floor",
                    f"{q.text} 售价 ¥{listing.price:g}，折合每支 ¥{per_root:.2f}，"
                    f"低于正品“{mark.name}”每支至少 ¥{floor.per_root:g} 的价格。",
                    f"¥{listing.price:g} / {q.text}",
                )
            ]
        return []

    def _olympic_reasons(
        self, mark: Mark, listing: Listing, texts: Sequence[str], sightings: Sequence[_Seen]
    ) -> list[Reason]:
        seller = listing.seller
        code = (seller.credit_code or "").upper()
        key = self._seller_key(seller.name)
        # Platforms decorate shop names ("…旗舰店（自营）"): containing a licensee's name counts.
        if (key and any(n in key for n in self._licensed_names)) or (
            code and code in self._licensed_codes
        ):
            return []
        who = f"卖家“{seller.name}”" if seller.name else "未具名卖家"
        reasons = [
            Reason(
                "olympic_unlicensed",
                f"“{mark.name}”是受保护的北京2022奥林匹克标志；{who}不在特许经营名单中，"
                "商业使用未经授权。",
                sightings[0].evidence,
            )
        ]
        claim = self._claim(texts)
        if claim:
            reasons.append(
                Reason(
                    "false_authorisation_claim",
                    f"商品声称“{claim}”，但{who}并无北京2022特许授权。",
                    claim,
                )
            )
        return reasons

    # -- helpers ------------------------------------------------------------------------
    def _origins(self, text: str) -> list[str]:
        if self._origin_re is None:
            return []
        return [m.group(1) for m in self._origin_re.finditer(text)]

    def _claim(self, texts: Sequence[str]) -> str:
        for text in texts:
            for claim in self._claims:  # longest first
                start = text.find(claim)
                while start >= 0:
                    if not any(text[:start].endswith(n) for n in self._negations):
                        return claim
                    # Blank out a negated claim so "授权" inside "非官方授权" stays negated.
                    text = text[:start] + " " * len(claim) + text[start + len(claim) :]
                    start = text.find(claim, start + 1)
        return ""

    def _insignia_mark(self, name: str) -> Mark:
        mark = self._by_name.get(self._seller_key(name))
        # Insignia are Olympic by nature; an unknown name still gets judged as one.
        return mark if mark is not None else Mark(name=name, kind="olympic")

    def _seller_key(self, name: str) -> str:
        return _NAME_JUNK_RE.sub("", self._plain(name))

    def _rank(self, hits: list[tuple[Mark, list[Reason]]]) -> tuple[MarkHit, ...]:
        """Score each mark; the most specific mark of a kind carries that kind's evidence.

        "北京2022 冬奥会 冰墩墩" names three marks: 冰墩墩 (highest priority) leads, and
        gets any reason only a broader mark earned, so the top mark is the specific one.
        """
        by_kind: dict[str, list[tuple[Mark, list[Reason]]]] = {}
        for mark, reasons in hits:
            by_kind.setdefault(mark.kind, []).append((mark, reasons))
        out: list[MarkHit] = []
        for group in by_kind.values():
            group.sort(key=lambda h: -h[0].priority)
            lead_reasons = group[0][1]
            codes = {r.code for r in lead_reasons}
            for _, reasons in group[1:]:
                for r in reasons:
                    if r.code not in codes:
                        lead_reasons.append(r)
                        codes.add(r.code)
            for mark, reasons in group:
                out.append(MarkHit(mark.name, mark.kind, self._score(reasons), tuple(reasons)))
        priority = {m.name: m.priority for m, _ in hits}
        out.sort(key=lambda h: (-h.score, -priority.get(h.mark, 0)))
        return tuple(out)

    def _score(self, reasons: Iterable[Reason]) -> float:
        keep = 1.0
        for code in {r.code for r in reasons}:
            keep *= 1.0 - self.config.weight(code)
        return round(1.0 - keep, 4)

    def _verdict(self, score: float) -> Verdict:
        if score >= self.config.infringing_threshold:
            return "infringing"
        if score >= self.config.suspicious_threshold:
            return "suspicious"
        return "clear"


# A description this short is a subtitle ("长白山正品" under "人参片"): it reads with the
# title as one line, so a place there and a product word in the title are one use.
SUBTITLE_CHARS = 24


def _listing_text(listing: Listing) -> str:
    description = listing.description
    if len(description) <= SUBTITLE_CHARS and "\n" not in description:
        return f"{listing.title} {description}"
    return f"{listing.title}\n{description}"


@dataclass(frozen=True, slots=True)
class _Statement:
    """A stated origin or producer: reason code if outside, who states it, the text, where."""

    code: str
    what: str
    text: str
    placement: Placement
    # A registry fact (the SC licence's producer division), not the seller's own words.
    verified: bool = False


def _province_names() -> frozenset[str]:
    with GAZETTEER_FILE.open("rb") as fh:
        provinces = tomllib.load(fh)["provinces"]
    return frozenset({*provinces, *(short_admin_name(p) for p in provinces)})


def _unique(reasons: list[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))


def _region_text(mark: Mark) -> str:
    parts = []
    for unit in mark.region:
        where = unit.city or unit.province
        parts.append(f"{where}（{'、'.join(unit.counties)}）" if unit.counties else where)
    return "；".join(parts)
