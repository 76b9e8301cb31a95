"""Quantity parsing and location placement."""

from __future__ import annotations

import pytest

from detectors import Detector, load_catalog
from detectors.quantity import parse_quantity, price_per_500g
from detectors.region import RegionJudge

QUANTITIES = [
    ("500g", 500.0, None),
    ("2.5kg", 2500.0, None),
    ("5斤", 2500.0, None),
    ("10公斤", 10000.0, None),
    ("3两", 150.0, None),
    ("2.5kg*2袋", 5000.0, None),
    ("20斤装", 10000.0, None),
    ("半斤", 250.0, None),
    ("1千克", 1000.0, None),
    ("净重 250 克", 250.0, None),
    ("1支", None, 1),
    ("礼盒 6支装", None, 6),
    ("", None, None),
    ("2022新款", None, None),
]


@pytest.mark.parametrize(("text", "grams", "roots"), QUANTITIES)
def test_parse_quantity(text: str, grams: float | None, roots: int | None) -> None:
    q = parse_quantity(text)
    assert q.grams == grams
    assert q.roots == roots


def test_quantity_field_wins_over_title_and_price_per_500g() -> None:
    q = parse_quantity("5kg", "10斤装 新米")
    assert q.grams == 5000.0
    assert price_per_500g(30.0, q) == pytest.approx(3.0)


PLACES = [
    ("五常大米", "黑龙江 哈尔滨", "in"),
    ("五常大米", "哈尔滨", "in"),
    ("五常大米", "黑龙江省哈尔滨市五常市", "in"),
    ("五常大米", "黑龙江 齐齐哈尔", "out"),
    ("五常大米", "黑龙江", "in"),
    ("五常大米", "吉林", "out"),
    ("长白山人参", "吉林 吉林", "in"),
    ("梅河大米", "吉林 吉林", "out"),
    ("集安人参", "吉林 通化", "in"),
    ("集安人参", "吉林 通化 辉南", "out"),
    ("长白山人参", "延边朝鲜族自治州 敦化市", "in"),
    ("长白山人参", "吉林 长春", "out"),
    ("抚松人参", "亳州", "out"),
    ("抚松人参", "中国大陆", "unknown"),
]


@pytest.mark.parametrize(("mark", "location", "placement"), PLACES)
def test_seller_location_placement(
    detector: Detector, mark: str, location: str, placement: str
) -> None:
    catalog = load_catalog()
    judge = RegionJudge(catalog.marks, detector._plain)
    assert judge.place(location, catalog.mark(mark), strict=True) == placement


def test_unplaceable_stated_origin_is_unknown_not_outside(detector: Detector) -> None:
    catalog = load_catalog()
    judge = RegionJudge(catalog.marks, detector._plain)
    assert judge.place("长白山脚下", catalog.mark("集安人参"), strict=False) == "unknown"


def test_long_text_screen_finds_exactly_what_the_automaton_finds(detector: Detector) -> None:
    """The pair screen of long texts is a shortcut: same leftmost-longest keys as reading
    the whole text with the automaton, including a key at the very end of the text."""
    from detectors import matching

    matcher = detector._matcher
    sentences = [
        "生长于东北黑土地，长白山脚下，吉林省内多仓发货。",
        "正宗五常稻花香大米，盘锦 蟹田米，延边大米，集安人参。",
        "冰墩墩 雪容融 北京2022 长 白 山 人 參，顺丰包邮。",
    ]
    texts = [
        "".join(sentences[(i + k) % 3] for k in range(40)) + tail
        for i in range(3)
        for tail in ("", "长白山", "吉林", "五常大米")
    ]
    for raw in texts:
        plain = detector._plain(raw)
        codes = matcher.folder.fold(plain).codes
        for automaton, text, screen in (
            (matcher._plain_ac, plain, matcher._plain_screen),
            (matcher._fold_ac, codes, matcher._fold_screen),
        ):
            assert len(text) > matching._SHORT_TEXT and screen is not None
            whole = [(end, key.length) for end, key in automaton.iter_long(text)]
            screened = [(end, k.length) for end, k in matching._screened(automaton, text, screen)]
            assert screened == whole and whole


def test_product_word_screen_misses_no_product_word(detector: Detector) -> None:
    """Long texts skip place words with no product word around them by a screen of where
    one can begin; every product and excluded word (one character, 米, included) must
    begin at a screened place, or a GI near it would go unseen."""
    from detectors import matching

    matcher = detector._matcher
    raw = (
        "吉林省内多仓发货，长白山脚下。正宗五常 稻花香 米，长白山 人参果 海参 红参；"
        "盘锦 蟹田米，米饭软糯。延边 珍珠米 10斤，集安 林下参 切片"
    ) * 8
    plain = detector._plain(raw)
    assert len(plain) > matching._SHORT_TEXT
    starts = set(matcher._term_starts.starts(matching._Codes.of(plain)))
    words = [(end - key.length + 1) for end, key in matcher._term_ac.iter(plain)]
    assert words and set(words) <= starts
    occurrences = matcher.find(plain)
    assert {"五常大米", "延边大米", "集安人参"} <= {o.mark.name for o in occurrences}
