"""A shop that attacks its crawler, and an "internal service" the crawler must never reach.

The shop (served on loopback; the crawl is told it is the start site, so it is trusted)
has two honest product pages and, between them, every trick: links and redirects to
another loopback port and to the cloud metadata address, a redirect loop, a 50 MB page
(with and without Content-Length), a gzip bomb, a page whose body stops short of its
Content-Length, an image that is HTML, HTML that is a PNG, and broken markup.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 200 * 1024 * 1024  # what the gzip body inflates to
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def product_page(sku: str, title: str) -> bytes:
    data = {
        "@context": "https://schema.org", "@type": "Product", "sku": sku, "name": title,
        "offers": {"@type": "Offer", "price": "39.90", "priceCurrency": "CNY"},
    }  # fmt: skip
    return (
        "<html><head><meta charset='utf-8'><title>t</title>"
        f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"
        f"</head><body><h1>{title}</h1></body></html>"
    ).encode()


def _gzip_bomb() -> bytes:
    # Zeros compress ~1000:1: a small body on the wire, 200 MB once inflated.
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
    chunk = b"\0" * (1024 * 1024)
    parts = [packer.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    return b"".join([*parts, packer.flush()])


@dataclass
class Hits:
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str) -> None:
        with self.lock:
            self.paths.append(path)

    def snapshot(self) -> list[str]:
        with self.lock:
            return list(self.paths)


@dataclass
class HostileSite:
    url: str
    internal_url: str
    shop_hits: Hits
    internal_hits: Hits


def _shop_handler(internal: str, hits: Hits, bomb: bytes) -> type[BaseHTTPRequestHandler]:
    index = "".join(
        f'<a href="{href}">x</a>'
        for href in (
            "/shop/p1.html",
            f"{internal}/_cluster/settings",  # a plain link to another loopback port
            "/shop/to-internal",  # a redirect there
            "/shop/to-metadata",  # a redirect to the cloud metadata service
            METADATA_URL,
            "/shop/loop-a",
            "/shop/huge-declared",
            "/shop/huge-streamed",
            "/shop/bomb",
            "/shop/short",
            "/shop/html-that-is-png",
            "/shop/broken",
            "/shop/p2.html",
        )
    )
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/shop/": (200, {"Content-Type": "text/html; charset=utf-8"},
                   f"<html><body>{index}</body></html>".encode()),
        "/shop/p1.html": (200, {"Content-Type": "text/html"},
                          product_page("p1", "冰墩墩 毛绒公仔 北京2022")),
        "/shop/p2.html": (200, {"Content-Type": "text/html"},
                          product_page("p2", "长白山人参 礼盒 500g")),
        "/shop/to-internal": (302, {"Location": f"{internal}/redirected"}, b""),
        "/shop/to-metadata": (302, {"Location": METADATA_URL}, b""),
        "/shop/loop-a": (302, {"Location": "/shop/loop-b"}, b""),
        "/shop/loop-b": (302, {"Location": "/shop/loop-a"}, b""),
        "/shop/bomb": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb),
        "/shop/html-that-is-png": (200, {"Content-Type": "text/html"},
                                   PNG_MAGIC + b"\0\0\0\rIHDR" + b"\xff" * 64),
        "/shop/broken": (200, {"Content-Type": "text/html; charset=gbk"},
                         "<html><body><a href='/shop/p1.html'>冰墩墩<div><table><tr>"
                         "<td><script>var x = '".encode("gbk") + b"\xff\xfe\x00<a href="),
    }  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            hits.add(self.path)
            if self.path == "/shop/huge-declared":
                return self._stream(HUGE_BYTES, declared=True)
            if self.path == "/shop/huge-streamed":
                return self._stream(HUGE_BYTES, declared=False)
            if self.path == "/shop/short":
                # Promises 100 kB, sends 1 kB and hangs up.
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(100_000))
                self.end_headers()
                self.wfile.write(b"<html><body>" + b"x" * 1000)
                self.close_connection = True
                return
            status, headers, body = pages.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, size: int, declared: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if declared:
                self.send_header("Content-Length", str(size))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"<p>" + "冰墩墩".encode() * 4000 + b"</p>\n"
            sent = 0
            try:
                while sent < size:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                return  # the crawler hung up, as it should

    return Handler


def _internal_handler(hits: Hits) -> type[BaseHTTPRequestHandler]:
    class Internal(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            hits.add(self.path)
            body = b'{"secret": "internal"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Internal


@contextmanager
def hostile_site() -> Iterator[HostileSite]:
    internal_hits, shop_hits = Hits(), Hits()
    internal = ThreadingHTTPServer(("127.0.0.1", 0), _internal_handler(internal_hits))
    internal_url = f"http://127.0.0.1:{internal.server_address[1]}"
    shop = ThreadingHTTPServer(
        ("127.0.0.1", 0), _shop_handler(internal_url, shop_hits, _gzip_bomb())
    )
    for server in (internal, shop):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield HostileSite(
            f"http://127.0.0.1:{shop.server_address[1]}", internal_url, shop_hits, internal_hits
        )
    finally:
        for server in (shop, internal):
            server.shutdown()
            server.server_close()
