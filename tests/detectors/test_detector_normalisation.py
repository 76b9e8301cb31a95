"""Each normalisation rule: what a plain spelling, a harmless variant and an evasion yield."""

from __future__ import annotations

import pytest

from detectors import Detector
from detectors.engine import SUBTITLE_CHARS


def codes(finding) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.code for m in finding.marks for r in m.reasons}


# (rule, title as written, expected mark, counts as evasion)
CASES = [
    ("plain", "吉林特产 梅河大米 新米", "梅河大米", False),
    ("full-width latin and digits", "ＢＥＩＪＩＮＧ ２０２２ 纪念章", "北京2022", False),
    ("traditional characters", "撫松人參 禮盒", "抚松人参", False),
    ("upper case English name", "SHUEY RHON RHON keyring", "雪容融", False),
    ("space at a word boundary", "洮南 绿豆 农家", "洮南绿豆", False),
    ("descriptive gap", "五常 有机 大米 新米", "五常大米", False),
    ("separators between characters", "舒.兰.大.米 新货", "舒兰大米", True),
    ("CJK stroke used as separator", "雪丨容丨融 摆件", "雪容融", True),
    ("zero-width character", "万昌\u2060大米", "万昌大米", True),
    ("emoji between characters", "冬🎿奥会 纪念", "冬奥会", True),
    ("homophone", "德汇大米 当季", "德惠大米", True),
    ("homophone of another reading", "长白山人餐 礼盒", "长白山人参", True),
    ("look-alike character", "冰墩墪 玩偶", "冰墩墩", True),
    ("split character", "集安五口未子 干果", "集安五味子", True),
    ("pinyin", "Xin Kai He Gong Mi 5kg", "新开河贡米", True),
    ("pinyin with tone marks", "bīng dūn dūn 挂件", "冰墩墩", True),
    ("pinyin with ü typed as v", "taonan lv dou 500g", "洮南绿豆", True),
    ("mixed pinyin and Chinese", "集an五味子", "集安五味子", True),
    ("romanised near-miss", "changbaishanrenshem", "长白山人参", True),
]


@pytest.mark.parametrize(("rule", "title", "mark", "evasive"), CASES, ids=[c[0] for c in CASES])
def test_normalisation_rule(
    detector: Detector,
    make_listing,
    rule: str,
    title: str,  # type: ignore[no-untyped-def]
    mark: str,
    evasive: bool,
) -> None:
    finding = detector.detect(make_listing(title, "吉林 通化", seller="奥林匹克官方旗舰店"))
    assert finding.top_mark is not None, rule
    assert finding.top_mark.mark == mark
    assert ("evasive_spelling" in codes(finding)) is evasive


WORDS_THAT_ONLY_CONTAIN_A_MARK = [
    "云南 人参果 新鲜水果 5斤",
    "长白山人参果 当季",
    "西洋参 切片 100g",
    "高丽参 红参 礼盒",
    "长白山旅游 北坡门票",
    "黄冰糖 老冰糖 500g",
    "东北大米 10斤",
    "熊猫玩偶 毛绒",
    "冬季 保暖 手套",
    "飞跃 帆布鞋 小白鞋",
    "冬梦 香薰蜡烛",
    "保健人参茶 袋泡",
    "Bing search gift card",
]


@pytest.mark.parametrize("title", WORDS_THAT_ONLY_CONTAIN_A_MARK)
def test_words_that_merely_contain_mark_characters_do_not_fire(
    detector: Detector,
    make_listing,
    title: str,  # type: ignore[no-untyped-def]
) -> None:
    finding = detector.detect(make_listing(title, "安徽 亳州", price=10.0))
    assert finding.verdict == "clear"
    assert finding.marks == ()


def test_a_mark_never_spans_title_and_a_description(detector: Detector, make_listing) -> None:  # type: ignore[no-untyped-def]
    description = "大米 香甜，" + "本店商品均为实拍，支持七天无理由退换。" * 2
    assert len(description) > SUBTITLE_CHARS
    finding = detector.detect(make_listing("年货上市 五常", "安徽 合肥", description=description))
    assert finding.marks == ()


@pytest.mark.parametrize(
    ("title", "subtitle", "mark"),
    [("人参片", "长白山正品", "长白山人参"), ("年货上市 五常", "大米 香甜", "五常大米")],
)
def test_a_short_subtitle_reads_with_its_title(  # type: ignore[no-untyped-def]
    detector: Detector, make_listing, title: str, subtitle: str, mark: str
) -> None:
    """A shop's subtitle under the title ("人参片" / "长白山正品") is one line with it."""
    finding = detector.detect(make_listing(title, "安徽 合肥", description=subtitle))
    assert mark in [m.mark for m in finding.marks]
    assert finding.verdict == "suspicious"
