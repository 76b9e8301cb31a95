"""Pinduoduo DDK (open.pinduoduo.com/application/document/api?id=pdd.ddk.goods.search).

POP common parameters: type, client_id, timestamp (UNIX seconds; refused when more than
10 minutes off the server's clock), data_type=JSON, sign (MD5 of the secret-wrapped sorted
parameters, upper case). Business: keyword, page, page_size (10..100). Answer
`{"goods_search_response": {"goods_list": [...], "total_count": N, "list_id", "search_id"}}`,
prices in fen (min_group_price); errors `{"error_response": {"error_code", "error_msg",
"sub_code", "sub_msg", "request_id"}}`. DDK goods carry no ship-from region.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crawler.openapi.api import ApiError, ApiPage, ErrorKind
from crawler.openapi.credentials import Credentials
from crawler.openapi.signing import md5_wrapped
from crawler.parsers.common import as_dict, fen_to_yuan, text_of
from crawler.parsers.errors import ParseError
from detectors.types import Listing, Seller

TYPE = "pdd.ddk.goods.search"
RESPONSE_KEY = "goods_search_response"
# POP error codes (error_code); 10019 (access_token expired) is confirmed by client code
# in the wild, the others are our reading of POP's code list; a sub_code naming "sign" is
# a signature error whatever the code.
ERROR_KINDS: Mapping[str, ErrorKind] = {
    "10016": "credentials",  # client_id unknown
    "10019": "permission",  # access_token expired
    "10021": "timestamp",
    "10035": "signature",
    "52101": "rate_limit",
    "52102": "rate_limit",
    "20031": "permission",  # API not granted to this app
}


class DdkClient:
    platform = "pdd"
    credentials_name = "pdd"
    path = "/api/router"

    def __init__(self, page_size: int = 20, pid: str = "") -> None:
        if not 10 <= page_size <= 100:
            raise ValueError("pdd_api: page_size must be between 10 and 100")
        self.page_size = page_size
        self.pid = pid

    def params(self, creds: Credentials, keyword: str, page: int, now: datetime) -> dict[str, str]:
        params = {
            "type": TYPE,
            "client_id": creds.app_key,
            "timestamp": str(int(now.timestamp())),
            "data_type": "JSON",
            "keyword": keyword,
            "page": str(page),
            "page_size": str(self.page_size),
        }
        if self.pid:
            params["pid"] = self.pid
        params["sign"] = md5_wrapped(params, creds.app_secret)
        return params

    def parse(self, body: bytes, page: int) -> ApiPage:
        data = _load(body)
        error = data.get("error_response")
        if isinstance(error, Mapping):
            code = text_of(error.get("error_code"))
            sub_code = text_of(error.get("sub_code"))
            message = "; ".join(
                x for x in (text_of(error.get("error_msg")), text_of(error.get("sub_msg"))) if x
            )
            kind = ERROR_KINDS.get(code, "other")
            if kind == "other" and "sign" in sub_code.lower():
                kind = "signature"
            raise ApiError(
                "pdd", kind, code, message or "no message", 1.0 if kind == "rate_limit" else None
            )
        answer = as_dict(data.get(RESPONSE_KEY))
        if not answer:
            raise ParseError("pdd", f"no {RESPONSE_KEY} in the answer")
        rows = answer.get("goods_list") or []
        listings = tuple(x for x in (goods_listing(as_dict(r)) for r in rows) if x)
        total = answer.get("total_count")
        return ApiPage(listings, int(total) if total is not None else None, page, self.page_size)


def goods_listing(row: Mapping[str, Any]) -> Listing | None:
    # goods_sign replaced goods_id in 2021; keep the numeric id when an answer has one.
    goods_id = text_of(row.get("goods_id")) or text_of(row.get("goods_sign"))
    if not goods_id:
        return None
    images = [text_of(row.get("goods_image_url")), text_of(row.get("goods_thumbnail_url"))]
    url = (
        f"https://mobile.yangkeduo.com/goods.html?goods_id={goods_id}" if goods_id.isdigit() else ""
    )
    return Listing(
        id=f"pdd:{goods_id}",
        platform="pdd",
        url=url,
        title=text_of(row.get("goods_name")),
        description=text_of(row.get("goods_desc")),
        price=fen_to_yuan(row.get("min_group_price")),
        seller=Seller(name=text_of(row.get("mall_name")), id=text_of(row.get("mall_id"))),
        images=tuple(dict.fromkeys(i for i in images if i)),
    )


def _load(body: bytes) -> Mapping[str, Any]:
    try:
        return as_dict(json.loads(body))
    except ValueError as exc:
        raise ParseError("pdd", f"answer is not JSON: {exc}") from None
