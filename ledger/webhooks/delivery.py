"""Sending the outbox: each endpoint's messages in order, signed per Standard Webhooks.

A message is marked delivered only after its endpoint answered 2xx, so a crash or kill at any
moment sends it again later (at least once). A message that fails blocks the later messages of
its endpoint until it is delivered or its retries run out (24 h after it was written); retries
wait ``retry_base_s`` seconds, doubling up to ``retry_max_s``.
"""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import floor
from typing import Any

from sqlmodel import col, select
from standardwebhooks import Webhook

from ledger.storage.api_tables import WebhookEndpointRow, WebhookMessageRow
from ledger.storage.db import reading, writing
from ledger.webhooks.outbox import DELIVERED, FAILED, PENDING, as_utc, utcnow
from ledger.workspace import Workspace

log = logging.getLogger("twinledger.webhooks")
USER_AGENT = "twinledger-webhooks"
MAX_ERROR = 300


@dataclass(frozen=True)
class Settings:
    """``[webhooks]`` in workspace.toml."""

    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    timeout_s: float = 10.0
    poll_s: float = 2.0

    @classmethod
    def of(cls, workspace: Workspace) -> Settings:
        given = workspace.settings.get("webhooks", {})
        given = given if isinstance(given, dict) else {}
        values = {}
        for name in ("retry_base_s", "retry_max_s", "timeout_s", "poll_s"):
            if name in given:
                value = given[name]
                if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                    from ledger.errors import LedgerError

                    raise LedgerError(f"workspace.toml: [webhooks] {name}: must be above 0")
                values[name] = float(value)
        return cls(**values)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        return timedelta(
            seconds=min(self.retry_base_s * 2 ** min(attempts - 1, 40), self.retry_max_s)
        )


def signed_headers(secret: str, msg_id: str, payload: str, at: datetime) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, payload),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


Sender = Callable[[str, dict[str, str], bytes, float], str | None]
"""(url, headers, body, timeout) -> None when the endpoint took it, else why not."""


def http_post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> str | None:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(65536)
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    return None if 200 <= status < 300 else f"HTTP {status}"


def _next(session: Any, endpoint_id: str) -> WebhookMessageRow | None:
    return session.exec(
        select(WebhookMessageRow)
        .where(WebhookMessageRow.endpoint_id == endpoint_id, WebhookMessageRow.state == PENDING)
        .order_by(col(WebhookMessageRow.id))
    ).first()


def _record(workspace: Workspace, message_id: int, error: str | None, settings: Settings) -> None:
    at = utcnow()
    with writing(workspace.engine) as session:
        row = session.get(WebhookMessageRow, message_id)
        if row is None or row.state != PENDING:
            return
        row.attempts += 1
        row.last_attempt_at = at
        if error is None:
            row.state, row.delivered_at, row.last_error = DELIVERED, at, None
        else:
            row.last_error = error[:MAX_ERROR]
            retry_at = at + settings.backoff(row.attempts)
            if retry_at > as_utc(row.retry_until):
                row.state = FAILED
            else:
                row.next_attempt_at = retry_at
        session.add(row)


def deliver_pending(
    workspace: Workspace, settings: Settings | None = None, send: Sender = http_post
) -> dict[str, int]:
    """One pass over the outbox: every endpoint's due messages, oldest first, until one fails.
    Returns how many were delivered and how many attempts failed."""
    settings = settings or Settings.of(workspace)
    counts = {"delivered": 0, "failed": 0}
    with reading(workspace.engine) as session:
        endpoint_ids = sorted(
            set(
                session.exec(
                    select(WebhookMessageRow.endpoint_id).where(WebhookMessageRow.state == PENDING)
                ).all()
            )
        )
    for endpoint_id in endpoint_ids:
        while True:
            with reading(workspace.engine) as session:
                message = _next(session, endpoint_id)
                endpoint = session.get(WebhookEndpointRow, endpoint_id)
            if message is None or endpoint is None or endpoint.disabled_at is not None:
                break
            if as_utc(message.next_attempt_at) > utcnow():
                break  # waiting for its retry; later messages wait behind it
            assert message.id is not None
            at = utcnow()
            headers = signed_headers(endpoint.secret, message.msg_id, message.payload, at)
            error = send(endpoint.url, headers, message.payload.encode("utf-8"), settings.timeout_s)
            _record(workspace, message.id, error, settings)
            if error is not None:
                counts["failed"] += 1
                log.warning("webhook %s to %s failed: %s", message.msg_id, endpoint.url, error)
                break
            counts["delivered"] += 1
    return counts


class Worker:
    """Delivers the outbox in a background thread until stopped (in `serve`)."""

    def __init__(self, workspace: Workspace, settings: Settings | None = None) -> None:
        self.workspace = workspace
        self.settings = settings or Settings.of(workspace)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.settings.timeout_s + 5)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                deliver_pending(self.workspace, self.settings)
            except Exception:  # the worker outlives a failing database or endpoint
                log.exception("webhook delivery pass failed")
            self.stopped.wait(self.settings.poll_s)
