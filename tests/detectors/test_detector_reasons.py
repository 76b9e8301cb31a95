"""Each reason code, and the verdict it leads to under the policy."""

from __future__ import annotations

from dataclasses import replace

import pytest

from detectors import Detector, DetectorConfig, load_catalog
from detectors.catalog_loader import Party
from detectors.types import ImageEvidence, InsigniaMatch


def codes(finding) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for m in finding.marks for r in m.reasons]


# (case, title, location, price, quantity, description, seller, verdict, codes)
CASES = [
    (
        "genuine GI, in region",
        "梅河口大米 新米 家庭装",
        "吉林 梅河口",
        49.0,
        "5kg",
        "",
        "梅河米业",
        "clear",
        [],
    ),
    (
        "city-level location covering the county",
        "集安人参 园参 250g",
        "吉林 通化",
        160.0,
        "",
        "",
        "集安参场",
        "clear",
        [],
    ),
    (
        "province-only location of the right province",
        "舒兰大米 长粒",
        "吉林",
        60.0,
        "10斤",
        "",
        "舒兰粮行",
        "clear",
        [],
    ),
    (
        "seller outside the region",
        "德惠大米 新米",
        "湖南 长沙",
        60.0,
        "10斤",
        "",
        "湘米铺",
        "suspicious",
        ["seller_outside_region"],
    ),
    (
        "another county of the same city",
        "新开河贡米 礼盒",
        "吉林 通化 柳河",
        98.0,
        "2.5kg",
        "",
        "柳河粮店",
        "suspicious",
        ["seller_outside_region"],
    ),
    (
        "stated origin outside",
        "抚松人参 鲜参",
        "吉林 白山",
        300.0,
        "500g",
        "原产地：河北安国",
        "抚松参行",
        "infringing",
        ["origin_outside_region"],
    ),
    (
        "stated origin alone, inside",
        "五常大米 稻花香",
        "",
        80.0,
        "10斤",
        "产自黑龙江五常",
        "五常米铺",
        "suspicious",  # the seller's own claim, from nowhere known: not checkable
        ["origin_unverified"],
    ),
    (
        "no location and no stated origin",
        "洮南绿豆 杂粮",
        "",
        20.0,
        "1斤",
        "",
        "杂粮铺",
        "suspicious",
        ["origin_unknown"],
    ),
    (
        "price per 500 g below floor",
        "长白山人参 整枝",
        "吉林 延边",
        30.0,
        "两斤",
        "",
        "敦化参行",
        "suspicious",
        ["price_below_floor"],
    ),
    (
        "price per root below floor",
        "抚松人参 鲜参 10支",
        "吉林 抚松",
        50.0,
        "",
        "",
        "抚松参行",
        "suspicious",
        ["price_below_floor"],
    ),
    (
        "below floor and outside",
        "五常大米 新米",
        "江苏 宿迁",
        9.9,
        "5kg",
        "",
        "宿迁米业",
        "infringing",
        ["price_below_floor", "seller_outside_region"],
    ),
    (
        "qualifier after the mark, in region",
        "万昌大米同款 软糯",
        "吉林 永吉",
        60.0,
        "10斤",
        "",
        "永吉粮行",
        "suspicious",
        ["gi_qualifier_misuse"],
    ),
    (
        "qualifier inside the name, outside",
        "五常风味大米",
        "辽宁 盘锦",
        60.0,
        "10斤",
        "",
        "盘锦米业",
        "infringing",
        ["gi_qualifier_misuse", "seller_outside_region"],
    ),
    (
        "qualifier before the mark",
        "媲美梅河大米 口感好",
        "吉林 通化",
        60.0,
        "10斤",
        "",
        "通化粮行",
        "suspicious",
        ["gi_qualifier_misuse"],
    ),
    (
        "evasive spelling in region",
        "集安人*参 礼盒",
        "吉林 集安",
        300.0,
        "500g",
        "",
        "集安参行",
        "infringing",
        ["evasive_spelling"],
    ),
    (
        "Olympic mark, unlicensed",
        "冰墩墩 手机壳",
        "广东 深圳",
        25.0,
        "",
        "",
        "潮品壳铺",
        "infringing",
        ["olympic_unlicensed"],
    ),
    (
        "Olympic mark with a false claim",
        "雪容融 官方正品 挂件",
        "浙江 义乌",
        15.0,
        "",
        "",
        "义乌饰品",
        "infringing",
        ["olympic_unlicensed", "false_authorisation_claim"],
    ),
    (
        "negated claim is not a claim",
        "北京2022 非官方授权 纪念章",
        "浙江 义乌",
        15.0,
        "",
        "",
        "义乌饰品",
        "infringing",
        ["olympic_unlicensed"],
    ),
    (
        "licensee",
        "冬奥会 冰墩墩 官方正品",
        "北京",
        198.0,
        "",
        "",
        "北京工美集团官方旗舰店",
        "clear",
        [],
    ),
]


