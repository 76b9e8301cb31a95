"""The expo replica, modelled on the Canton Fair: an exhibitor-search API (paginated JSON)
and, per exhibitor, its exhibit records (the `getSearchGoods` record shape).

Every testbed listing becomes one exhibit; its seller becomes the exhibitor. Ids
are UUIDs as on the fair's site, derived from the listing so they never change.
"""

from __future__ import annotations

import html
import json
import math
import uuid
from collections.abc import Sequence

from testbed.generate import TestbedListing

EXHIBITOR_PAGE_SIZE = 10
EXHIBIT_PAGE_SIZE = 8
_NAMESPACE = uuid.UUID("6f1c3a52-9a4e-4c57-8d1e-2022b0a0e7c1")
_CATEGORIES = {"ginseng": "保健食品", "rice": "粮油食品"}


def product_id(item: TestbedListing) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"exhibit:{item.nid}"))


def company_id(item: TestbedListing) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"company:{item.user_id}"))


def exhibitors(listings: Sequence[TestbedListing]) -> list[TestbedListing]:
    """One representative listing per exhibitor, in first-seen order."""
    seen: dict[str, TestbedListing] = {}
    for item in listings:
        seen.setdefault(company_id(item), item)
    return list(seen.values())


def exhibitor_search(listings: Sequence[TestbedListing], page: int) -> str:
    companies = exhibitors(listings)
    shown = companies[(page - 1) * EXHIBITOR_PAGE_SIZE : page * EXHIBITOR_PAGE_SIZE]
    counts: dict[str, int] = {}
    for item in listings:
        counts[company_id(item)] = counts.get(company_id(item), 0) + 1
    rows = [
        {
            "ExhibitorID": company_id(item),
            "Name": item.nick,
            "CorpType": 1,
            "ProductCount": counts[company_id(item)],
            "KeyWord": "人参/大米/杂粮/礼品/纪念品",
            "BoothInfos": [
                {
                    "CategoryName": "食品",
                    "Name": f"第3期 {10 + n % 5}.2C{n:02d}",
                    "Booth": f"{10 + n % 5}.2C{n:02d}",
                    "Phase": "3",
                }
            ],
        }
        for n, item in enumerate(shown, start=(page - 1) * EXHIBITOR_PAGE_SIZE)
    ]
    answer = {
        "IsSuccess": True,
        "ErrorMSG": None,
        "ReturnData": {
            "ExhibitorCount": len(companies),
            "PageIndex": page,
            "PageCount": max(1, math.ceil(len(companies) / EXHIBITOR_PAGE_SIZE)),
            "Exhibitors": rows,
        },
    }
    return json.dumps(answer, ensure_ascii=False)


def _record(item: TestbedListing) -> dict[str, object]:
    pid, cid = product_id(item), company_id(item)
    region = [{"label": "中国"}] + [{"label": part} for part in item.location.split()]
    return {
        "productId": pid,
        "companyId": cid,
        "companyNameCN": item.nick,
        "productNameCN": item.title,
        "productHrefCN": f"/expo/exhibit/{pid}",
        "companyHrefCN": f"/expo/exhibitor/{cid}",
        "descriptionCN": f"<p>{item.description}</p>",
        "minPrice": f"{item.price:.2f}",
        "maxPrice": f"{item.price * 1.2:.2f}",
        "currency": "1",
        "countryArea": region,
        "imageList": [f"/expo/img/{item.nid}.jpg"],
        "tagNameCN": [{"title": "内销"}],
    }


def exhibits(listings: Sequence[TestbedListing], company: str, page: int) -> str:
    mine = [i for i in listings if company_id(i) == company]
    shown = mine[(page - 1) * EXHIBIT_PAGE_SIZE : page * EXHIBIT_PAGE_SIZE]
    answer = {
        "code": 0,
        "data": {
            "total": len(mine),
            "pageNo": page,
            "pageSize": EXHIBIT_PAGE_SIZE,
            "list": [_record(i) for i in shown],
        },
    }
    return json.dumps(answer, ensure_ascii=False)


def exhibit_page(item: TestbedListing) -> str:
    """The exhibit's own page, where a visitor (and a case file) can see the product."""
    e = html.escape
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{e(item.title)} - 展品</title></head><body>"
        f'<h1 class="exhibit-name">{e(item.title)}</h1>'
        f'<p class="company">{e(item.nick)}（{e(item.location)}）</p>'
        f'<p class="price">¥{item.price:.2f}</p><div class="desc">{e(item.description)}</div>'
        f'<img src="/expo/img/{item.nid}.jpg"></body></html>'
    )
