"""The Taobao replica: search pages with inline `g_page_config`, item pages, a JS shop page.

Page structure follows the saved real pages (s.taobao.com search results and
item.taobao.com detail pages): the same JSON keys and the same CSS hooks.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from urllib.parse import quote

from testbed.generate import TestbedListing

PAGE_SIZE = 44  # s.taobao.com pages step `s` by 44


def search_page(listings: Sequence[TestbedListing], query: str, offset: int) -> str:
    matching = [item for item in listings if query in item.title] if query else list(listings)
    page = matching[offset : offset + PAGE_SIZE]
    total_pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
    auctions = [_auction(item, query) for item in page]
    config = {
        "pageName": "mainsrp",
        "mods": {
            "itemlist": {"status": "show", "data": {"auctions": auctions}},
            "pager": {
                "status": "show",
                "data": {
                    "pageSize": PAGE_SIZE,
                    "totalPage": total_pages,
                    "currentPage": offset // PAGE_SIZE + 1,
                    "totalCount": len(matching),
                },
            },
        },
        "mainInfo": {"currentUrl": f"/taobao/search?q={quote(query)}&s={offset}"},
    }
    title = html.escape(query or "全部宝贝")
    payload = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}_淘宝搜索</title></head><body>"
        '<div id="mainsrp-itemlist"></div>'
        f"<script>\n    g_page_config = {payload};\n    g_srp_loadCss();\n</script>"
        "</body></html>"
    )


def _auction(item: TestbedListing, query: str) -> dict[str, object]:
    shown = html.escape(item.title)
    if query:
        shown = shown.replace(html.escape(query), f"<span class=H>{html.escape(query)}</span>")
    return {
        "nid": item.nid,
        "category": "50016",
        "title": shown,
        "raw_title": item.title,
        "pic_url": f"/taobao/img/{item.nid}.jpg",
        "detail_url": f"/taobao/item.htm?id={item.nid}&ns=1",
        "view_price": f"{item.price:.2f}",
        "view_fee": "0.00",
        "item_loc": item.location,
        "view_sales": f"{item.sales}人付款",
        "user_id": item.user_id,
        "nick": item.nick,
        "shopLink": f"/taobao/shop/{item.user_id}",
    }


def item_page(item: TestbedListing) -> str:
    e = html.escape
    attrs = "".join(f'<li title="{e(v)}">{e(k)}:&nbsp;{e(v)}</li>' for k, v in item.attributes)
    config = {
        "itemId": item.nid,
        "shopName": item.nick,
        "sellerId": item.user_id,
        "sellerNick": item.nick,
        "location": item.location,
    }
    payload = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{e(item.title)}-淘宝网</title></head><body>"
        '<div class="tb-title">'
        f'<h3 class="tb-main-title" data-title="{e(item.title)}">{e(item.title)}</h3></div>'
        '<ul class="tb-meta"><li id="J_StrPriceModBox" class="tb-detail-price">'
        '<span class="tb-property-type">价格</span><strong id="J_StrPrice">'
        f'<em class="tb-rmb">¥</em><em class="tb-rmb-num">{item.price:.2f}</em></strong></li>'
        f'<li class="tb-deliveryAdd"><span class="tb-deliveryAdd">{e(item.location)}</span></li>'
        "</ul>"
        f'<ul id="J_UlThumb"><li><img data-src="/taobao/img/{item.nid}.jpg"></li></ul>'
        '<div class="tb-shop-name"><dl><dd><strong>'
        f'<a href="/taobao/shop/{item.user_id}" title="{e(item.nick)}">{e(item.nick)}</a>'
        "</strong></dd></dl></div>"
        f'<ul class="attributes-list">{attrs}</ul>'
        f'<div id="J_DivItemDesc" class="content">{e(item.description)}</div>'
        f"<script>var g_config = {payload};</script>"
        "</body></html>"
    )


def shop_page(user_id: str, items: Sequence[TestbedListing]) -> str:
    """A shop page whose list is built by JavaScript after load: needs a real browser."""
    data = [{"nid": i.nid, "title": i.title, "price": i.price} for i in items]
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>店铺 {html.escape(user_id)}</title></head><body>"
        '<ul id="shop-items"></ul>'
        "<script>\n"
        f"const SHOP_DATA = {payload};\n"
        "setTimeout(function () {\n"
        "  const ul = document.getElementById('shop-items');\n"
        "  for (const it of SHOP_DATA) {\n"
        "    const li = document.createElement('li');\n"
        "    li.className = 'shop-item'; li.dataset.nid = it.nid;\n"
        "    const a = document.createElement('a');\n"
        "    a.href = '/taobao/item.htm?id=' + it.nid; a.textContent = it.title;\n"
        "    li.appendChild(a); ul.appendChild(li);\n"
        "  }\n"
        "  document.body.dataset.rendered = 'yes';\n"
        "}, 150);\n"
        "</script></body></html>"
    )
