"""JD item prices come from a separate endpoint; merging them fills the listings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crawler.parsers import ParseError, extract, jd

# Shape of item.jd.com pages: pageConfig.product carries sku, name, shop; no price.
ITEM_PAGE = """<html><head><title>五常大米 稻花香 5kg【行情 报价 价格 评测】-京东</title>
<script>var pageConfig = { compatible: true, product: { skuid: 100105483276,
 name: '\\u4e94\\u5e38\\u5927\\u7c73 \\u7a3b\\u82b1\\u9999 5kg', shopId:'1000310642',
 venderId:1000310642, imageList: ["jfs/t1/1/1/1/a.jpg","jfs/t1/2/2/2/b.jpg"] } };</script>
</head><body><div class="sku-name">五常大米 稻花香 5kg</div>
<div class="J-hove-wrap"><div class="item"><div class="name">
<a href="//mall.jd.com/index-1000310642.html"
 title="五常大米京东自营旗舰店">五常大米京东自营旗舰店</a>
</div></div></div><div class="p-price"><span class="price J-p-100105483276"></span></div>
<ul class="parameter2"><li>商品产地：黑龙江哈尔滨</li><li>净含量：5kg</li></ul></body></html>"""


def test_item_page_has_everything_but_the_price() -> None:
    [item] = extract("jd", ITEM_PAGE.encode(), "https://item.jd.com/100105483276.html")
    assert item.id == "jd:100105483276"
    assert item.title == "五常大米 稻花香 5kg"
    assert item.price is None
    assert item.seller.name == "五常大米京东自营旗舰店"
    assert item.seller.id == "1000310642"
    assert item.images[0] == "https://img14.360buyimg.com/n1/jfs/t1/1/1/1/a.jpg"
    assert "商品产地：黑龙江哈尔滨" in item.description


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b'[{"id":"J_100105483276","p":"39.90","m":"59.00"}]', 39.9),
        (b'jQuery123([{"id":"J_100105483276","p":"39.90"}]);', 39.9),  # JSONP
        (b'[{"id":"J_100105483276","p":"-1.00"}]', None),  # JD's "no price"
        (b'[{"id":"J_999","p":"10.00"}]', None),  # another sku
        (b'[{"id":"J_100105483276","p":{"odd":1}}]', None),  # unexpected type
    ],
)
def test_merge_prices_fills_the_price(answer: bytes, expected: float | None) -> None:
    [item] = extract("jd", ITEM_PAGE.encode(), "https://item.jd.com/100105483276.html")
    [merged] = jd.merge_prices([item], answer)
    assert merged.price == expected
    assert merged.title == item.title


def test_merge_prices_on_a_search_page(page: Callable[[str], bytes]) -> None:
    listings = extract("jd", page("ecommerce/jd_search_shouji_2024.html"))
    answer = b'[{"id":"J_100105483276","p":"1888.00"},{"id":"J_100049775534","p":"-1.00"}]'
    merged = jd.merge_prices(listings, answer)
    assert merged[0].price == 1888.0  # the endpoint is the live price
    assert merged[-1].price == 199.0  # "-1" does not wipe the card's price
    assert [x.id for x in merged] == [x.id for x in listings]


def test_price_answer_alone_extracts_to_price_only_listings() -> None:
    body = b'[{"id":"J_1","p":"9.90"},{"id":"J_2","p":"-1.00"},{"id":"bad"}]'
    listings = extract("jd", body)
    assert [(x.id, x.price) for x in listings] == [("jd:1", 9.9), ("jd:2", None)]


def test_malformed_price_answer_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="jd"):
        jd.parse_price_api(b'[{"id":"J_1","p":')
