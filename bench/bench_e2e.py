"""End-to-end latency: from a listing's page being fetched to its alert at the webhook.

`bench_crawl_to_alert` (the section's headline figures): one crawl of a site holding N
counterfeit listings; for each, seconds from the moment the site served its item page to
the moment the webhook received its alert (both clocks in this process). Alerts leave
while the crawl runs, so this is the pipeline's own latency.

`bench_e2e` (the `fresh_process` figures): a listing appearing on a site to its alert at
the webhook.

A small Taobao-format site (the testbed's own page builders) starts empty; for each
sample a new counterfeit listing is published and a crawl for it is started at once,
as a schedule tick would: `markwatch crawl taobao -a q=<keyword>` in a fresh process
(the real per-crawl cost: start-up, catalog, crawl, detect, index, alert, deliver).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testbed import taobao
from testbed.generate import TestbedListing
from testbed.webhook_sink import WebhookSink

REPO = Path(__file__).resolve().parents[1]


class _FreshSite:
    """A site whose listings appear while it runs."""

    def __init__(self) -> None:
        self.listings: list[TestbedListing] = []
        self.served: dict[str, float] = {}  # item id -> when its page was sent
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                items = list(site.listings)
                if parts.path == "/taobao/search":
                    page = taobao.search_page(items, query.get("q", ""), int(query.get("s", 0)))
                elif parts.path == "/taobao/item.htm":
                    found = [i for i in items if i.nid == query.get("id")]
                    page = taobao.item_page(found[0]) if found else ""
                else:
                    page = "User-agent: *\nAllow: /\n" if parts.path == "/robots.txt" else ""
                body = page.encode("utf-8")
                self.send_response(200 if page else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if parts.path == "/taobao/item.htm" and page:
                    site.served.setdefault(query.get("id", ""), time.monotonic())

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _counterfeit(n: int) -> TestbedListing:
    keyword = f"批次{n:04d}"
    return TestbedListing(
        nid=str(700_000_000_000 + n),
        title=f"正宗长白山人参 林下参 礼盒 500g {keyword}",
        price=19.9,
        quantity="500g",
        location="安徽 亳州",
        nick="山货直销店",
        user_id="123456",
        description="产地：安徽亳州。",
        category="gi_outside_region",
        verdict="infringing",
        mark="长白山人参",
    )


def bench_e2e(samples: int = 5, timeout: float = 60.0) -> dict[str, Any]:
    site = _FreshSite()
    latencies: list[float] = []
    try:
        with WebhookSink() as sink, tempfile.TemporaryDirectory(prefix="mw-e2e-") as data:
            env = {**os.environ, "MARKWATCH_DATA_DIR": data, "MARKWATCH_WEBHOOK_URL": sink.url}
            for n in range(samples):
                listing = _counterfeit(n)
                site.listings.append(listing)
                published = time.monotonic()
                crawl = subprocess.Popen(
                    _crawl_command(site.url, f"批次{n:04d}"),
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                wanted = f"taobao:{listing.nid}"
                deadline = published + timeout
                while time.monotonic() < deadline:
                    if any(r["payload"].get("listing_id") == wanted for r in sink.received):
                        latencies.append(time.monotonic() - published)
                        break
                    if crawl.poll() is not None and crawl.returncode != 0:
                        raise RuntimeError(
                            crawl.stderr.read().decode()[-2000:] if crawl.stderr else ""
                        )
                    time.sleep(0.02)  # polling the receiver, not waiting for correctness
                crawl.wait(timeout=timeout)
    finally:
        site.close()
    ordered = sorted(latencies)
    return {
        "samples": samples,
        "delivered": len(latencies),
        "p50_s": round(statistics.median(ordered), 2) if ordered else None,
        "p95_s": _percentile(ordered, 0.95, digits=2),
    }


def _crawl_command(site_url: str, query: str, *settings: str) -> list[str]:
    """`markwatch crawl taobao` over the fresh site for one query, quiet, plus `-s` settings."""
    command = [sys.executable, "-m", "markwatch.cli", "crawl", "taobao"]
    command += ["-a", f"base_url={site_url}", "-a", f"q={query}", "-s", "LOG_LEVEL=ERROR"]
    for setting in settings:
        command += ["-s", setting]
    return command


def _percentile(ordered: list[float], q: float, digits: int = 3) -> float | None:
    return round(ordered[int(q * (len(ordered) - 1))], digits) if ordered else None


def bench_crawl_to_alert(samples: int = 20, timeout: float = 120.0) -> dict[str, Any]:
    """One crawl over `samples` counterfeit listings: page fetched -> webhook received."""
    site = _FreshSite()
    site.listings.extend(_counterfeit(n) for n in range(samples))
    try:
        with WebhookSink() as sink, tempfile.TemporaryDirectory(prefix="mw-c2a-") as data:
            env = {**os.environ, "MARKWATCH_DATA_DIR": data, "MARKWATCH_WEBHOOK_URL": sink.url}
            crawl = subprocess.run(
                # One page at a time: listings are fetched over the crawl's whole span, as
                # on a real, politely crawled site.
                _crawl_command(site.url, "批次", "CONCURRENT_REQUESTS=1", "DOWNLOAD_DELAY=0.1"),
                cwd=REPO,
                env=env,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
            if crawl.returncode != 0:
                raise RuntimeError(crawl.stderr.decode()[-2000:])
            received: dict[str, float] = {}
            for entry in sink.received:
                listing_id = str(entry["payload"].get("listing_id", ""))
                received.setdefault(listing_id.removeprefix("taobao:"), entry["at"])
    finally:
        site.close()
    latencies = sorted(
        received[nid] - served for nid, served in site.served.items() if nid in received
    )
    return {
        "samples": len(latencies),
        "listings": samples,
        "p50_s": _percentile(latencies, 0.5),
        "p95_s": _percentile(latencies, 0.95),
        "max_s": round(latencies[-1], 3) if latencies else None,
    }


if __name__ == "__main__":
    print(json.dumps(bench_e2e(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=2))
