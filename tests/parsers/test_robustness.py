"""Broken, truncated and oddly typed input: a ParseError or partial results, never a crash."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.parsers import PARSERS, ParseError, extract

REAL_FILES = {
    "taobao": "ecommerce/taobao_search_xiashangxin_2018.html",
    "tmall": "ecommerce/tmall_h5_detail_api_2019_0.json",
    "jd": "ecommerce/jd_search_shouji_2024.html",
    "pdd": "ecommerce/pdd_api_category_goods_list_2018_1.json",
    "1688": "ecommerce/1688_search_phone_data_cable_wholesalers_2024.html",
    "dangdang": "ecommerce/dangdang_books_scraped_items_2024.json",
}


@pytest.mark.parametrize("platform", sorted(REAL_FILES))
@pytest.mark.parametrize("keep", [0.0, 0.3, 0.6, 0.97])
def test_truncated_pages_give_a_parse_error_or_fewer_listings(
    platform: str, keep: float, page: Callable[[str], bytes]
) -> None:
    body = page(REAL_FILES[platform])
    complete = extract(platform, body)
    try:
        partial = extract(platform, body[: int(len(body) * keep)])
    except ParseError as exc:
        assert exc.platform == platform
        return
    assert len(partial) <= len(complete)
    assert {x.id for x in partial} <= {x.id for x in complete}


@pytest.mark.parametrize(
    ("platform", "body"),
    [
        ("pdd", {"goods_list": [{"goods_id": "x"}, 7, None, {"goods_id": 5, "group": "?"}]}),
        ("pdd", {"goods_list": [{"goods_id": 12, "goods_name": ["list"], "normal_price": -5}]}),
        ("tmall", {"_DATA_Detail": {"item": {"itemId": 1, "title": {"x": 1}, "images": "no"}},
                   "_DATA_Mdskip": {"price": {"price": {"priceText": []}}, "delivery": 3}}),
        ("tmall", {"items": [{"item_id": "1", "price": {"a": 1}}, "junk"], "shop_title": 5}),
        ("cantonfair", {"ReturnData": {"Exhibitors": [{"ExhibitorID": 9, "Name": "某公司",
                                                       "BoothInfos": "none"}, 3]}}),
        ("dangdang", [{"name": 5, "price": None}, "x", {"name": "书", "src": 1}]),
    ],
)  # fmt: skip
def test_unexpected_json_types_are_skipped_not_fatal(platform: str, body: object) -> None:
    listings = extract(platform, json.dumps(body).encode())
    for listing in listings:
        assert listing.id.startswith(f"{platform}:")
        assert listing.price is None or listing.price >= 0
        json.dumps(listing.to_dict())


def test_pdd_prices_are_fen() -> None:
    body = {"goods_list": [{"goods_id": 1, "goods_name": "五常大米", "normal_price": 3990}]}
    [listing] = extract("pdd", json.dumps(body).encode())
    assert listing.price == 39.9


@pytest.mark.parametrize(
    ("platform", "body"),
    [
        ("taobao", b"<html><body>no config</body></html>"),
        ("taobao", b"<script>g_page_config = {broken</script>"),
        ("tmall", b"<html></html>"),
        ("tmall", b'{"nothing": 1}'),
        ("pdd", b'{"goods_list": '),
        ("pdd", b'"a string"'),
        ("jd", b"<html><body>hello</body></html>"),
        ("1688", b"<html></html>"),
        ("cantonfair", b"{oops"),
        ("dangdang", b'{"not": "a list"}'),
        ("nosuch", b"{}"),
    ],
)
def test_unreadable_input_is_a_parse_error_naming_the_platform(platform: str, body: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        extract(platform, body)
    assert platform in str(caught.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    platform=st.sampled_from([*sorted(PARSERS), "auto"]),
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "goods_list",
                            "items",
                            "goods_id",
                            "item_id",
                            "price",
                            "_DATA_Detail",
                            "ReturnData",
                            "Exhibitors",
                            "name",
                        ]
                    ),
                    inner,
                    max_size=4,
                )
            ),
            max_leaves=12,
        ).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_any_input_gives_listings_or_a_parse_error(platform: str, body: bytes) -> None:
    try:
        listings = extract(platform, body)
    except ParseError:
        return
    for listing in listings:
        json.dumps(listing.to_dict())
