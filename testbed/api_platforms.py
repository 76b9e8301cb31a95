"""Replicas of the three open-platform APIs: Taobao TOP, JD JOS (JD Union), Pinduoduo POP.

Each answers in its platform's documented shape, verifies the signature (the secret-wrapped
MD5 of the sorted parameters; TOP also HMAC-MD5) and the timestamp window (10 minutes) the
way the documentation says, and throttles a burst with the documented rate-limit error.
The signing is written again here on purpose: the replica checks the crawler, it does not
share its code. Test credentials are public at GET /_api_keys.json.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from testbed.generate import TestbedListing

API_KEYS: Mapping[str, Mapping[str, str]] = {
    "taobao": {"app_key": "23000001", "app_secret": "mw-testbed-taobao-secret-0001"},
    "jd": {"app_key": "mwjdtestbedkey0001", "app_secret": "mw-testbed-jd-secret-0001"},
    "pdd": {"app_key": "mwpddtestbedclient0001", "app_secret": "mw-testbed-pdd-secret-0001"},
}
# Replica site name -> (platform, gateway path)
GATEWAYS: Mapping[str, tuple[str, str]] = {
    "taobao_api": ("taobao", "/router/rest"),
    "jd_api": ("jd", "/routerjson"),
    "pdd_api": ("pdd", "/api/router"),
}
PATHS = {path: site for site, (_platform, path) in GATEWAYS.items()}
IMAGE_PREFIX = "/openapi/img/"
BEIJING = timezone(timedelta(hours=8))
WINDOW_S = 600  # all three refuse a request stamped more than 10 minutes off


def select(listings: Sequence[TestbedListing], count: int) -> tuple[TestbedListing, ...]:
    """The listings an API replica serves: ones a search for a protected mark finds
    (every real keyword search reaches them), so the truth set is fully reachable."""
    return tuple(item for item in listings if item.mark)[:count]


def matches(keyword: str, item: TestbedListing) -> bool:
    # Like the platforms' own engines, a search for a mark recalls its evasive spellings.
    word = keyword.strip()
    return bool(word) and (word in item.title or word == item.mark)


@dataclass(frozen=True)
class ApiRules:
    max_calls: int = 6  # per app key within `window_s`; beyond that, the rate-limit error
    window_s: float = 1.0
    ban_s: int = 1


class RateLimiter:
    def __init__(self, rules: ApiRules) -> None:
        self.rules = rules
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] > self.rules.window_s:
                calls.popleft()
            if len(calls) >= self.rules.max_calls:
                self.refused += 1
                return False
            calls.append(now)
            return True


def _joined(params: Mapping[str, str]) -> str:
    return "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def _md5(params: Mapping[str, str], secret: str) -> str:
    return hashlib.md5(f"{secret}{_joined(params)}{secret}".encode()).hexdigest().upper()


def _hmac(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), _joined(params).encode(), hashlib.md5).hexdigest().upper()


@dataclass(frozen=True)
class ApiAnswer:
    body: str
    status: int = 200


class ApiReplicas:
    def __init__(
        self, sites: Mapping[str, Sequence[TestbedListing]], rules: ApiRules | None = None
    ) -> None:
        self.sites = {site: tuple(sites.get(site, ())) for site in GATEWAYS}
        self.limiter = RateLimiter(rules or ApiRules())
        self.by_nid = {item.nid: item for items in self.sites.values() for item in items}
        self.clock: Callable[[], float] = time.time

    def keys_body(self) -> str:
        return json.dumps(API_KEYS)

    def answer(self, path: str, params: Mapping[str, str], host: str) -> ApiAnswer:
        site = PATHS[path]
        platform = GATEWAYS[site][0]
        handler = {"taobao": self._top, "jd": self._jos, "pdd": self._pdd}[platform]
        return handler(self.sites[site], params, f"http://{host}{IMAGE_PREFIX}")

    # -- Taobao TOP ----------------------------------------------------------------------
    def _top(self, items: Sequence[TestbedListing], p: Mapping[str, str], img: str) -> ApiAnswer:
        def error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> ApiAnswer:
            body: dict[str, object] = {"code": code, "msg": msg, "request_id": "mwtb0"}
            if sub_code:
                body |= {"sub_code": sub_code, "sub_msg": sub_msg}
            return ApiAnswer(json.dumps({"error_response": body}))

        method = p.get("method", "")
        if not method:
            return error(21, "Missing method")
        if method not in (
            "taobao.tbk.dg.material.optional",
            "taobao.tbk.dg.material.optional.upgrade",
        ):
            return error(22, "Invalid method")
        if not p.get("app_key"):
            return error(28, "Missing app key")
        if p["app_key"] != API_KEYS["taobao"]["app_key"]:
            return error(29, "Invalid app Key")
        if not p.get("sign"):
            return error(24, "Missing signature")
        secret = API_KEYS["taobao"]["app_secret"]
        sign_method = p.get("sign_method", "md5")
        expected = _hmac(p, secret) if sign_method == "hmac" else _md5(p, secret)
        if not hmac.compare_digest(expected, p["sign"].upper()):
            return error(25, "Invalid signature")
        try:
            stamped = datetime.strptime(p.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return error(31, "Invalid timestamp")
        if abs(stamped.replace(tzinfo=BEIJING).timestamp() - self.clock()) > WINDOW_S:
            return error(31, "Invalid timestamp", "isv.invalid-timestamp", "时间戳误差超过10分钟")
        if not self.limiter.allow("taobao:" + p["app_key"]):
            seconds = self.limiter.rules.ban_s
            return error(
                7,
                "App Call Limited",
                "accesscontrol.limited-by-api-access-count",
                f"This ban will last for {seconds} more seconds",
            )
        page, size = _page(p.get("page_no")), _size(p.get("page_size"), 20, 100)
        found = [i for i in items if matches(p.get("q", ""), i)]
        shown = found[(page - 1) * size : page * size]
        upgrade = method.endswith(".upgrade")
        rows = [_top_upgrade(i, img) if upgrade else _top_legacy(i, img) for i in shown]
        key = method.removeprefix("taobao.").replace(".", "_") + "_response"
        answer = {
            "result_list": {"map_data": rows},
            "total_results": len(found),
            "request_id": "mwtb1",
        }
        return ApiAnswer(json.dumps({key: answer}, ensure_ascii=False))

    # -- JD JOS --------------------------------------------------------------------------
    def _jos(self, items: Sequence[TestbedListing], p: Mapping[str, str], img: str) -> ApiAnswer:
        def error(code: str, zh: str, en: str) -> ApiAnswer:
            return ApiAnswer(
                json.dumps(
                    {"error_response": {"code": code, "zh_desc": zh, "en_desc": en}},
                    ensure_ascii=False,
                )
            )

        if p.get("app_key") != API_KEYS["jd"]["app_key"]:
            return error("19", "无效的app_key", "Invalid app_key")
        if not hmac.compare_digest(
            _md5(p, API_KEYS["jd"]["app_secret"]), p.get("sign", "").upper()
        ):
            return error("12", "无效签名", "Invalid signature")
        try:
            stamped = datetime.strptime(p.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return error("11", "时间戳格式错误", "Invalid timestamp")
        if abs(stamped.replace(tzinfo=BEIJING).timestamp() - self.clock()) > WINDOW_S:
            return error("11", "时间戳超出允许范围", "Invalid timestamp")
        if not self.limiter.allow("jd:" + p["app_key"]):
            return error("74", "调用过于频繁，请稍后再试", "Call frequency limited")
        try:
            req = json.loads(p.get("360buy_param_json", "{}"))["goodsReqDTO"]
        except (ValueError, KeyError, TypeError):
            result = {"code": 400, "message": "参数错误"}
        else:
            page = _page(str(req.get("pageIndex", 1)))
            size = _size(str(req.get("pageSize", 20)), 20, 50)
            found = [i for i in items if matches(str(req.get("keyword", "")), i)]
            shown = found[(page - 1) * size : page * size]
            result = {
                "code": 200,
                "message": "success",
                "data": [_jd_goods(i, img) for i in shown],
                "totalCount": len(found),
                "requestId": "mwjd1",
            }
        inner = json.dumps(result, ensure_ascii=False)
        return ApiAnswer(
            json.dumps(
                {"jd_union_open_goods_query_responce": {"code": "0", "queryResult": inner}},
                ensure_ascii=False,
            )
        )

    # -- Pinduoduo POP -------------------------------------------------------------------
    def _pdd(self, items: Sequence[TestbedListing], p: Mapping[str, str], img: str) -> ApiAnswer:
        def error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> ApiAnswer:
            body = {
                "error_code": code,
                "error_msg": msg,
                "sub_code": sub_code or None,
                "sub_msg": sub_msg,
                "request_id": "mwpdd0",
            }
            return ApiAnswer(json.dumps({"error_response": body}, ensure_ascii=False))

        if p.get("type") != "pdd.ddk.goods.search":
            return error(10000, "type参数错误")
        if p.get("client_id") != API_KEYS["pdd"]["app_key"]:
            return error(10016, "client_id不存在")
        if not hmac.compare_digest(
            _md5(p, API_KEYS["pdd"]["app_secret"]), p.get("sign", "").upper()
        ):
            return error(10035, "签名错误", "sign.error", "签名校验失败")
        stamp = p.get("timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - self.clock()) > WINDOW_S:
            return error(
                10021, "timestamp已过期", "timestamp.invalid", "与服务器时间差值超过10分钟"
            )
        if not self.limiter.allow("pdd:" + p["client_id"]):
            return error(52101, "当前接口已被限流，请稍后重试", "rate.limited", "调用频率超限")
        page, size = _page(p.get("page")), _size(p.get("page_size"), 20, 100)
        found = [i for i in items if matches(p.get("keyword", ""), i)]
        shown = found[(page - 1) * size : page * size]
        answer = {
            "goods_list": [_pdd_goods(i, img) for i in shown],
            "total_count": len(found),
            "list_id": "mwpdd-list",
            "search_id": "mwpdd-search",
        }
        return ApiAnswer(json.dumps({"goods_search_response": answer}, ensure_ascii=False))


def _page(value: str | None) -> int:
    return max(1, int(value)) if value and value.isdigit() else 1


def _size(value: str | None, default: int, cap: int) -> int:
    return min(cap, max(1, int(value))) if value and value.isdigit() else default


def _top_legacy(item: TestbedListing, img: str) -> dict[str, object]:
    return {
        "num_iid": int(item.nid),
        "item_id": int(item.nid),
        "title": item.title,
        "zk_final_price": f"{item.price:.2f}",
        "reserve_price": f"{item.price * 1.2:.2f}",
        "shop_title": item.nick,
        "nick": item.nick,
        "seller_id": int(item.user_id),
        "provcity": item.location,
        "pict_url": f"{img}{item.nid}.jpg",
        "small_images": {"string": [f"{img}{item.nid}.jpg"]},
        "volume": item.sales,
        "user_type": 0,
        "item_url": f"https://item.taobao.com/item.htm?id={item.nid}",
    }


def _top_upgrade(item: TestbedListing, img: str) -> dict[str, object]:
    return {
        "item_id": item.nid,
        "item_basic_info": {
            "title": item.title,
            "short_title": item.title[:15],
            "shop_title": item.nick,
            "seller_id": int(item.user_id),
            "provcity": item.location,
            "pict_url": f"{img}{item.nid}.jpg",
            "small_images": {"string": [f"{img}{item.nid}.jpg"]},
            "volume": item.sales,
            "user_type": 0,
        },
        "price_promotion_info": {
            "zk_final_price": f"{item.price:.2f}",
            "reserve_price": f"{item.price * 1.2:.2f}",
            "final_promotion_price": f"{item.price:.2f}",
        },
        "publish_info": {"click_url": f"//s.click.taobao.com/t?e=mw{item.nid}"},
    }


def _jd_goods(item: TestbedListing, img: str) -> dict[str, object]:
    return {
        "skuId": int(item.nid),
        "skuName": item.title,
        "priceInfo": {"price": item.price, "lowestPrice": item.price, "lowestPriceType": 1},
        "shopInfo": {"shopName": item.nick, "shopId": int(item.user_id)},
        "imageInfo": {"imageList": [{"url": f"{img}{item.nid}.jpg"}]},
        "materialUrl": f"item.jd.com/{item.nid}.html",
        "inOrderCount30Days": item.sales,
        "comments": item.sales // 3,
        "owner": "p",
    }


def _pdd_goods(item: TestbedListing, img: str) -> dict[str, object]:
    fen = round(item.price * 100)
    return {
        "goods_id": int(item.nid),
        "goods_sign": f"mwsign{item.nid}",
        "goods_name": item.title,
        "goods_desc": item.description,
        "goods_image_url": f"{img}{item.nid}.jpg",
        "goods_thumbnail_url": f"{img}{item.nid}.jpg",
        "min_group_price": fen,
        "min_normal_price": round(fen * 1.15),
        "mall_name": item.nick,
        "mall_id": int(item.user_id),
        "sales_tip": f"{item.sales}",
        "merchant_type": 1,
    }
