"""A real loopback receiver for signed webhooks, as a rights holder would run one.

It verifies the HMAC signature over the raw body, rejects stale timestamps, and drops
repeats by idempotency key while counting every POST, so tests can count both.
It can be stopped and started again on the same port (receiver down, then back), and it
can hold one request open on demand (to kill the sender mid-send).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alerts.channels.webhook import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature


class SignedReceiver:
    def __init__(self, secret: str, port: int = 0) -> None:
        self.secret = secret
        self.posts: list[str] = []  # idempotency key of every POST that verified
        self.accepted: dict[str, dict[str, Any]] = {}  # key -> payload, repeats dropped
        self.rejected = 0
        self.hold_after: int | None = None  # hold the request after this many posts
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify_signature(
                    receiver.secret,
                    self.headers.get(TIMESTAMP_HEADER, ""),
                    body,
                    self.headers.get(SIGNATURE_HEADER, ""),
                    now=time.time(),
                )
                key = self.headers.get(KEY_HEADER, "")
                if not ok or not key:
                    with receiver._lock:
                        receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.posts.append(key)
                    hold = (
                        receiver.hold_after is not None
                        and len(receiver.posts) > receiver.hold_after
                    )
                    if not hold:
                        receiver.accepted.setdefault(key, json.loads(body))
                if hold:
                    receiver.holding.set()
                    receiver.release.wait(30)
                    return  # the sender is gone by now; nothing to answer
                self.send_response(204)
                self.end_headers()

        return Handler

    def start(self) -> SignedReceiver:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._httpd.daemon_threads = True
        self._port = int(self._httpd.server_address[1])
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self.release.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SignedReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
