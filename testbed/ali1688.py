"""The 1688 replica: offer search pages with the offer list inline (`pageConfig.listOffer`).

Keys follow the real s.1688.com page the parser is tested on: `attr.company`
(name, province, city), `tradePrice.offerPrice.value` split into integer and
decimals, `cpv` property pairs. Pagination is `beginPage`, as on the site.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

from testbed.generate import TestbedListing

PAGE_SIZE = 20


def _offer(item: TestbedListing) -> dict[str, object]:
    province, _, city = item.location.partition(" ")
    whole = int(item.price)
    cents = round((item.price - whole) * 100)
    return {
        "offerid": item.nid,
        "title": item.title,
        "imgUrl": f"/1688/img/{item.nid}.jpg",
        "memberId": f"b2b-{item.user_id}",
        "loginId": item.nick,
        "cpv": [{"p": k, "v": v} for k, v in item.attributes],
        "attr": {
            "id": item.nid,
            "company": {
                "name": item.nick,
                "province": province,
                "city": city,
                "bizTypeName": "生产加工",
            },
            "tradePrice": {
                "offerPrice": {"enable": True, "value": {"integer": whole, "decimals": cents}}
            },
            "tradeQuantity": {"saleQuantity": item.sales, "unit": "件"},
        },
    }


def search_page(listings: Sequence[TestbedListing], keywords: str, page: int) -> str:
    matching = [i for i in listings if keywords in i.title] if keywords else list(listings)
    total = max(1, math.ceil(len(matching) / PAGE_SIZE))
    shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    config = {
        "uid": "",
        "keywords": keywords,
        "beginPage": page,
        "pageCount": total,
        "totalCount": len(matching),
        "listOffer": [_offer(i) for i in shown],
    }
    payload = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    e = html.escape
    next_link = (
        f'<a class="fui-next" href="/1688/search?keywords={e(keywords)}&beginPage={page + 1}">'
        "下一页</a>"
        if page < total
        else ""
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{e(keywords or '全部')}批发-阿里巴巴</title></head><body>"
        '<div id="sm-offer-list"></div>'
        f'<div class="fui-paging"><span class="fui-paging-num">{page}/{total}</span>{next_link}'
        "</div>"
        f'<script type="text/javascript">\n        var pageConfig = {payload};\n</script>'
        "</body></html>"
    )
