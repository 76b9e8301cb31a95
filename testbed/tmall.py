"""The Tmall replica: a list page filled by "load more" XHRs, GBK item pages, H5 detail API.

As on detail.tmall.com the PC item page carries no live price (the browser asks the
H5 detail API, whose `_DATA_Mdskip` half holds price and ship-from place) and its
thumbnails are lazy (`data-ks-lazyload`, a 1x1 gif in `src`). Item pages are GBK;
some say `charset=utf-8` in header and meta while their bytes are GBK, like the
real saved page in shared/realworld.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence

from testbed.generate import TestbedListing

PAGE_SIZE = 20
PLACEHOLDER_GIF = "//g.alicdn.com/s.gif"


def list_page() -> str:
    """The shop's item list: empty markup, a script config, a "load more" button."""
    config = {"api": "/tmall/api/itemlist", "cursor": encode_cursor(0), "pageSize": PAGE_SIZE}
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        "<title>吉林特产馆-天猫Tmall.com</title></head><body>"
        '<div id="J_ShopSearchResult"><ul class="J_TItems"></ul>'
        '<button class="J_LoadMore">加载更多</button></div>'
        f"<script>window.__ITEMLIST_CONFIG__ = {json.dumps(config)};</script>"
        "</body></html>"
    )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(raw.removeprefix("o:")))
    except (ValueError, UnicodeDecodeError):
        return 0


def itemlist(listings: Sequence[TestbedListing], cursor: str, size: int, query: str) -> str:
    """One "load more" answer, in the shop item-list shape the parser knows."""
    matching = [i for i in listings if query in i.title] if query else list(listings)
    offset = decode_cursor(cursor)
    shown = matching[offset : offset + size]
    more = offset + size < len(matching)
    items = [
        {
            "item_id": int(item.nid),
            "title": item.title,
            "img": f"/tmall/img/{item.nid}.jpg",
            "sold": str(item.sales),
            "url": f"/tmall/item.htm?id={item.nid}&spm=a1z10.3-b.w4011.{n}&abbucket=7",
            "price": f"{item.price:.2f}",
        }
        for n, item in enumerate(shown, start=offset)
    ]
    return json.dumps(
        {
            "shop_id": "0",
            "shop_title": "",
            "page_size": str(size),
            "items": items,
            "has_more": more,
            "next_cursor": encode_cursor(offset + size) if more else "",
        },
        ensure_ascii=False,
    )


def lies_about_charset(item: TestbedListing) -> bool:
    return int(item.nid) % 5 == 0


def item_page(item: TestbedListing) -> tuple[bytes, str]:
    """The PC item page as GBK bytes, and the Content-Type header it is served with."""
    e = html.escape
    declared = "utf-8" if lies_about_charset(item) else "gbk"
    setup = {
        "itemDO": {
            "itemId": item.nid,
            "title": item.title,
            "userId": item.user_id,
            "sellerNickName": item.nick,
            "categoryId": "50050359",
        },
        "valItemInfo": {"defSelected": []},
    }
    attrs = "".join(f'<li title="{e(v)}">{e(k)}:&nbsp;{e(v)}</li>' for k, v in item.attributes)
    if not attrs:
        attrs = f"<li>品名:&nbsp;{e(item.title[:20])}</li>"
    page = (
        f'<!DOCTYPE html><html><head><meta charset="{declared}">'
        f"<title>{e(item.title)}-tmall.com天猫</title></head><body>"
        f'<div class="slogo"><a class="slogo-shopname" href="/tmall/list"><strong>{e(item.nick)}'
        "</strong></a></div>"
        f'<div class="tb-detail-hd"><h1>{e(item.title)}</h1></div>'
        '<div class="tm-price-panel"><span class="tm-price"></span></div>'
        '<ul id="J_UlThumb" class="tb-thumb">'
        f'<li><a href="#"><img src="{PLACEHOLDER_GIF}" '
        f'data-ks-lazyload="/tmall/img/{item.nid}.jpg_60x60q90.jpg"></a></li></ul>'
        f'<ul id="J_AttrUL">{attrs}</ul>'
        f"<script>TShop.Setup({json.dumps(setup, ensure_ascii=False)});</script>"
        "</body></html>"
    )
    # Characters GBK lacks (emoji, zero-width spaces) travel as character references.
    return page.encode("gbk", errors="xmlcharrefreplace"), f"text/html; charset={declared}"


def h5_detail(item: TestbedListing, callback: str) -> str:
    """The H5 detail API answer (JSONP): static `_DATA_Detail` plus live `_DATA_Mdskip`."""
    data = {
        "_DATA_Detail": {
            "seller": {
                "userId": int(item.user_id),
                "shopName": item.nick,
                "sellerNick": item.nick,
                "shopType": "B",
            },
            "item": {
                "itemId": int(item.nid),
                "title": item.title,
                "images": [f"/tmall/img/{item.nid}.jpg"],
            },
        },
        "_DATA_Mdskip": {
            "item": {"itemId": int(item.nid)},
            "price": {
                "price": {"priceText": f"{item.price:.2f}", "priceTitle": "价格"},
                "extraPrices": [
                    {
                        "priceText": f"{item.price * 1.5:.2f}",
                        "priceTitle": "专柜价",
                        "lineThrough": True,
                    }
                ],
            },
            "delivery": {"from": item.location.replace(" ", ""), "postage": "快递: 0.00"},
        },
    }
    payload = json.dumps(data, ensure_ascii=False)
    return f"{callback}({payload})" if callback else payload
