"""Serve the replica sites on loopback: one router, two servers in front of it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

import uvicorn

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


@dataclass(frozen=True)
class Request:
    """What a route reads of a GET request."""

    target: str  # the request-target as sent: a path, or an absolute URL via a proxy
    cookie: str = ""
    method: str = "GET"
    body: bytes = b""  # a POST's form (the open-platform APIs)
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class Router:
    """Every replica route, independent of the HTTP server in front of it.

    Pages that do not depend on request state (throttling, login walls, visit counters)
    are rendered once and kept: `prerender()` builds them all up front, so a crawl measures
    the crawler and not the replica.
    """

    def __init__(
        self,
        bed: Testbed,
        rules: PolitenessRules | None = None,
        api_rules: api_platforms.ApiRules | None = None,
    ) -> None:
        self.bed = bed
        self._dispatch = _routes(bed, rules or PolitenessRules(), api_rules)
        self._cache: dict[str, Reply] = {}

    def handle(self, request: Request) -> Reply:
        return self._dispatch(request, self._cache)

    def prerender(self) -> int:
        """Render every cacheable page and photo of every site now; returns how many."""
        for target in _all_targets(self.bed):
            self.handle(Request(target))
        return len(self._cache)


# Stateless routes: the same bytes for every request (the cache key is the whole target).
_CACHEABLE_PREFIXES = (
    "/taobao/search",
    "/taobao/item.htm",
    "/taobao/shop/",
    "/taobao/img/",
    "/jd/",
    "/pdd/",
    "/tmall/img/",
    "/tmall/api/itemlist",
    "/tmall/h5/detail",
    "/1688/",
    "/expo/",
    "/jlshop/list",
    "/jlshop/goods/",
    "/jlshop/img/",
    "/robots.txt",
    "/_truth.json",
)


def _all_targets(bed: Testbed) -> list[str]:
    """The pages a full crawl of the default searches fetches, for `prerender`."""
    targets = [f"/taobao/search?q=&s={offset}" for offset in range(0, len(bed.listings), 44)]
    for site, items in bed.sites.items():
        if site in api_platforms.GATEWAYS:
            continue  # signed API answers: never cached
        for item in items:
            if site == "taobao":
                targets += [f"/taobao/item.htm?id={item.nid}", f"/taobao/img/{item.nid}.jpg"]
            elif site in ("jd", "pdd"):
                targets.append(f"/{site}/img/{item.nid}.jpg")
                targets.append(
                    f"/jd/item/{item.nid}.html" if site == "jd" else f"/pdd/api/goods/{item.nid}"
                )
            else:
                prefix = "1688" if site == "ali1688" else site
                targets.append(f"/{prefix}/img/{item.nid}.jpg")
    return targets


def _routes(
    bed: Testbed, manners: PolitenessRules, api_rules: api_platforms.ApiRules | None
) -> Callable[[Request, dict[str, Reply]], Reply]:
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

    class Routes:
        def __init__(self, request: Request) -> None:
            self.request = request
            self.path = request.target
            self.cookie = request.cookie

        def route(self) -> Reply:
            if self.path.startswith(politeness.GATED_PREFIX + "/"):
                # The session-gated area: the same pages, only for a logged-in browser.
                cookie = self.cookie or None
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
            if throttle.should_throttle(target):  # the gated area's pages are throttled too
                retry = {"Retry-After": str(manners.retry_after_s)}
                return self._send(429, b"too many requests", "text/plain", retry)
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

        def post(self) -> Reply:
            parts = urlsplit(self.path)
            body = self.request.body[: 1 << 20].decode("utf-8", "replace")
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if parts.path not in api_platforms.PATHS:
                return self._send(405, b"method not allowed", "text/plain")
            return self._api(parts.path, {**query, **form})

        def _api(self, path: str, params: dict[str, str]) -> Reply:
            if path.startswith(api_platforms.IMAGE_PREFIX):
                item = apis.by_nid.get(path.rsplit("/", 1)[-1].split(".")[0])
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, listing_photo(item), "image/jpeg")
            answer = apis.answer(path, params, self.request.host)
            return self._json(answer.body, answer.status)

        def _new_sites(self, path: str, query: dict[str, str], target: str) -> Reply:
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

        def _tmall(self, path: str, query: dict[str, str], target: str) -> Reply:
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
                    self.cookie or None
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

        def _html(self, page: str) -> Reply:
            return self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")

        def _json(self, body: str, status: int = 200) -> Reply:
            return self._send(status, body.encode("utf-8"), "application/json; charset=utf-8")

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: Mapping[str, str] | None = None,
        ) -> Reply:
            return Reply(status, body, content_type, tuple((headers or {}).items()))

    def dispatch(request: Request, cache: dict[str, Reply]) -> Reply:
        if request.method == "POST":
            return Routes(request).post()
        parts = urlsplit(request.target)
        path = parts.path
        target = path + (f"?{parts.query}" if parts.query else "")
        # Throttling is request state: decided before the cache is consulted.
        if throttle.should_throttle(target):
            retry = (("Retry-After", str(manners.retry_after_s)),)
            return Reply(429, b"too many requests", "text/plain", retry)
        cached = cache.get(target)
        if cached is not None:
            return cached
        reply = Routes(request).route()
        if reply.status == 200 and path.startswith(_CACHEABLE_PREFIXES):
            cache[target] = reply
        return reply

    return dispatch


def make_handler(
    bed: Testbed,
    log: RequestLog | None = None,
    rules: PolitenessRules | None = None,
    api_rules: api_platforms.ApiRules | None = None,
) -> type[BaseHTTPRequestHandler]:
    """The replicas behind the stdlib threaded server (tests subclass it to gate requests)."""
    router = Router(bed, rules, api_rules)

    class Handler(BaseHTTPRequestHandler):
        server_version = "MarkWatchTestbed/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the crawler logs what matters

        def do_GET(self) -> None:
            self._answer(Request(self.path, self.headers.get("Cookie", "")))

        def do_POST(self) -> None:
            length = _int(self.headers.get("Content-Length"), 0)
            body = self.rfile.read(min(length, 1 << 20))
            host = self.headers.get("Host", "127.0.0.1")
            self._answer(Request(self.path, self.headers.get("Cookie", ""), "POST", body, host))

        def _answer(self, request: Request) -> None:
            cookie = request.cookie
            reply = router.handle(request)
            if log is not None:
                log.add(_logged(self.path, reply.status, cookie))
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler


def _logged(target: str, status: int, cookie: str) -> LoggedRequest:
    parts = urlsplit(target)
    return LoggedRequest(
        at=politeness.now(),
        target=target,
        path=parts.path + (f"?{parts.query}" if parts.query else ""),
        status=status,
        cookie=cookie,
    )


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        return default


class AsgiReplicas:
    """The replicas as a bare ASGI app, for uvicorn with its C parser (no framework)."""

    def __init__(self, router: Router, log: RequestLog | None = None) -> None:
        self.router = router
        self.log = log

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        text = target.decode("latin-1")
        cookie, host = "", "127.0.0.1"
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
        if scope["method"] in ("GET", "HEAD"):
            reply = self.router.handle(Request(text, cookie, host=host))
        elif scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body") or len(body) > 1 << 20:
                    break
            reply = self.router.handle(Request(text, cookie, "POST", body, host))
        else:
            reply = Reply(405, b"method not allowed", "text/plain")
        if self.log is not None:
            self.log.add(_logged(text, reply.status, cookie))
        headers = [
            (b"content-type", reply.content_type.encode()),
            (b"content-length", str(len(reply.body)).encode()),
            *((k.lower().encode(), v.encode("latin-1")) for k, v in reply.headers),
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})


ServerKind = Literal["threaded", "asgi"]


class TestbedServer:
    """Runs the testbed in a background thread; use as a context manager.

    `kind="threaded"`: the stdlib server, a thread per connection (tests that block inside
    a request rely on it). `kind="asgi"`: uvicorn with httptools and pre-rendered pages, fast
    enough that a crawl measures the crawler; `markwatch testbed` and the benchmarks use it.
    """

    __test__ = False

    def __init__(
        self,
        bed: Testbed | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        kind: ServerKind = "threaded",
        api_rules: api_platforms.ApiRules | None = None,
    ) -> None:
        self.bed = bed or Testbed.build()
        self.log = RequestLog()  # what clients asked for, for tests of crawler manners
        self.kind = kind
        self._thread: threading.Thread | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self._uvicorn: uvicorn.Server | None = None
        if kind == "threaded":
            handler = make_handler(self.bed, self.log, api_rules=api_rules)
            self._httpd = ThreadingHTTPServer((host, port), handler)
            self._httpd.daemon_threads = True
            self._address = self._httpd.server_address[:2]
        else:
            self.router = Router(self.bed, api_rules=api_rules)
            self._socket = socket.create_server((host, port), backlog=1024)
            self._address = self._socket.getsockname()[:2]
            config = uvicorn.Config(
                AsgiReplicas(self.router, self.log),
                http="httptools",
                loop="uvloop",
                lifespan="off",
                access_log=False,
                log_level="warning",
                timeout_keep_alive=30,
            )
            self._uvicorn = uvicorn.Server(config)

    @property
    def url(self) -> str:
        host, port = self._address
        return f"http://{host!s}:{port}"

    def prerender(self) -> int:
        """Render every page and photo up front (asgi only); returns how many."""
        return self.router.prerender() if self.kind == "asgi" else 0

    def start(self) -> TestbedServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        if self._uvicorn is not None:
            deadline = time.monotonic() + 30
            while not self._uvicorn.started and time.monotonic() < deadline:
                time.sleep(0.01)  # uvicorn has no started event to wait on
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=30)
            self._socket.close()

    def serve_forever(self) -> None:
        if self._httpd is not None:
            self._httpd.serve_forever()
        elif self._uvicorn is not None:
            self._uvicorn.run(sockets=[self._socket])

    def __enter__(self) -> TestbedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
