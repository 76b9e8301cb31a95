"""The GI catalog built from the registers: size, provenance, the Jilin register, load time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from detectors import load_catalog
from detectors.catalog_loader import GI_CATEGORIES, GI_SYSTEMS


def test_catalog_holds_at_least_300_gi_marks_each_with_a_source() -> None:
    gi = [m for m in load_catalog().marks if m.kind == "gi"]
    assert len(gi) >= 300
    for mark in gi:
        assert mark.sources, mark.name
        assert all(s.startswith(("http://", "https://")) for s in mark.sources), mark.name
        assert mark.region and mark.region[0].province, mark.name
        assert mark.category in GI_CATEGORIES, mark.name
        assert all(s in GI_SYSTEMS for s in mark.systems), mark.name


def test_register_marks_carry_place_aliases_from_their_own_name_or_region() -> None:
    gi = [m for m in load_catalog().marks if m.kind == "gi"]
    with_places = [m for m in gi if m.place_names]
    assert len(with_places) >= 250
    yanbian = load_catalog().mark("延边大米")
    assert yanbian.place_names == ("延边",)
    assert (yanbian.category, yanbian.product) == ("rice", "大米")
    assert yanbian.announcements == ("国家质检总局2006年第220号公告",)
    assert {c for u in yanbian.region for c in u.counties} >= {"延吉市", "敦化市", "安图县"}
    # A generic place part ("清水" of 清水大米) is not matched on its own.
    assert load_catalog().mark("清水大米").place_names == ()


def test_every_gi_of_the_jilin_register_is_in_the_catalog(realworld_root: Path) -> None:
    register = json.loads(
        (realworld_root / "gi" / "jilin_gi_register.json").read_text(encoding="utf-8")
    )
    names: set[str] = set()
    for mark in load_catalog().marks:
        names.update(n.replace(" ", "") for n in mark.chinese_names)
    missing = [
        r["name"]
        for r in register["records"]
        if (r.get("name_simplified") or r["name"]) not in names
    ]
    assert not missing, missing
    assert len(register["records"]) >= 43


def test_full_catalog_loads_in_under_half_a_second() -> None:
    load_catalog()  # warm the import and file cache
    best = min(_timed(load_catalog) for _ in range(3))
    assert best < 0.5, best


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_register_marks_leave_evasive_spellings_of_the_older_marks_alone() -> None:
    """With hundreds of marks, a look-alike of one (清 of 汪清) is a homophone of another."""
    from detectors import Detector, DetectorConfig
    from detectors.types import Listing, Seller

    detector = Detector(load_catalog(), DetectorConfig())

    def marks(title: str) -> list[str]:
        listing = Listing(
            id="x:1",
            platform="jd",
            title=title,
            price=30.0,
            quantity="5kg",
            seller=Seller(name="店", location="福建 泉州"),
        )
        return [m.mark for m in detector.detect(listing).marks]

    assert "北京2022" in marks("北精2022盲盒送礼佳品 新年礼物")
    assert "五常大米" in marks("鸿福五棠大米长粒香 5kg 品质保障")
