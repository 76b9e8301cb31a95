"""吉林特产商城, a provincial specialty-goods shop with plain HTML list and detail pages.

No Python spider knows this site: it is crawled by a YAML site profile alone
(crawler/profiles/jlshop.yaml). Pages are GBK, images are lazy (`data-lazy-img`),
detail pages also carry schema.org Product JSON-LD (for the generic spider), and
the footer links an endless events calendar and a robots-disallowed search.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

from testbed.generate import TestbedListing

PAGE_SIZE = 10
CONTENT_TYPE = "text/html; charset=gbk"


def _page(title: str, body: str) -> bytes:
    page = (
        '<!DOCTYPE html><html><head><meta charset="gbk">'
        f"<title>{html.escape(title)} - 吉林特产商城</title></head><body>"
        '<div class="header"><a href="/jlshop/list?page=1">全部商品</a></div>'
        f"{body}"
        '<div class="footer"><a href="/jlshop/calendar?month=2024-01">活动日历</a>'
        '<a href="/jlshop/search?q=%E4%BA%BA%E5%8F%82&page=1">站内搜索</a></div>'
        "</body></html>"
    )
    return page.encode("gbk", errors="xmlcharrefreplace")


def list_page(listings: Sequence[TestbedListing], page: int) -> bytes:
    e = html.escape
    total = max(1, math.ceil(len(listings) / PAGE_SIZE))
    shown = listings[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    cards = "".join(
        f'<li class="goods"><a class="goods-link" '
        f'href="/jlshop/goods/{i.nid}.html?spm=jl.list.{n}">'
        f'<img src="/jlshop/static/blank.gif" data-lazy-img="/jlshop/img/{i.nid}.jpg">'
        f"<span>{e(i.title)}</span></a><em>¥{i.price:.2f}</em></li>"
        for n, i in enumerate(shown)
    )
    pager = f'<span class="cur">{page}/{total}</span>'
    if page < total:
        pager += f'<a class="next" href="/jlshop/list?page={page + 1}">下一页</a>'
    return _page("全部商品", f'<ul class="goods-list">{cards}</ul><div class="pager">{pager}</div>')


def detail_page(item: TestbedListing) -> bytes:
    e = html.escape
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "sku": item.nid,
        "name": item.title,
        "description": item.description,
        "image": f"/jlshop/img/{item.nid}.jpg",
        "offers": {
            "@type": "Offer",
            "price": f"{item.price:.2f}",
            "priceCurrency": "CNY",
            "seller": {
                "@type": "Organization",
                "name": item.nick,
                "address": {
                    "addressRegion": item.location.split(" ")[0],
                    "addressLocality": " ".join(item.location.split(" ")[1:]),
                },
            },
        },
    }
    attrs = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in item.attributes)
    payload = json.dumps(product, ensure_ascii=False).replace("</", "<\\/")
    body = (
        f'<div class="goods-detail" data-goods-id="{item.nid}">'
        f'<h1 class="goods-name">{e(item.title)}</h1>'
        f'<p class="goods-price">售价：<span class="num">¥{item.price:.2f}</span></p>'
        '<div class="shop">店铺：'
        f'<a class="shop-name" href="/jlshop/list?page=1">{e(item.nick)}</a>'
        f'<span class="shop-location">{e(item.location)}</span></div>'
        f'<div id="gallery"><img src="/jlshop/static/blank.gif" '
        f'data-lazy-img="/jlshop/img/{item.nid}.jpg" alt=""></div>'
        f'<dl class="goods-attrs">{attrs}</dl>'
        f'<div class="goods-desc">{e(item.description)}</div></div>'
        '<script type="application/ld+json">'
        f"{payload}</script>"
    )
    return _page(item.title, body)
