"""A webhook receiver for tests: a tiny HTTP server in a thread that verifies every message with
``standardwebhooks.Webhook(secret).verify`` and records what it got, in order."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Receiver:
    secret: str = ""
    fail_next: int = 0  # answer 500 to this many requests first
    hold: threading.Event | None = None  # when set up, requests wait for it before answering
    attempts: list[str] = field(default_factory=list)  # webhook-id of every request, in order
    verified: list[tuple[str, Any, bytes]] = field(default_factory=list)  # (id, body, raw)
    rejected: list[str] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.attempts.append(headers.get("webhook-id", ""))
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self._answer(500)
                    return
                try:
                    body = Webhook(receiver.secret).verify(raw, headers)
                except Exception:
                    receiver.rejected.append(headers.get("webhook-id", ""))
                    self._answer(400)
                    return
                receiver.verified.append((headers["webhook-id"], body, raw))
                self._answer(204)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def types(self) -> list[str]:
        return [body["type"] for _, body, _ in self.verified]
