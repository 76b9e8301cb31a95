"""Canton Fair exhibitor search and exhibit records become expo listings."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from crawler.parsers import ParseError, cantonfair, extract


def test_exhibitor_search_answer(page: Callable[[str], bytes]) -> None:
    body = page("expo/cantonfair_2019_exhibitor_search_api_sample.json")
    [exhibitor] = extract("expo", body)
    assert exhibitor.id == "cantonfair:0717705901"
    assert exhibitor.source == "expo"
    assert exhibitor.title == exhibitor.seller.name == "安徽安粮国际发展有限公司"
    assert exhibitor.price is None
    assert "食品" in exhibitor.description and "9.1D30" in exhibitor.description


def test_exhibitor_directory_page_embeds_the_same_json(page: Callable[[str], bytes]) -> None:
    answer = page("expo/cantonfair_2019_exhibitor_search_api_sample.json").decode()
    html = f"<html><body><script>window.__EXHIBITORS__ = {answer};</script></body></html>"
    assert [x.id for x in extract("cantonfair", html.encode())] == ["cantonfair:0717705901"]


def test_exhibits_csv(page: Callable[[str], bytes]) -> None:
    listings = extract("expo", page("expo/cantonfair_2021_exhibits_with_exhibitors.csv"))
    assert len(listings) == 540  # one per CSV record (descriptions span lines)
    first, last = listings[0], listings[39]
    assert first.id == "cantonfair:1250c7bc-599c-4b00-a9b1-eed71312e5d8"
    assert first.title == "高度可调桌面显示器笔记本电脑增高架"
    assert first.seller.name == "宁波渠成进出口有限公司"
    assert first.seller.location == "浙江 宁波"
    assert (first.price, first.currency) == (1.0, "USD")
    assert (
        first.images[0] == "https://fs.cantonfair.org.cn/1dfc241e-e3c0-4511-b009-fee48984333a.jpg"
    )
    assert last.id == "cantonfair:3b19b959-2718-47cb-840b-4155ba913aea"
    assert (last.title, last.seller.name, last.seller.location) == (
        "电脑机箱", "安徽工艺贸易进出口有限公司", "安徽 合肥",
    )  # fmt: skip
    assert last.price is None  # 0 = price on request
    assert all(x.source == "expo" for x in listings)


def test_exhibit_records_from_the_json_api() -> None:
    record = {
        "productId": "p-1", "productNameCN": "长白山人参礼盒", "companyNameCN": "某某贸易有限公司",
        "companyId": "c-1", "minPrice": "88", "currency": "1",
        "countryArea": [{"label": "中国"}, {"label": "吉林"}, {"label": "白山"}],
        "imageList": ["https://fs.example/1.jpg"],
    }  # fmt: skip
    [listing] = extract("expo", json.dumps({"data": {"list": [record]}}).encode())
    assert (listing.id, listing.title, listing.price, listing.currency) == (
        "cantonfair:p-1", "长白山人参礼盒", 88.0, "CNY",
    )  # fmt: skip
    assert listing.seller.location == "吉林 白山"


def test_csv_row_with_broken_list_cells_still_parses() -> None:
    row = {"productId": "x", "productNameCN": "冰墩墩摆件", "imageList": "['unterminated",
           "countryArea": "not a list", "tagNameCN": "[{'title': 1}]"}  # fmt: skip
    listing = cantonfair.parse_exhibits_csv_row(row)
    assert listing is not None and listing.images == () and listing.seller.location == ""


def test_csv_without_product_ids_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="cantonfair"):
        extract("expo", b"a,b\n1,2\n")