@pytest.mark.parametrize(
    (
        "case",
        "title",
        "location",
        "price",
        "quantity",
        "description",
        "seller",
        "verdict",
        "expected",
    ),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_reason_codes_and_verdicts(
    detector: Detector,
    make_listing,
    case: str,
    title: str,  # type: ignore[no-untyped-def]
    location: str,
    price: float,
    quantity: str,
    description: str,
    seller: str,
    verdict: str,
    expected: list[str],
) -> None:
    finding = detector.detect(
        make_listing(
            title, location, price=price, quantity=quantity, description=description, seller=seller
        )
    )
    assert finding.verdict == verdict, finding.to_dict()
    assert sorted(set(codes(finding))) == sorted(expected)
    if verdict != "clear":
        assert all(r.detail for m in finding.marks for r in m.reasons)


def test_licensee_recognised_by_credit_code(make_listing) -> None:  # type: ignore[no-untyped-def]
    catalog = load_catalog()
    catalog = replace(
        catalog, licensees=(*catalog.licensees, Party("某礼品公司", "91110000MA00000000"))
    )
    d = Detector(catalog)
    listing = make_listing(
        "冰墩墩 徽章", "北京", seller="另一个名字", credit_code="91110000ma00000000"
    )
    assert d.detect(listing).verdict == "clear"


def test_most_specific_olympic_mark_leads(detector: Detector, make_listing) -> None:  # type: ignore[no-untyped-def]
    finding = detector.detect(make_listing("北京2022 冬奥会 冬ao会 雪容融 抱枕", "广东 广州"))
    assert finding.top_mark is not None and finding.top_mark.mark == "雪容融"
    assert finding.marks[0].mark == "雪容融"


def test_image_text_and_insignia(detector: Detector, make_listing) -> None:  # type: ignore[no-untyped-def]
    images = [
        ImageEvidence("a.jpg", ocr_text="冰墩墩 BEIJING 2022"),
        ImageEvidence(
            "b.png", insignia=(InsigniaMatch("雪容融", 0.9, ((0, 0), (9, 0), (9, 9), (0, 9))),)
        ),
        ImageEvidence("c.gif", error="cannot decode image"),
    ]
    finding = detector.detect(make_listing("卡通 毛绒 玩具", "浙江 义乌"), images)
    assert finding.verdict == "infringing"
    all_codes = codes(finding)
    assert "mark_in_image_text" in all_codes and "insignia_in_image" in all_codes
    evidence = [r.evidence for m in finding.marks for r in m.reasons]
    assert any(e.startswith("a.jpg: ") for e in evidence)
    assert any(e.startswith("b.png [(0,0)") for e in evidence)
    assert finding.errors == ("c.gif: cannot decode image",)


def test_gi_in_image_text_is_judged_like_text(detector: Detector, make_listing) -> None:  # type: ignore[no-untyped-def]
    finding = detector.detect(
        make_listing("东北 大米 新米", "辽宁 沈阳"),
        [ImageEvidence("p.jpg", ocr_text="正宗五常大米")],
    )
    assert finding.verdict == "suspicious"  # the seller's location alone
    assert finding.top_mark is not None and finding.top_mark.mark == "五常大米"


def test_weights_come_from_config(make_listing) -> None:  # type: ignore[no-untyped-def]
    config = DetectorConfig.from_mapping({"weights": {"price_below_floor": 0.95}})
    finding = Detector(load_catalog(), config).detect(
        make_listing("五常大米", "黑龙江 五常", price=1.0, quantity="5kg")
    )
    assert finding.verdict == "infringing"


def test_detect_many_keeps_order(detector: Detector, make_listing) -> None:  # type: ignore[no-untyped-def]
    listings = [make_listing(t, "安徽 合肥") for t in ("手机壳", "五常大米", "冰墩墩", "雨伞")]
    listings = [replace(item, id=f"x:{i}") for i, item in enumerate(listings)]
    verdicts = [f.verdict for f in detector.detect_many(listings)]
    assert verdicts == ["clear", "suspicious", "infringing", "clear"]
    assert [f.id for f in detector.detect_many(listings)] == ["x:0", "x:1", "x:2", "x:3"]
