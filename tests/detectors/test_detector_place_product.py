"""Place x product matching, offer-or-prose, and verdicts from stated origin and producer."""

from __future__ import annotations

import pytest

from detectors import Detector
from detectors.admin_codes import division, sc_licence
from detectors.types import Listing, Seller


def detect(
    detector: Detector,
    title: str,
    location: str = "安徽 亳州",
    *,
    price: float | None = 68.0,
    description: str = "",
    attributes: dict[str, str] | None = None,
    source: str = "ecommerce",
):  # type: ignore[no-untyped-def]
    listing = Listing(
        id="t:1",
        platform="taobao",
        title=title,
        description=description,
        price=price,
        seller=Seller(name="某某店", location=location),
        attributes=attributes or {},
        source=source,
    )
    return detector.detect(listing)


def codes(finding) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.code for m in finding.marks for r in m.reasons}


PLACE_AND_PRODUCT = [
    ("吉林 延边 珍珠米 新米 10斤", "延边大米"),
    ("【品牌】五常 有机 稻花香2号 东北 香米 5kg", "五常大米"),
    ("东北大米 10斤 XX牌 梅河 寒地 粳米", "梅河大米"),
    ("长白山 野生 红参 切片", "长白山人参"),
    ("長白山 野生 紅參", "长白山人参"),
    ("抚松 林下参 15年 礼盒", "抚松人参"),
    ("长白野山参", "长白山人参"),  # 长白 (长白朝鲜族自治县) lies in the region
]


@pytest.mark.parametrize(("title", "mark"), PLACE_AND_PRODUCT)
def test_place_near_a_product_word_of_its_category_names_the_gi(
    detector: Detector, title: str, mark: str
) -> None:
    finding = detect(detector, title)
    assert finding.verdict == "suspicious", finding.to_dict()
    assert finding.top_mark is not None and finding.top_mark.mark == mark
    assert {"gi_place_and_product", "seller_outside_region"} <= codes(finding)
    assert all(r.detail for m in finding.marks for r in m.reasons)


# Which GI of a place is meant. Titles are synthetic; the real-text set holds the originals.
WHICH_GI_OF_THE_PLACE = [
    ("即食 大连刺参 单个装", "大连海参"),  # 刺参 is a sea cucumber: not 大连鲍鱼 or 大连河豚
    ("盘锦 蟹田米 5kg", "盘锦大米"),  # rice from crab paddies, not 盘锦河蟹
    ("淮安特产 私房菜 腌制嫩黄瓜", "淮安黄瓜"),  # its own product named, not the nearer 菜
    ("宣汉桃花贡米", "宣汉桃花米"),  # 桃 is part of the rice's own name, not a fruit
    ("永宁 速冻熟制青虾", "永宁青虾"),  # no places listed: the name without its product
    ("苏州东山白玉枇杷", "东山白沙枇杷"),  # the head noun of its own product
]


@pytest.mark.parametrize(("title", "mark"), WHICH_GI_OF_THE_PLACE)
def test_of_the_gis_of_one_place_the_one_whose_product_is_named_is_found(
    detector: Detector, title: str, mark: str
) -> None:
    finding = detect(detector, title, "北京 朝阳")
    assert [m.mark for m in finding.marks if m.score > 0] == [mark], finding.to_dict()
    assert finding.verdict == "suspicious"


NOT_THE_GI = [
    "长白山 蓝莓干 500g",
    "长白山人参果 新鲜 5斤",
    "五环内包邮 毛绒玩具",
    "长白山 海参 即食 500g",
    "长白山 西洋参 切片",
    "吉林 高丽参 红参",
    "东北大米 10斤 新米",
    "五常 老北京布鞋",
    "熊猫 毛绒 公仔 玩偶",
]


@pytest.mark.parametrize("title", NOT_THE_GI)
def test_ambiguous_places_do_not_fire_on_other_goods(detector: Detector, title: str) -> None:
    finding = detect(detector, title)
    assert finding.verdict == "clear", finding.to_dict()


def test_spaced_place_and_product_is_not_an_evasive_spelling(detector: Detector) -> None:
    finding = detect(detector, "延边 大米 10斤", "吉林 延吉")
    assert finding.verdict == "clear", finding.to_dict()
    assert "evasive_spelling" not in codes(finding)


NEWS = (
    "市场监管部门查处销售假冒冰墩墩玩偶案件",
    "日前，某市市场监管局执法人员在检查中发现，一商店销售的冰墩墩玩偶涉嫌侵犯奥林匹克标志专有权。"
    "据悉，当事人无法提供特许经营授权，执法人员当场查扣涉案商品，案件正在进一步办理中。",
)


