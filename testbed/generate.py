"""Deterministic testbed content: listings of every kind, each with its expected verdict.

The same seed always gives the same listings, ids and truth, so tests and
benchmarks can compare a crawl against `/_truth.json` exactly.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from testbed.marks import (
    COUNTERFEIT_SHOPS,
    DISTRACTOR_TITLES,
    GENUINE_SHOPS,
    GI_MARKS,
    LICENSED_SELLERS,
    OLYMPIC_MARKS,
    OUTSIDE_LOCATIONS,
    OUTSIDE_ORIGINS,
    QUALIFIERS,
    UNRELATED_SHOPS,
    GiMark,
)

DEFAULT_SEED = 2022


@dataclass(frozen=True, slots=True)
class TestbedListing:
    __test__ = False  # not a pytest class
    nid: str
    title: str
    price: float
    quantity: str
    location: str
    nick: str
    user_id: str
    description: str
    category: str  # what kind of case this is, for reading test failures
    verdict: str  # expected: infringing | suspicious | clear
    mark: str | None
    sales: int = 0
    image: str = "plain"  # "art:<mark>" | "text:<words on the packaging>" | "plain"
    attributes: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Quantity:
    text: str
    grams_equiv: float  # for roots: 500 g-equivalents computed from the per-root floor


_GINSENG_QTY = (("500g", 500.0), ("250g", 250.0), ("1kg", 1000.0), ("2两", 100.0), ("1斤", 500.0))
_RICE_QTY = (("5kg", 5000.0), ("10斤", 5000.0), ("2.5kg", 2500.0), ("25kg", 25000.0))
_BEAN_QTY = (("500g", 500.0), ("2斤", 1000.0), ("5斤", 2500.0))

_GINSENG_WORDS = ("林下参", "园参", "整支", "生晒参", "红参", "鲜参", "礼盒装", "切片")
_RICE_WORDS = ("新米", "稻花香", "长粒香", "真空包装", "当季", "一级")
_BEAN_WORDS = ("农家", "新货", "发芽", "杂粮", "明绿豆")
_PROMO = ("【产地直发】", "正宗", "包邮", "特价", "送礼佳品", "年货", "", "", "")


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._used_ids: set[str] = set()
        self.unrelated = [
            line.strip()
            for line in resources.files("testbed")
            .joinpath("data/unrelated_titles.txt")
            .read_text(encoding="utf-8")
            .splitlines()
            if line.strip()
        ]

    def nid(self) -> str:
        while True:
            nid = str(self.rng.randint(520_000_000_000, 699_999_999_999))
            if nid not in self._used_ids:
                self._used_ids.add(nid)
                return nid

    def pick(self, seq: tuple[str, ...] | list[str]) -> str:
        return seq[self.rng.randrange(len(seq))]

    def gi_quantity(self, mark: GiMark) -> tuple[str, float]:
        table = {"ginseng": _GINSENG_QTY, "rice": _RICE_QTY}.get(mark.category, _BEAN_QTY)
        text, grams = table[self.rng.randrange(len(table))]
        return text, grams

    def gi_title(self, name: str, mark: GiMark, qty: str) -> str:
        words = {"ginseng": _GINSENG_WORDS, "rice": _RICE_WORDS}.get(mark.category, _BEAN_WORDS)
        parts = [self.pick(_PROMO) + name, self.pick(words), self.pick(words), qty]
        if self.rng.random() < 0.5:
            parts.insert(1, self.pick(("东北特产", "吉林特产", "滋补", "家用", "送长辈")))
        return " ".join(p for p in parts if p)

    def price(self, mark: GiMark, grams: float, factor: float) -> float:
        return round(mark.floor_per_500g * grams / 500.0 * factor, 2)


def _gi_listing(
    w: _Writer,
    mark: GiMark,
    category: str,
    verdict: str,
    *,
    name: str | None = None,
    location: str | None = None,
    factor: float | None = None,
    origin: str | None = None,
    shop: str | None = None,
) -> TestbedListing:
    qty, grams = w.gi_quantity(mark)
    price_factor = factor if factor is not None else w.rng.uniform(2.2, 6.0)
    genuine = location is None  # a producer of the region selling its own goods
    location = location or w.pick(mark.home_locations)
    origin = origin or mark.origin_text
    nid = w.nid()
    attributes: tuple[tuple[str, str], ...] = (("产地", origin), ("净含量", qty))
    if genuine:
        # JD and PDD pages show no seller location: the registered producer licence is
        # what shows the goods come from the region (a stated 产地 alone cannot).
        attributes += (("生产许可证编号", _sc_licence(mark, nid)),)
    return TestbedListing(
        nid=nid,
        title=w.gi_title(name or mark.name, mark, qty),
        price=w.price(mark, grams, price_factor),
        quantity=qty,
        location=location,
        nick=(shop := shop or w.pick(GENUINE_SHOPS)),
        user_id=_user_id(shop),
        description=f"产地：{origin}。净含量：{qty}。",
        category=category,
        verdict=verdict,
        mark=mark.name,
        sales=w.rng.randint(0, 5000),
        image=f"text:{mark.name}" if mark.category == "ginseng" and name is None else "plain",
        attributes=attributes,
    )


def _sc_licence(mark: GiMark, nid: str) -> str:
    """SC + food category (3) + the producer's GB/T 2260 county (6) + serial (5)."""
    category = "101" if mark.category in ("rice", "bean") else "131"
    return f"SC{category}{mark.producer_division}{zlib.crc32(nid.encode()) % 100_000:05d}"


