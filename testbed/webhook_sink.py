"""A loopback webhook receiver: the demo's stand-in for a rights holder's endpoint.

It is a real HTTP server; it records each POST and counts distinct idempotency keys
so a repeat delivery is visible.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body)
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                with sink._lock:
                    sink.received.append(
                        {
                            "key": self.headers.get("Idempotency-Key"),
                            "payload": payload,
                            "at": time.monotonic(),  # for latency figures
                        }
                    )
                self.send_response(204)
                self.end_headers()

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    @property
    def distinct_keys(self) -> int:
        with self._lock:
            return len({r["key"] for r in self.received})

    def __enter__(self) -> WebhookSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