def test_news_report_is_not_an_offer(detector: Detector) -> None:
    finding = detect(detector, NEWS[0], "", price=None, description=NEWS[1])
    assert finding.verdict == "clear"
    assert codes(finding) == {"not_an_offer"}
    assert finding.marks[0].mark == "冰墩墩"
    assert (
        "记者" in finding.marks[0].reasons[0].detail or "执法" in finding.marks[0].reasons[0].detail
    )


def test_listing_source_news_is_not_an_offer(detector: Detector) -> None:
    finding = detect(detector, "五常大米 品牌价值再创新高", "", price=None, source="news")
    assert finding.verdict == "clear" and codes(finding) == {"not_an_offer"}


def test_an_offer_with_warning_words_stays_an_offer(detector: Detector) -> None:
    finding = detect(
        detector,
        "冰墩墩 毛绒公仔 现货",
        "浙江 义乌",
        price=39.0,
        description="谨防假冒，消费者请认准本店。据悉本品日前到货。",
    )
    assert finding.verdict == "infringing"


def test_seller_outside_alone_is_suspicious_never_infringing(detector: Detector) -> None:
    finding = detect(detector, "五常大米 稻花香 10斤", "广东 广州")
    assert finding.verdict == "suspicious"
    assert codes(finding) == {"seller_outside_region"}


def test_stated_producer_outside_is_infringing(detector: Detector) -> None:
    finding = detect(
        detector,
        "五常大米 稻花香 10斤",
        "广东 广州",
        attributes={"厂名": "安徽某某米业有限公司", "厂址": "安徽省合肥市肥东县"},
    )
    assert finding.verdict == "infringing"
    reason = next(
        r for m in finding.marks for r in m.reasons if r.code == "producer_outside_region"
    )
    assert "厂" in reason.detail and reason.evidence


def test_sc_licence_outside_is_infringing_with_the_code(detector: Detector) -> None:
    # 341122 is 来安县 (安徽 滁州) in GB/T 2260.
    finding = detect(
        detector, "五常大米 10斤", "北京", attributes={"生产许可证编号": "SC10134112200123"}
    )
    assert finding.verdict == "infringing"
    reason = next(r for m in finding.marks for r in m.reasons if r.code == "licence_outside_region")
    assert "341122" in reason.detail and "安徽" in reason.evidence


def test_in_region_producer_keeps_a_remote_seller_at_most_suspicious(detector: Detector) -> None:
    attrs = {"厂址": "黑龙江省五常市民乐乡", "生产许可证编号": "SC10123018400123"}
    finding = detect(detector, "五常大米 10斤", "北京", price=9.9, attributes=attrs)
    assert finding.verdict == "suspicious", finding.to_dict()
    assert "reseller_outside_region" in codes(finding)
    assert "price_below_floor" in codes(finding)


def test_stated_in_region_origin_alone_is_unverified_and_an_in_region_licence_clears(
    detector: Detector,
) -> None:
    # Counterfeit rice says 产地：五常 too: with no seller location the claim is only a claim.
    claimed = detect(detector, "五常大米 10斤", "", price=89.0, attributes={"产地": "黑龙江五常"})
    assert claimed.verdict == "suspicious", claimed.to_dict()
    assert codes(claimed) == {"origin_unverified"}
    # A producer licence registered in 五常市 (230184) is a registry fact: clear.
    licensed = detect(
        detector,
        "五常大米 10斤",
        "",
        price=89.0,
        attributes={"产地": "黑龙江五常", "生产许可证编号": "SC10123018400123"},
    )
    assert licensed.verdict == "clear", licensed.to_dict()
    # So is a seller located in the region.
    assert detect(detector, "五常大米 10斤", "黑龙江 五常", price=89.0).verdict == "clear"


def test_sc_licence_and_gbt2260() -> None:
    licence = sc_licence("生产许可证编号：SC10123018400123")
    assert licence is not None and licence.number == "SC10123018400123"
    assert licence.division is not None
    assert licence.division.text == "黑龙江省 哈尔滨市 五常市"
    d = division("222401")
    assert d is not None and (d.province, d.city, d.county) == (
        "吉林省",
        "延边朝鲜族自治州",
        "延吉市",
    )
    assert sc_licence("SC1012301840012") is None  # 13 digits
    assert division("999999") is None
