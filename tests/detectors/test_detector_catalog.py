"""Catalog loading: embedded marks, errors naming file and field, rights holders' files."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import CatalogError, Detector, DetectorConfig, load_catalog
from detectors.types import Listing, Seller

REQUIRED_GI = [
    "长白山人参",
    "集安人参",
    "抚松人参",
    "梅河大米",
    "舒兰大米",
    "万昌大米",
    "洮南绿豆",
    "五常大米",
    "双阳梅花鹿",
    "德惠大米",
    "集安五味子",
    "新开河贡米",
]
REQUIRED_OLYMPIC = [
    "北京2022",
    "冬梦",
    "飞跃",
    "冰墩墩",
    "雪容融",
    "冬奥会",
    "冬残奥会",
    "奥林匹克五环",
]


def test_embedded_catalog_has_the_required_marks() -> None:
    catalog = load_catalog()
    names = {m.name: m for m in catalog.marks}
    for name in REQUIRED_GI:
        assert names[name].kind == "gi" and names[name].region, name
    for name in REQUIRED_OLYMPIC:
        assert names[name].kind == "olympic", name
    licensees = {p.name for p in catalog.licensees}
    assert {
        "奥林匹克官方旗舰店",
        "北京2022官方特许商品旗舰店",
        "元隆雅图旗舰店",
        "北京工美集团官方旗舰店",
    } <= licensees
    assert names["长白山人参"].price_floor.per_500g == 40.0


RIGHTS_HOLDER_FILE = """
[meta]
family = "acme_association"

