"""Serve the replica sites on loopback (stdlib HTTP server, one thread per request)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from testbed import jd, pdd, taobao
from testbed.generate import DEFAULT_SEED, TestbedListing, generate
from testbed.images import artwork_photo, packaging_photo, plain_photo

ROBOTS_TXT = "User-agent: *\nDisallow: /_admin/\n"


# Each replica site gets its own deterministic slice of listings (seed, how many).
SITE_PLAN: dict[str, tuple[int, int | None]] = {
    "taobao": (DEFAULT_SEED, None),
    "jd": (DEFAULT_SEED + 1, 150),
    "pdd": (DEFAULT_SEED + 2, 150),
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
            sites[name] = tuple(listings if count is None else listings[: count * scale])
        return cls(sites)

    @property
    def listings(self) -> Sequence[TestbedListing]:
        """The Taobao replica's listings (the biggest site)."""
        return self.sites["taobao"]

    def truth(self) -> list[dict[str, object]]:
        return [
            {
                "id": f"{site}:{item.nid}",
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


def make_handler(bed: Testbed) -> type[BaseHTTPRequestHandler]:
    by_nid = {item.nid: item for item in bed.sites["taobao"]}
    jd_by_sku = {item.nid: item for item in bed.sites["jd"]}
    pdd_by_id = {item.nid: item for item in bed.sites["pdd"]}
    by_user: dict[str, list[TestbedListing]] = {}
    for item in bed.sites["taobao"]:
        by_user.setdefault(item.user_id, []).append(item)
    truth_body = json.dumps(bed.truth(), ensure_ascii=False).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        server_version = "MarkWatchTestbed/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the crawler logs what matters

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            path = parts.path
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
                page = jd.search_page(bed.sites["jd"], query.get("keyword", ""),
                                      max(1, _int(query.get("page"), 1)))
                return self._html(page)
            if path.startswith("/jd/item/"):
                item = jd_by_sku.get(path.rsplit("/", 1)[-1].removesuffix(".html"))
                if item is None:
                    return self._send(404, b"not found", "text/plain")
                return self._html(jd.item_page(item))
            if path == "/jd/prices/mgets":
                skus = [s for s in query.get("skuIds", "").split(",") if s]
                body = jd.price_answer(skus, jd_by_sku).encode()
                return self._send(200, body, "application/json; charset=utf-8")
            if path == "/pdd/api/goods_list":
                body = pdd.goods_list(bed.sites["pdd"], max(1, _int(query.get("page"), 1)),
                                      min(100, max(1, _int(query.get("size"), pdd.PAGE_SIZE))))
                return self._send(200, body.encode(), "application/json; charset=utf-8")
            if path.startswith("/pdd/api/goods/"):
                item = pdd_by_id.get(path.rsplit("/", 1)[-1])
                if item is None:
                    return self._send(404, b'{"error_code": 40001}', "application/json")
                return self._send(200, pdd.goods_detail(item).encode(),
                                  "application/json; charset=utf-8")
            return self._send(404, b"not found", "text/plain")

        def _html(self, page: str) -> None:
            self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
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

    def __init__(self, bed: Testbed | None = None, host: str = "127.0.0.1", port: int = 0):
        self.bed = bed or Testbed.build()
        self._httpd = ThreadingHTTPServer((host, port), make_handler(self.bed))
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
