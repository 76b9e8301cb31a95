"""JD Union through JD's open gateway (JOS): `jd.union.open.goods.query`, keyword goods
search (union.jd.com/openplatform/api/v2?apiName=jd.union.open.goods.query).

Common parameters (method, app_key, timestamp "yyyy-MM-dd HH:mm:ss" GMT+8, format=json,
v=1.0, sign_method=md5, sign) with the business request as one JSON string in
`360buy_param_json` ({"goodsReqDTO": {"keyword", "pageIndex", "pageSize"}}). The answer
wraps a JSON *string*: `{"jd_union_open_goods_query_responce": {"code": "0",
"queryResult": "{\"code\":200,\"data\":[...],\"totalCount\":N}"}}` (sic "responce").
Gateway errors: `{"error_response": {"code", "zh_desc", "en_desc"}}`, e.g. code 12 无效签名.
JD Union's goods data carries no ship-from region: seller.location stays empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crawler.openapi.api import BEIJING, ApiError, ApiPage, ErrorKind
from crawler.openapi.credentials import Credentials
from crawler.openapi.signing import md5_wrapped
from crawler.parsers.common import as_dict, text_of
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

METHOD = "jd.union.open.goods.query"
RESPONSE_KEY = "jd_union_open_goods_query_responce"
# Gateway codes (error_response.code). 12 "无效签名" is what the gateway answers a bad sign
# (as reported by JOS users); the others are our reading of JOS's code list, so the
# spider also treats any unknown code as a plain, logged error rather than guessing.
GATEWAY_KINDS: Mapping[str, ErrorKind] = {
    "12": "signature",
    "19": "credentials",  # invalid app_key
    "11": "timestamp",
    "13": "permission",
    "74": "rate_limit",
}
# Business codes inside queryResult.
RESULT_KINDS: Mapping[str, ErrorKind] = {"403": "permission", "411": "rate_limit"}


class JosClient:
    platform = "jd"
    credentials_name = "jd"
    path = "/routerjson"

    def __init__(self, page_size: int = 20) -> None:
        self.page_size = page_size

    def params(self, creds: Credentials, keyword: str, page: int, now: datetime) -> dict[str, str]:
        business = {
            "goodsReqDTO": {"keyword": keyword, "pageIndex": page, "pageSize": self.page_size}
        }
        params = {
            "method": METHOD,
            "app_key": creds.app_key,
            "timestamp": now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "format": "json",
            "v": "1.0",
            "sign_method": "md5",
            "360buy_param_json": json.dumps(business, ensure_ascii=False, separators=(",", ":")),
        }
        params["sign"] = md5_wrapped(params, creds.app_secret)
        return params

    def parse(self, body: bytes, page: int) -> ApiPage:
        data = _load(body)
        error = data.get("error_response")
        if isinstance(error, Mapping):
            code = text_of(error.get("code"))
            message = text_of(error.get("zh_desc")) or text_of(error.get("en_desc"))
            kind = GATEWAY_KINDS.get(code, "other")
            raise ApiError(
                "jd", kind, code, message or "no message", 1.0 if kind == "rate_limit" else None
            )
        answer = as_dict(data.get(RESPONSE_KEY))
        if not answer:
            raise ParseError("jd", f"no {RESPONSE_KEY} in the answer")
        result = answer.get("queryResult")
        result = as_dict(json.loads(result) if isinstance(result, str) else result)
        code = text_of(result.get("code"))
        if code and code != "200":
            kind = RESULT_KINDS.get(code, "other")
            message = text_of(result.get("message")) or "no message"
            raise ApiError("jd", kind, code, message, 1.0 if kind == "rate_limit" else None)
        rows = result.get("data") or []
        listings = tuple(x for x in (goods_listing(as_dict(r)) for r in rows) if x)
        total = result.get("totalCount")
        return ApiPage(listings, int(total) if total is not None else None, page, self.page_size)


def goods_listing(row: Mapping[str, Any]) -> Listing | None:
    sku = text_of(row.get("skuId"))
    if not sku:
        return None
    prices = as_dict(row.get("priceInfo"))
    raw_price = prices.get("lowestPrice") or prices.get("price")
    try:
        price: float | None = float(raw_price) if raw_price is not None else None
    except (TypeError, ValueError):
        price = None
    shop = as_dict(row.get("shopInfo"))
    images = [
        text_of(as_dict(i).get("url")) for i in as_dict(row.get("imageInfo")).get("imageList") or []
    ]
    return Listing(
        id=f"jd:{sku}",
        platform="jd",
        url=f"https://item.jd.com/{sku}.html",
        title=text_of(row.get("skuName")),
        price=price,
        seller=Seller(name=text_of(shop.get("shopName")), id=text_of(shop.get("shopId"))),
        images=tuple(i if not i.startswith("//") else "https:" + i for i in images if i),
    )


def _load(body: bytes) -> Mapping[str, Any]:
    try:
        return as_dict(json.loads(body))
    except ValueError as exc:
        raise ParseError("jd", f"answer is not JSON: {exc}") from None
