"""Serve the replica sites on loopback (stdlib HTTP server, one thread per request)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from testbed import ali1688, api_platforms, expo, jd, jlshop, pdd, politeness, taobao, tmall
from testbed.generate import DEFAULT_SEED, TestbedListing, generate
from testbed.images import artwork_photo, packaging_photo, plain_photo
from testbed.politeness import ROBOTS_TXT, LoggedRequest, PolitenessRules, RequestLog

# Each replica site gets its own deterministic slice of listings (seed, how many).
SITE_PLAN: dict[str, tuple[int, int | None]] = {
    "taobao": (DEFAULT_SEED, None),
    "jd": (DEFAULT_SEED + 1, 150),
    "pdd": (DEFAULT_SEED + 2, 150),
    "tmall": (DEFAULT_SEED + 3, 90),
    "ali1688": (DEFAULT_SEED + 4, 90),
    "expo": (DEFAULT_SEED + 5, 60),
    "jlshop": (DEFAULT_SEED + 6, 40),  # crawled by a YAML site profile alone
    # Open-platform API replicas: only listings a search for a protected mark finds.
    "taobao_api": (DEFAULT_SEED + 7, 120),
    "jd_api": (DEFAULT_SEED + 8, 100),
    "pdd_api": (DEFAULT_SEED + 9, 100),
}

# Listing ids as the parsers emit them, where they differ from "<site>:<nid>".
TRUTH_IDS: Mapping[str, Callable[[TestbedListing], str]] = {
    "ali1688": lambda item: f"1688:{item.nid}",
    "expo": lambda item: f"cantonfair:{expo.product_id(item)}",
    "taobao_api": lambda item: f"taobao:{item.nid}",
    "jd_api": lambda item: f"jd:{item.nid}",
    "pdd_api": lambda item: f"pdd:{item.nid}",
}


@dataclass(frozen=True)
class Testbed:
    __test__ = False
    sites: Mapping[str, Sequence[TestbedListing]]

    @classmethod
    def build(cls, seed: int = DEFAULT_SEED, scale: int = 1) -> Testbed:
        sites = {}
        for name, (site_seed, count) in SITE_PLAN.items():
            listings = generate(site_seed + (seed - DEFAULT_SEED), scale)
            if name in api_platforms.GATEWAYS:
                sites[name] = api_platforms.select(listings, (count or 0) * scale)
                continue
            sites[name] = tuple(listings if count is None else listings[: count * scale])
        return cls(sites)

    @property
    def listings(self) -> Sequence[TestbedListing]:
        """The Taobao replica's listings (the biggest site)."""
        return self.sites["taobao"]

    def truth(self) -> list[dict[str, object]]:
        return [
            {
                "id": TRUTH_IDS[site](item) if site in TRUTH_IDS else f"{site}:{item.nid}",
                "site": site,
                "verdict": item.verdict,
                "mark": item.mark,
                "category": item.category,
            }
            for site, listings in self.sites.items()
            for item in listings
        ]


def listing_photo(item: TestbedListing) -> bytes:
    kind, _, value = item.image.partition(":")
    if kind == "art":
        return artwork_photo(item.nid, value)
    if kind == "text":
        return packaging_photo(item.nid, value)
    return plain_photo(item.nid)


