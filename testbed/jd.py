"""The JD replica: search result pages of `gl-item` cards, item pages, a separate price endpoint.

As on search.jd.com, cards and item pages carry no reliable price: the browser
asks the price endpoint for `J_<sku>` ids and fills it in.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

from testbed.generate import TestbedListing

PAGE_SIZE = 30  # JD shows 30 cards per half page


def search_page(listings: Sequence[TestbedListing], keyword: str, page: int) -> str:
    e = html.escape
    matching = [i for i in listings if keyword in i.title] if keyword else list(listings)
    total_pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
    shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    cards = []
    for item in shown:
        name = e(item.title)
        if keyword:
            name = name.replace(e(keyword), f'<font class="skcolor_ljg">{e(keyword)}</font>')
        cards.append(
            f'<li data-sku="{item.nid}" data-spu="{item.nid}" class="gl-item">'
            '<div class="gl-i-wrap">'
            f'<div class="p-img"><a target="_blank" title="" href="/jd/item/{item.nid}.html">'
            f'<img width="220" height="220" data-lazy-img="/jd/img/{item.nid}.jpg" '
            'src="/jd/static/blank.gif"></a></div>'
            f'<div class="p-price"><strong class="J_{item.nid}" data-done="0"><em>￥</em><i></i>'
            "</strong></div>"
            f'<div class="p-name p-name-type-2"><a target="_blank" title="" '
            f'href="/jd/item/{item.nid}.html"><em>{name}</em></a></div>'
            f'<div class="p-shop" data-shopid="{item.user_id}"><span class="J_im_icon">'
            f'<a class="curr-shop hd-shopname" href="/jd/shop/{item.user_id}" '
            f'title="{e(item.nick)}">{e(item.nick)}</a></span></div>'
            "</div></li>"
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{e(keyword or '全部')} - 商品搜索 - 京东</title>"
        "<script>window.pageConfig={queryParam:{keyword:'"
        + e(keyword)
        + f"',page:'{page}'}}}};</script></head><body>"
        '<div id="J_goodsList" class="goods-list-v2 gl-type-3"><ul class="gl-warp clearfix">'
        + "".join(cards)
        + "</ul></div>"
        f'<div id="J_bottomPage"><span class="p-skip"><em>共<b>{total_pages}</b>页</em>'
        "</span></div></body></html>"
    )


def item_page(item: TestbedListing) -> str:
    e = html.escape
    config = {
        "product": {
            "skuid": int(item.nid),
            "name": item.title,
            "shopId": item.user_id,
            "venderId": item.user_id,
            "imageList": [f"/jd/img/{item.nid}.jpg"],
        }
    }
    params = "".join(f'<li title="{e(v)}">{e(k)}：{e(v)}</li>' for k, v in item.attributes)
    if not params:
        params = f'<li title="{e(item.title[:12])}">商品名称：{e(item.title[:12])}</li>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{e(item.title)}【行情 报价 价格 评测】-京东</title>"
        f'<link rel="canonical" href="/jd/item/{item.nid}.html">'
        f"<script>var pageConfig = {json.dumps(config, ensure_ascii=False)};</script>"
        "</head><body>"
        f'<div class="sku-name">{e(item.title)}</div>'
        '<div class="summary-price"><span class="p-price"><span>￥</span>'
        f'<span class="price J-p-{item.nid}"></span></span></div>'
        '<div class="J-hove-wrap"><div class="name">'
        f'<a href="/jd/shop/{item.user_id}" title="{e(item.nick)}">{e(item.nick)}</a></div></div>'
        f'<ul class="parameter2 p-parameter-list">{params}</ul>'
        f'<img id="spec-img" data-origin="/jd/img/{item.nid}.jpg">'
        "</body></html>"
    )


def price_answer(skus: Sequence[str], by_sku: dict[str, TestbedListing]) -> str:
    """The price endpoint: `[{"id": "J_<sku>", "p": "39.90", "m": "59.00"}, ...]`."""
    out = []
    for sku in skus:
        item = by_sku.get(sku.removeprefix("J_"))
        if item is not None:
            out.append(
                {
                    "id": f"J_{item.nid}",
                    "p": f"{item.price:.2f}",
                    "m": f"{item.price * 1.3:.2f}",
                    "op": f"{item.price:.2f}",
                }
            )
    return json.dumps(out)