def _user_id(shop: str) -> str:
    """Sellers keep one id across their listings, as on the real site."""
    return str(10_000_000 + zlib.crc32(shop.encode("utf-8")) % 2_990_000_000)


def _evasive_name(w: _Writer, name: str, homophones: tuple[str, ...], pinyin: str) -> str:
    style = w.rng.randrange(6)
    if style == 0:
        return w.pick(homophones)
    if style == 1:
        return w.pick(("-", " ", "·", "/", "*")).join(name)
    if style == 2:
        return "\u200b".join(name)
    if style == 3:
        cut = w.rng.randrange(1, len(name))
        return name[:cut] + w.pick(("🌟", "❤", "🔥", "✨")) + name[cut:]
    if style == 4 and pinyin:
        return pinyin + name[-2:]
    return name[0] + " " + name[1:]


def generate(seed: int = DEFAULT_SEED, scale: int = 1) -> list[TestbedListing]:
    """About 620 × scale listings across every case the detector must get right."""
    w = _Writer(seed)
    out: list[TestbedListing] = []
    cases: list[tuple[int, Callable[[], TestbedListing]]] = [
        (120, lambda: _gi_listing(w, w.rng.choice(GI_MARKS), "gi_genuine", "clear")),
        (
            90,
            lambda: _gi_listing(
                w,
                w.rng.choice(GI_MARKS),
                "gi_outside_region",
                "infringing",
                location=w.pick(OUTSIDE_LOCATIONS),
                shop=w.pick(COUNTERFEIT_SHOPS),
                origin=w.pick(OUTSIDE_ORIGINS),
            ),
        ),
        (
            40,
            lambda: _gi_listing(
                w,
                w.rng.choice(GI_MARKS),
                "gi_below_price_floor",
                "suspicious",
                factor=w.rng.uniform(0.1, 0.4),
            ),
        ),
        (30, lambda: _qualifier_listing(w)),
        (90, lambda: _gi_evasion_listing(w)),
        (80, lambda: _olympic_listing(w, licensed=False)),
        (30, lambda: _olympic_listing(w, licensed=True)),
        (15, lambda: _olympic_photo_only_listing(w)),
        (15, lambda: _gi_photo_only_listing(w)),
        (50, lambda: _distractor_listing(w)),
        (90, lambda: _unrelated_listing(w)),
    ]
    for count, make in cases:
        out.extend(make() for _ in range(count * scale))
    w.rng.shuffle(out)
    return out


def _qualifier_listing(w: _Writer) -> TestbedListing:
    mark = w.rng.choice(GI_MARKS)
    name = mark.name + w.pick(QUALIFIERS)
    return _gi_listing(
        w,
        mark,
        "gi_qualifier",
        "infringing",
        name=name,
        location=w.pick(OUTSIDE_LOCATIONS),
        shop=w.pick(COUNTERFEIT_SHOPS),
        origin=w.pick(OUTSIDE_ORIGINS),
    )


def _gi_evasion_listing(w: _Writer) -> TestbedListing:
    mark = w.rng.choice(GI_MARKS)
    name = _evasive_name(w, mark.name, mark.homophones, mark.pinyin)
    return _gi_listing(
        w,
        mark,
        "gi_evasion",
        "infringing",
        name=name,
        location=w.pick(OUTSIDE_LOCATIONS),
        shop=w.pick(COUNTERFEIT_SHOPS),
        origin=w.pick(OUTSIDE_ORIGINS),
    )