[[mark]]
name = "榆树大米"
kind = "gi"
gi_type = "地理标志证明商标"
aliases = ["榆树 大米"]
category = "rice"
price_floor = { per_500g = 3.0 }
region = [{ province = "吉林省", city = "长春市", counties = ["榆树市"] }]
sources = ["association register"]
"""


def test_rights_holder_file_adds_a_mark_without_code_changes(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(RIGHTS_HOLDER_FILE, encoding="utf-8")
    detector = Detector(load_catalog([tmp_path]), DetectorConfig())

    def verdict(location: str) -> str:
        listing = Listing(
            id="x:1",
            platform="jd",
            title="榆树大米 新米",
            price=60.0,
            quantity="10斤",
            seller=Seller(name="米店", location=location),
        )
        return detector.detect(listing).verdict

    assert verdict("吉林 榆树") == "clear"
    assert verdict("广东 广州") == "suspicious"  # seller location alone
    assert verdict("吉林 长春 农安") == "suspicious"


_GI = '[[mark]]\nname="甲乙大米"\nkind="gi"\nregion=[{province="吉林省", city="白山市"}]\n'

BAD_FILES = [
    ("not toml", "[[mark]\nname=", "bad.toml: not valid TOML"),
    ("unknown field", '[[mark]]\nname="甲乙大米"\nkind="gi"\ncolour="red"\n', "colour"),
    ("bad kind", '[[mark]]\nname="甲乙大米"\nkind="brand"\n', "kind"),
    ("missing name", '[[mark]]\nkind="gi"\n', "name is required"),
    ("GI without region", '[[mark]]\nname="甲乙大米"\nkind="gi"\n', "region"),
    (
        "bad floor",
        '[[mark]]\nname="甲乙大米"\nkind="gi"\nprice_floor={per_500g=-1}\n'
        'region=[{province="吉林省"}]\n',
        "price_floor.per_500g",
    ),
    ("bad credit code", '[[licensee]]\nname="某店"\ncredit_code="123"\n', "credit_code"),
    ("duplicate mark", '[[mark]]\nname="冰墩墩"\nkind="olympic"\n', "already defined"),
    ("unknown top-level key", '[marks]\nname="x"\n', "unknown top-level key"),
    ("bad system", _GI + 'system="地理标志"\n', "mark[0] (甲乙大米).system"),
    ("bad system list", _GI + 'system=["农产品地理标志", 3]\n', "mark[0] (甲乙大米).system"),
    ("bad category", _GI + 'category="cereal"\n', "mark[0] (甲乙大米).category"),
    ("product not in name", _GI + 'product="人参"\n', "mark[0] (甲乙大米).product"),
    ("invented place", _GI + 'places=["长白山"]\n', "mark[0] (甲乙大米).places"),
    ("one-character place", _GI + 'places=["甲"]\n', "mark[0] (甲乙大米).places"),
    ("bad holder", _GI + "holder=[1]\n", "mark[0] (甲乙大米).holder"),
    ("bad announcement", _GI + "announcement=7\n", "mark[0] (甲乙大米).announcement"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_catalog_errors_name_file_and_field(
    tmp_path: Path, case: str, text: str, message: str
) -> None:
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog([tmp_path])
    assert "bad.toml" in str(err.value)
    assert message in str(err.value)


def test_missing_extra_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not found"):
        load_catalog([tmp_path / "nope"])


def test_config_rejects_unknown_keys_and_bad_values() -> None:
    assert DetectorConfig.from_mapping({}).suspicious_threshold == 0.5
    with pytest.raises(ValueError, match=r"detector\.threshold"):
        DetectorConfig.from_mapping({"threshold": 0.5})
    with pytest.raises(ValueError, match=r"detector\.weights\.nope"):
        DetectorConfig.from_mapping({"weights": {"nope": 0.5}})
    with pytest.raises(ValueError, match="thresholds"):
        DetectorConfig.from_mapping({"suspicious_threshold": 0.9, "infringing_threshold": 0.8})


REGISTER_FILE = """
[[mark]]
name = "甲乙大米"
kind = "gi"
system = ["地理标志保护产品", "农产品地理标志"]
announcement = "2006年第220号"
category = "rice"
product = "大米"
places = ["甲乙", "丙丁县", "丙丁"]
holder = "甲乙大米协会"
region = [{ province = "吉林省", city = "白山市", counties = ["丙丁县"] }]
sources = ["https://example.org/announcement"]
source_quote = "关于批准对甲乙大米实施地理标志产品保护的公告"
"""


def test_register_keys_load_into_the_mark(tmp_path: Path) -> None:
    (tmp_path / "reg.toml").write_text(REGISTER_FILE, encoding="utf-8")
    mark = load_catalog([tmp_path]).mark("甲乙大米")
    assert mark.systems == ("地理标志保护产品", "农产品地理标志")
    assert mark.system == "地理标志保护产品"
    assert mark.announcements == ("2006年第220号",)
    assert (mark.category, mark.product, mark.holder) == ("rice", "大米", "甲乙大米协会")
    assert mark.places == mark.place_names == ("甲乙", "丙丁县", "丙丁")
    assert mark.source_quote.startswith("关于批准")


def test_place_names_fall_back_to_the_name_before_the_product(tmp_path: Path) -> None:
    text = REGISTER_FILE.replace('places = ["甲乙", "丙丁县", "丙丁"]\n', "")
    (tmp_path / "reg.toml").write_text(text, encoding="utf-8")
    assert load_catalog([tmp_path]).mark("甲乙大米").place_names == ("甲乙",)


def test_an_empty_places_list_turns_place_matching_off(tmp_path: Path) -> None:
    def marks_found(register: str, title: str) -> list[str]:
        (tmp_path / "reg.toml").write_text(register, encoding="utf-8")
        listing = Listing(
            id="x:1",
            platform="jd",
            title=title,
            price=60.0,
            seller=Seller(name="米店", location="广东 广州"),
        )
        finding = Detector(load_catalog([tmp_path]), DetectorConfig()).detect(listing)
        return [m.mark for m in finding.marks]

    text = REGISTER_FILE.replace('places = ["甲乙", "丙丁县", "丙丁"]', "places = []")
    assert "甲乙大米" in marks_found(REGISTER_FILE, "甲乙 新米 10斤")
    # The name's place part is not a place word any more ("用清水淘洗大米" is not 清水大米)...
    assert "甲乙大米" not in marks_found(text, "甲乙 新米 10斤")
    # ...and the name itself is still found.
    assert "甲乙大米" in marks_found(text, "甲乙大米 10斤")


def test_common_word_places_do_not_fire_on_other_goods() -> None:
    detector = Detector(load_catalog(), DetectorConfig())
    for title in (
        "用清水淘洗大米后浸泡半小时 东北大米 10斤",  # 清水大米 has places = []
        "北京 烤鸭 礼盒装",  # 北京鸭
        "法国 红酒 干红葡萄酒 750ml",  # 法国香槟
    ):
        listing = Listing(
            id="x:1", platform="jd", title=title, seller=Seller(name="店", location="")
        )
        assert detector.detect(listing).verdict == "clear", title
