"""The Pinduoduo replica: a goods-list JSON API (prices in fen) and a goods-detail API."""

from __future__ import annotations

import json
from collections.abc import Sequence

from testbed.generate import TestbedListing

PAGE_SIZE = 50


def goods_list(listings: Sequence[TestbedListing], page: int, size: int = PAGE_SIZE) -> str:
    shown = listings[(page - 1) * size : page * size]
    goods = []
    for item in shown:
        fen = round(item.price * 100)
        goods.append(
            {
                "goods_name": item.title,
                "short_name": item.title[:20],
                "goods_id": int(item.nid),
                "thumb_url": f"/pdd/img/{item.nid}.jpg",
                "hd_thumb_url": f"/pdd/img/{item.nid}.jpg",
                "cnt": item.sales,
                "normal_price": round(fen * 1.15),
                "market_price": round(fen * 2),
                "group": {"price": fen, "customer_num": 2},
                "mall_id": int(item.user_id),
                "mall_name": item.nick,
            }
        )
    has_more = page * size < len(listings)
    return json.dumps(
        {
            "server_time": 1700000000,
            "goods_list": goods,
            "flip": f"{page};{len(shown)};0;{size}" if has_more else "",
            "has_more": has_more,
        },
        ensure_ascii=False,
    )


def goods_detail(item: TestbedListing) -> str:
    return json.dumps(
        {
            "goods": {
                "goods_id": int(item.nid),
                "goods_name": item.title,
                "goods_desc": item.description,
                "goods_property": [{"key": k, "values": [v]} for k, v in item.attributes],
                "mall_name": item.nick,
                "mall_id": int(item.user_id),
            }
        },
        ensure_ascii=False,
    )
