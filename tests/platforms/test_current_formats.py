"""Parsers for today's platform answers, on real samples with hand-checked values."""

from __future__ import annotations

import json

import pytest

from crawler.parsers import extract
from crawler.parsers.errors import ParseError

# One item of Taobao's PC search answer (mtop.relationrecommend.wirelessrecommend.recommend,
# data.itemsArray), captured 2025-05 (utLogMap.time 1747648650087). The item's fields are
# copied verbatim from github.com/topshadow/deno-price, core/taobao.ts (commit 4e0de9c),
# minus the long click/ad URLs; the JSONP wrapper (callback, api, ret) is ours.
MTOP_SEARCH_ITEM = {
    "shopInfo": {"pbshowshopinfo": "false", "title": "三眼井旗舰店", "url": ""},
    "item_id": "575869269042",
    "pic_path": "http://g.search2.alicdn.com/img/i2/133203520/O1CN01BpW2OD1bsDCSpxJy1_!!4611686018427381312-0-saturn_solar.jpg",
    "title": "9度白醋大桶装洗脸泡脚非醋精大桶装家用食用",
    "priceShow": {"unit": "¥", "price": "7.90", "preText": "", "priceDesc": ""},
    "shopTag": "回头客7万",
    "auctionURL": "//detail.tmall.com/item.htm?id=575869269042&ns=1&xxc=ad_ztc",
    "procity": "山西 晋中",
    "price": "59.00",
}


def _jsonp(data: object, ret: str = "SUCCESS::调用成功") -> bytes:
    answer: dict[str, object] = {"api": "mtop.relationrecommend.wirelessrecommend.recommend"}
    answer |= {"v": "2.0", "ret": [ret], "data": data}
    return f"mtopjsonp3({json.dumps(answer, ensure_ascii=False)})".encode()


def test_mtop_search_item_hand_checked() -> None:
    (listing,) = extract("taobao_mtop", _jsonp({"itemsArray": [MTOP_SEARCH_ITEM]}), "")
    assert listing.id == "taobao:575869269042"
    assert listing.title == "9度白醋大桶装洗脸泡脚非醋精大桶装家用食用"
    assert listing.price == 7.90  # the price shown, not the 59.00 list price
    assert listing.seller.name == "三眼井旗舰店"
    assert listing.seller.location == "山西 晋中"
    assert listing.url == "https://detail.tmall.com/item.htm?id=575869269042"
    assert listing.images == (MTOP_SEARCH_ITEM["pic_path"],)


def test_mtop_refusal_names_the_reason() -> None:
    with pytest.raises(ParseError, match="RGV587_ERROR"):
        extract("taobao_mtop", _jsonp({}, "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"), "")
