"""Taobao Open Platform (TOP): affiliate material search.

Methods: `taobao.tbk.dg.material.optional` (open.taobao.com/api.htm?docId=35896) and its
successor `taobao.tbk.dg.material.optional.upgrade` (its API page on open.taobao.com).
Common parameters (method, app_key, timestamp "yyyy-MM-dd HH:mm:ss" GMT+8, format=json,
v=2.0, sign_method md5|hmac, sign) and the error answer
`{"error_response": {"code", "msg", "sub_code", "sub_msg", "request_id"}}` are described in
open.taobao.com/doc.htm?docId=101617; the platform error codes (7 App Call Limited with
sub_code accesscontrol.limited-by-*-access-count, 11 Insufficient isv permissions, 25
Invalid signature, 29 Invalid app Key, 31 Invalid timestamp) in its 错误码 table. A request
stamped more than 10 minutes off the server's clock is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crawler.openapi.api import BEIJING, ApiError, ApiPage, ErrorKind, ban_seconds
from crawler.openapi.credentials import Credentials
from crawler.openapi.signing import top_sign
from crawler.parsers.common import as_dict, text_of
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

METHOD = "taobao.tbk.dg.material.optional.upgrade"
LEGACY_METHOD = "taobao.tbk.dg.material.optional"
ERROR_KINDS: Mapping[str, ErrorKind] = {
    "7": "rate_limit",
    "11": "permission",
    "12": "permission",
    "13": "permission",
    "25": "signature",
    "28": "credentials",
    "29": "credentials",
    "30": "timestamp",
    "31": "timestamp",
}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


class TopClient:
    platform = "taobao"
    credentials_name = "taobao"
    path = "/router/rest"

    def __init__(
        self,
        method: str = METHOD,
        page_size: int = 20,
        sign_method: str = "md5",
        adzone_id: str = "",
    ) -> None:
        if method not in (METHOD, LEGACY_METHOD):
            raise ValueError(f"taobao_api: unknown method {method!r} ({METHOD} or {LEGACY_METHOD})")
        if sign_method not in ("md5", "hmac"):
            raise ValueError(f"taobao_api: sign_method must be md5 or hmac, not {sign_method!r}")
        self.method = method
        self.page_size = page_size
        self.sign_method = sign_method
        self.adzone_id = adzone_id

    def params(self, creds: Credentials, keyword: str, page: int, now: datetime) -> dict[str, str]:
        params = {
            "method": self.method,
            "app_key": creds.app_key,
            "timestamp": now.astimezone(BEIJING).strftime(TIMESTAMP_FORMAT),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method,
            "q": keyword,
            "page_no": str(page),
            "page_size": str(self.page_size),
        }
        if self.adzone_id:
            params["adzone_id"] = self.adzone_id
        params["sign"] = top_sign(params, creds.app_secret)
        return params

    def parse(self, body: bytes, page: int) -> ApiPage:
        data = _load(body)
        error = data.get("error_response")
        if isinstance(error, Mapping):
            raise error_of(error)
        answer = as_dict(data.get(response_key(self.method)))
        if not answer:
            raise ParseError("taobao", f"no {response_key(self.method)} in the answer")
        rows = as_dict(answer.get("result_list")).get("map_data") or []
        listings = tuple(x for x in (map_data_listing(as_dict(r)) for r in rows) if x)
        total = answer.get("total_results")
        return ApiPage(listings, int(total) if total is not None else None, page, self.page_size)


def response_key(method: str) -> str:
    return method.removeprefix("taobao.").replace(".", "_") + "_response"


def error_of(error: Mapping[str, Any]) -> ApiError:
    code = text_of(error.get("code"))
    sub_msg = text_of(error.get("sub_msg"))
    message = "; ".join(x for x in (text_of(error.get("msg")), sub_msg) if x)
    kind = ERROR_KINDS.get(code, "other")
    retry = ban_seconds(sub_msg) if kind == "rate_limit" else None
    return ApiError("taobao", kind, code, message or "no message", retry)


def map_data_listing(row: Mapping[str, Any]) -> Listing | None:
    """One `map_data` entry, in the upgrade shape (item_basic_info, price_promotion_info)
    or the legacy flat one (title, zk_final_price, shop_title, provcity at the top)."""
    basic = as_dict(row.get("item_basic_info")) or row
    prices = as_dict(row.get("price_promotion_info")) or row
    item_id = text_of(row.get("item_id") or row.get("num_iid"))
    if not item_id:
        return None
    price_text = text_of(
        prices.get("final_promotion_price") or prices.get("zk_final_price")
    ) or text_of(prices.get("reserve_price"))
    try:
        price: float | None = float(price_text) if price_text else None
    except ValueError:
        price = None
    images = [text_of(basic.get("pict_url"))]
    small = as_dict(basic.get("small_images")).get("string") or []
    images += [text_of(x) for x in small if isinstance(x, str)]
    host = "detail.tmall.com" if text_of(basic.get("user_type")) == "1" else "item.taobao.com"
    # Numeric ids are public items; the affiliate "item_id" may also be an opaque string.
    url = f"https://{host}/item.htm?id={item_id}"
    return Listing(
        id=f"taobao:{item_id}",
        platform="taobao",
        url=url if item_id.isdigit() else text_of(row.get("url") or basic.get("item_url")),
        title=text_of(basic.get("title")),
        description=text_of(basic.get("sub_title") or basic.get("short_title")),
        price=price,
        seller=Seller(
            name=text_of(basic.get("shop_title") or basic.get("nick")),
            location=text_of(basic.get("provcity")),
            id=text_of(basic.get("seller_id")),
        ),
        images=tuple(
            dict.fromkeys(i if not i.startswith("//") else "https:" + i for i in images if i)
        ),
    )


def _load(body: bytes) -> Mapping[str, Any]:
    try:
        return as_dict(json.loads(body))
    except ValueError as exc:
        raise ParseError("taobao", f"answer is not JSON: {exc}") from None
