"""Pages whose declared charset lies still decode to the right Chinese text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crawler.encoding import decode_html, decode_page

TEXT = "长白山人参 集安人参 五常大米 梅河大米，正品保证。冰墩墩 雪容融 北京2022 冬奥会"


@pytest.mark.parametrize(
    ("encoding", "declared", "used"),
    [
        ("utf-8", "utf-8", "utf-8"),
        ("utf-8", "gbk", "utf-8"),  # UTF-8 bytes under a GBK label
        ("utf-8", None, "utf-8"),
        ("gbk", "utf-8", "gb18030"),  # GBK bytes under a UTF-8 label
        ("gbk", "gbk", "gb18030"),
        ("gbk", None, "gb18030"),
        ("gb18030", "big5", "gb18030"),
        ("big5", "utf-8", "big5"),
        ("big5", None, "big5"),
    ],
)
def test_the_bytes_decide_not_the_label(encoding: str, declared: str | None, used: str) -> None:
    text = TEXT if encoding != "big5" else "長白山人參 集安人參 正品保證 北京冬奧會 冰墩墩"
    page = decode_page(text.encode(encoding), declared)
    assert page.text == text
    assert page.encoding == used
    assert page.declared_wrong == (
        declared is not None and declared.replace("gbk", "gb18030") != used
    )


def test_meta_charset_is_only_a_hint() -> None:
    body = '<html><head><meta charset="gbk"></head><body>五常大米</body></html>'.encode()
    page = decode_page(body)
    assert "五常大米" in page.text
    assert page.declared == "gbk" and page.encoding == "utf-8" and page.declared_wrong


def test_tmall_page_with_gbk_bytes_labelled_utf8(page: Callable[[str], bytes]) -> None:
    body = page("ecommerce/tmall_item_iphone11_suning_flagship.gbk.html")
    decoded = decode_page(body, "utf-8")
    assert decoded.encoding == "gb18030" and not decoded.lossy
    assert "苏宁易购官方旗舰店" in decoded.text


@pytest.mark.parametrize("view", ["pc", "mobile"])
def test_tmall_pages_with_utf8_bytes_labelled_gbk(view: str, page: Callable[[str], bytes]) -> None:
    body = page(f"ecommerce/tmall_item_18959526273_{view}_2015.html")
    decoded = decode_page(body, "gbk")
    assert decoded.encoding == "utf-8"
    assert "AMH男装韩版2015秋装新款修身水洗微弹牛仔裤长裤" in decoded.text


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\xfd", "五常大米".encode()[:-1], "五常大米".encode("gbk")[:-1], b"\x00" * 10],
)
def test_broken_bytes_never_raise(body: bytes) -> None:
    for declared in (None, "utf-8", "gbk", "no-such-charset"):
        assert isinstance(decode_html(body, declared), str)


def test_truncated_utf8_keeps_what_is_there() -> None:
    body = ("长白山人参" * 20).encode()[:-1]
    page = decode_page(body, "utf-8")
    assert page.text.startswith("长白山人参" * 19)


def test_utf8_bom_is_dropped() -> None:
    assert decode_html("\ufeff冰墩墩".encode()) == "冰墩墩"
