"""Request-level protections: security headers on every response, a per-client rate limit for
sign-in attempts, and the client address and scheme as seen through an optional reverse proxy."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}
HEADER_NAMES = {name.encode() for name in SECURITY_HEADERS}


class SecurityHeaders:
    """ASGI middleware that sets ``SECURITY_HEADERS`` on every HTTP response, errors included."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in HEADER_NAMES
                ]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimit:
    """At most ``attempts`` per ``window_s`` seconds per key (a client address), in memory."""

    def __init__(
        self,
        attempts: int = 10,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an attempt; False when the key is over its limit (the attempt is not counted)."""
        now = self.clock()
        with self._lock:
            if len(self._seen) > 10_000:
                self._forget(now)
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - self.window_s:
                seen.popleft()
            if len(seen) >= self.attempts:
                return False
            seen.append(now)
            return True

    def retry_after(self, key: str) -> int:
        with self._lock:
            seen = self._seen.get(key)
            if not seen:
                return 0
            return max(1, int(seen[0] + self.window_s - self.clock()) + 1)

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window_s]:
            del self._seen[key]


def client_address(request: Request, behind_proxy: bool) -> str:
    """The client's address; behind a trusted proxy, the last hop it appended to
    X-Forwarded-For (earlier entries are whatever the client claimed)."""
    if behind_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return request.client.host if request.client else "unknown"


def is_https(request: Request, behind_proxy: bool) -> bool:
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return behind_proxy and proto == "https"


class RedactTokens(logging.Filter):
    """Keeps sign-in tokens out of the server's request log (``/sign-in?token=...``)."""

    pattern = re.compile(r"(token=)[^&\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.pattern.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True