def make_handler(
    bed: Testbed,
    log: RequestLog | None = None,
    rules: PolitenessRules | None = None,
    api_rules: api_platforms.ApiRules | None = None,
) -> type[BaseHTTPRequestHandler]:
    manners: PolitenessRules = rules or PolitenessRules()
    by_nid = {item.nid: item for item in bed.sites["taobao"]}
    jd_by_sku = {item.nid: item for item in bed.sites["jd"]}
    pdd_by_id = {item.nid: item for item in bed.sites["pdd"]}
    by_site = {site: {item.nid: item for item in items} for site, items in bed.sites.items()}
    throttle = politeness.FirstHitThrottle(manners)
    exhibits_by_pid = {expo.product_id(item): item for item in bed.sites["expo"]}
    calendar_visits = [0]
    by_user: dict[str, list[TestbedListing]] = {}
    for item in bed.sites["taobao"]:
        by_user.setdefault(item.user_id, []).append(item)
    truth_body = json.dumps(bed.truth(), ensure_ascii=False).encode("utf-8")
    apis = api_platforms.ApiReplicas(bed.sites, api_rules)

    class Handler(BaseHTTPRequestHandler):
        server_version = "MarkWatchTestbed/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the crawler logs what matters

        def do_GET(self) -> None:
            if self.path.startswith(politeness.GATED_PREFIX + "/"):
                # The session-gated area: the same pages, only for a logged-in browser.
                cookie = self.headers.get("Cookie")
                if not politeness.has_session(cookie):
                    if politeness.SESSION_COOKIE in (cookie or ""):  # stale: a slider
                        return self._html(politeness.slider_page())
                    location = f"{politeness.LOGIN_PATH}?redirectURL={quote(self.path, safe='')}"
                    return self._send(302, b"", "text/plain", {"Location": location})
                self.path = self.path.removeprefix(politeness.GATED_PREFIX)
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            path = parts.path
            target = path + (f"?{parts.query}" if parts.query else "")
            if throttle.should_throttle(target):
                return self._send(
                    429,
                    b"too many requests",
                    "text/plain",
                    {"Retry-After": str(manners.retry_after_s)},
                )
            if path in api_platforms.PATHS or path.startswith(api_platforms.IMAGE_PREFIX):
                return self._api(path, query)
            if path == "/_api_keys.json":
                return self._json(apis.keys_body())
            if path.startswith(("/tmall/", "/1688/", "/expo/", "/jlshop/")):
                return self._new_sites(path, query, target)
            if path == "/robots.txt":
                return self._send(200, ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
            if path == "/_truth.json":
                return self._send(200, truth_body, "application/json; charset=utf-8")
            if path in ("/", "/index.html"):
                body = '<html><body><a href="/taobao/search?q=">淘宝 replica</a></body></html>'
                return self._send(200, body.encode(), "text/html; charset=utf-8")
            if path == "/taobao/search":
                offset = _int(query.get("s"), 0)
                page = taobao.search_page(bed.listings, query.get("q", ""), offset)
                return self._html(page)
            if path == "/taobao/item.htm":
                item = by_nid.get(query.get("id", ""))
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._html(taobao.item_page(item))
            if path.startswith("/taobao/shop/"):
                user_id = path.rsplit("/", 1)[-1]
                items = by_user.get(user_id)
                if not items:
                    return self._send(404, b"not found", "text/plain")
                return self._html(taobao.shop_page(user_id, items))
            if path.startswith(("/taobao/img/", "/jd/img/", "/pdd/img/")):
                site = path.split("/")[1]
                table = {"taobao": by_nid, "jd": jd_by_sku, "pdd": pdd_by_id}[site]
                item = table.get(path.rsplit("/", 1)[-1].split(".")[0])
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, listing_photo(item), "image/jpeg")
            if path == "/jd/search":
                page = jd.search_page(
                    bed.sites["jd"], query.get("keyword", ""), max(1, _int(query.get("page"), 1))
                )
                return self._html(page)
            if path.startswith("/jd/item/"):
                item = jd_by_sku.get(path.rsplit("/", 1)[-1].removesuffix(".html"))
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._html(jd.item_page(item))
            if path == "/jd/prices/mgets":
                skus = [s for s in query.get("skuIds", "").split(",") if s]
                prices = jd.price_answer(skus, jd_by_sku).encode()
                return self._send(200, prices, "application/json; charset=utf-8")
            if path == "/pdd/api/goods_list":
                body = pdd.goods_list(
                    bed.sites["pdd"],
                    max(1, _int(query.get("page"), 1)),
                    min(100, max(1, _int(query.get("size"), pdd.PAGE_SIZE))),
                )
                return self._send(200, body.encode(), "application/json; charset=utf-8")
            if path.startswith("/pdd/api/goods/"):
                item = pdd_by_id.get(path.rsplit("/", 1)[-1])
                if item is None:
                    return self._send(404, b'{"error_code": 40001}', "application/json")
                return self._send(
                    200, pdd.goods_detail(item).encode(), "application/json; charset=utf-8"
                )
            return self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = _int(self.headers.get("Content-Length"), 0)
            body = self.rfile.read(min(length, 1 << 20)).decode("utf-8", "replace")
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if parts.path not in api_platforms.PATHS:
                return self._send(405, b"method not allowed", "text/plain")
            return self._api(parts.path, {**query, **form})

        def _api(self, path: str, params: dict[str, str]) -> None:
            if path.startswith(api_platforms.IMAGE_PREFIX):
                item = apis.by_nid.get(path.rsplit("/", 1)[-1].split(".")[0])
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, listing_photo(item), "image/jpeg")
            answer = apis.answer(path, params, self.headers.get("Host", "127.0.0.1"))
            return self._json(answer.body, answer.status)

        def _new_sites(self, path: str, query: dict[str, str], target: str) -> None:
            site = path.split("/")[1]
            if path.startswith(f"/{site}/img/"):
                key = path.rsplit("/", 1)[-1].split(".")[0]
                item = by_site["ali1688" if site == "1688" else site].get(key)
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, listing_photo(item), "image/jpeg")
            if site == "tmall":
                return self._tmall(path, query, target)
            if path == "/1688/search":
                page = max(1, _int(query.get("beginPage"), 1))
                return self._html(
                    ali1688.search_page(bed.sites["ali1688"], query.get("keywords", ""), page)
                )
            if path == "/expo/api/exhibitors":
                body = expo.exhibitor_search(bed.sites["expo"], max(1, _int(query.get("page"), 1)))
                return self._json(body)
            if path == "/expo/api/exhibits":
                body = expo.exhibits(
                    bed.sites["expo"],
                    query.get("companyId", ""),
                    max(1, _int(query.get("page"), 1)),
                )
                return self._json(body)
            if path.startswith("/expo/exhibit/"):
                item = exhibits_by_pid.get(path.rsplit("/", 1)[-1])
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._html(expo.exhibit_page(item))
            if path == "/jlshop/list":
                page = max(1, _int(query.get("page"), 1))
                return self._send(
                    200, jlshop.list_page(bed.sites["jlshop"], page), jlshop.CONTENT_TYPE
                )
            if path.startswith("/jlshop/goods/"):
                item = by_site["jlshop"].get(path.rsplit("/", 1)[-1].removesuffix(".html"))
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, jlshop.detail_page(item), jlshop.CONTENT_TYPE)
            if path == "/jlshop/calendar":
                year, _, month = query.get("month", "2024-01").partition("-")
                calendar_visits[0] += 1
                calendar = politeness.calendar_page(
                    _int(year, 2024), min(12, max(1, _int(month, 1))), calendar_visits[0]
                )
                return self._html(calendar)
            if path == "/jlshop/search":  # robots.txt forbids it; answer like a search would
                return self._html("<html><body>搜索结果</body></html>")
            return self._send(404, b"not found", "text/plain")

        def _tmall(self, path: str, query: dict[str, str], target: str) -> None:
            items = by_site["tmall"]
            if path in ("/tmall/", "/tmall/list"):
                return self._html(tmall.list_page())
            if path == "/tmall/api/itemlist":
                body = tmall.itemlist(
                    bed.sites["tmall"],
                    query.get("cursor", ""),
                    min(50, max(1, _int(query.get("size"), tmall.PAGE_SIZE))),
                    query.get("q", ""),
                )
                return self._json(body)
            if path == "/tmall/item.htm":
                item = items.get(query.get("id", ""))
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                if politeness.login_walled(item.nid, manners) and not politeness.has_session(
                    self.headers.get("Cookie")
                ):
                    location = f"{politeness.LOGIN_PATH}?redirectURL={quote(target, safe='')}"
                    return self._send(302, b"", "text/plain", {"Location": location})
                page, content_type = tmall.item_page(item)
                return self._send(200, page, content_type)
            if path == "/tmall/h5/detail":
                item = items.get(query.get("id", ""))
                if item is None:
                    return self._json('{"ret": ["FAIL_SYS_ITEM_NOT_FOUND"]}', 404)
                callback = "".join(c for c in query.get("callback", "") if c.isalnum())
                return self._send(
                    200,
                    tmall.h5_detail(item, callback).encode(),
                    "application/javascript; charset=utf-8",
                )
            if path == politeness.LOGIN_PATH:
                return self._html(politeness.login_page(query.get("redirectURL", "")))
            return self._send(404, b"not found", "text/plain")

        def _html(self, page: str) -> None:
            self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")

        def _json(self, body: str, status: int = 200) -> None:
            self._send(status, body.encode("utf-8"), "application/json; charset=utf-8")

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: Mapping[str, str] | None = None,
        ) -> None:
            if log is not None:
                parts = urlsplit(self.path)
                log.add(
                    LoggedRequest(
                        at=politeness.now(),
                        target=self.path,
                        path=parts.path + (f"?{parts.query}" if parts.query else ""),
                        status=status,
                        cookie=self.headers.get("Cookie", ""),
                    )
                )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        return default


class TestbedServer:
    """Runs the testbed in a background thread; use as a context manager."""

    __test__ = False

    def __init__(
        self,
        bed: Testbed | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        api_rules: api_platforms.ApiRules | None = None,
    ):
        self.bed = bed or Testbed.build()
        self.log = RequestLog()  # what clients asked for, for tests of crawler manners
        handler = make_handler(self.bed, self.log, api_rules=api_rules)
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> TestbedServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> TestbedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