def _olympic_listing(w: _Writer, licensed: bool) -> TestbedListing:
    mark = w.rng.choice(OLYMPIC_MARKS)
    product = w.pick(mark.products)
    if licensed:
        name, shop, category = mark.name, w.pick(LICENSED_SELLERS), "olympic_licensed"
        claim = w.pick(("官方正品", "", "特许商品"))
    else:
        evasive = w.rng.random() < 0.4
        name = (
            _evasive_name(w, mark.name, mark.homophones, mark.mixed_pinyin[0])
            if evasive and w.rng.random() < 0.6
            else (w.pick(mark.mixed_pinyin) if evasive else mark.name)
        )
        shop = w.pick(COUNTERFEIT_SHOPS)
        category = "olympic_evasion" if evasive else "olympic_unlicensed"
        claim = w.pick(("官方授权", "正品", "", "", "现货"))
    title = " ".join(p for p in (name, product, claim, w.pick(("纪念品", "礼物", "", "同款"))) if p)
    return TestbedListing(
        nid=w.nid(),
        title=title,
        price=round(w.rng.uniform(9.9, 299.0), 2),
        quantity="1件",
        location=w.pick(("北京", "广东 深圳", "浙江 义乌", "福建 泉州")),
        nick=shop,
        user_id=_user_id(shop),
        description=f"{name}{product}，做工精致。",
        category=category,
        verdict="clear" if licensed else "infringing",
        mark=mark.name,
        sales=w.rng.randint(0, 20000),
        image=f"art:{mark.name}",
    )


def _olympic_photo_only_listing(w: _Writer) -> TestbedListing:
    """A clean title; the mascot is only in the photo."""
    mark = w.pick(("冰墩墩", "雪容融"))
    title = w.pick(
        (
            "可爱熊猫公仔 毛绒玩具 生日礼物",
            "冬季吉祥物摆件 灯笼娃娃 礼品",
            "卡通熊猫手办 桌面摆件",
            "毛绒玩偶 抱枕 儿童礼物 新款",
        )
    )
    shop = w.pick(COUNTERFEIT_SHOPS)
    return TestbedListing(
        nid=w.nid(),
        title=title,
        price=round(w.rng.uniform(19.0, 129.0), 2),
        quantity="1件",
        location=w.pick(("浙江 义乌", "广东 深圳")),
        nick=shop,
        user_id=_user_id(shop),
        description=title,
        category="olympic_photo_only",
        verdict="infringing",
        mark=mark,
        sales=w.rng.randint(0, 5000),
        image=f"art:{mark}",
    )


def _gi_photo_only_listing(w: _Writer) -> TestbedListing:
    """The GI name is only printed on the packaging in the photo; the seller is elsewhere."""
    mark = w.rng.choice([m for m in GI_MARKS if m.category == "ginseng"])
    qty, grams = w.gi_quantity(mark)
    title = f"{w.pick(('东北', '野生', '精选'))}人参 {w.pick(('礼盒装', '整支', '切片'))} {qty}"
    shop = w.pick(COUNTERFEIT_SHOPS)
    origin = w.pick(OUTSIDE_ORIGINS)
    return TestbedListing(
        nid=w.nid(),
        title=title,
        price=w.price(mark, grams, w.rng.uniform(2.2, 5.0)),
        quantity=qty,
        location=w.pick(OUTSIDE_LOCATIONS),
        nick=shop,
        user_id=_user_id(shop),
        description=f"产地：{origin}。净含量：{qty}。",
        category="gi_photo_only",
        verdict="infringing",
        mark=mark.name,
        sales=w.rng.randint(0, 5000),
        image=f"text:{mark.name}",
        attributes=(("产地", origin), ("净含量", qty)),
    )


def _distractor_listing(w: _Writer) -> TestbedListing:
    return _plain_listing(w, w.pick(DISTRACTOR_TITLES), "distractor")


def _unrelated_listing(w: _Writer) -> TestbedListing:
    return _plain_listing(w, w.pick(w.unrelated), "unrelated")


def _plain_listing(w: _Writer, title: str, category: str) -> TestbedListing:
    return TestbedListing(
        nid=w.nid(),
        title=title,
        price=round(w.rng.uniform(5.0, 400.0), 2),
        quantity="",
        location=w.pick((*OUTSIDE_LOCATIONS, "吉林 长春", "吉林 白山")),
        nick=(shop := w.pick(UNRELATED_SHOPS)),
        user_id=_user_id(shop),
        description=title,
        category=category,
        verdict="clear",
        mark=None,
        sales=w.rng.randint(0, 20000),
    )
