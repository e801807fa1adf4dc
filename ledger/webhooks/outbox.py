"""Webhook endpoints and the outbox.

``enqueue`` is called inside the write transaction of the change it reports (a batch commit, a
settlement, a close, a payout run, a consent withdrawal), so a message exists exactly when its
change does. Each message is stored with the exact body that will be signed and sent.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.storage.api_tables import WebhookEndpointRow, WebhookMessageRow
from ledger.storage.db import reading, writing
from ledger.storage.repo import iso, party_rows
from ledger.storage.tables import AgencyRow, BrandRow, TalentRow
from ledger.workspace import Workspace

EVENT_TYPES = (
    "batch.committed",
    "exceptions.found",
    "period.closed",
    "document.issued",
    "payout.created",
    "twin.revoked",
)
PARTY_TABLES: dict[str, Any] = {"talent": TalentRow, "agency": AgencyRow, "brand": BrandRow}
MAX_URL = 2000
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
RETRY_FOR = timedelta(hours=24)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps come back naive from SQLite; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and 32 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        shown = url if len(url) <= 80 else url[:80] + "…"
        raise LedgerError(f"webhook url {shown!r}: must be an http:// or https:// address")
    return url


def check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise LedgerError(f"unknown webhook event {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}")
    return sorted(set(events), key=EVENT_TYPES.index)


def _party_type(session: Session, party_id: str, party_type: str | None) -> str:
    if party_type is not None and party_type not in PARTY_TABLES:
        raise LedgerError(f"unknown party type {party_type!r}; expected talent, agency or brand")
    kinds = [party_type] if party_type else list(PARTY_TABLES)
    found = [k for k in kinds if session.get(PARTY_TABLES[k], party_id) is not None]
    if not found:
        raise LedgerError(f"no talent, agency or brand with id {party_id!r}")
    if len(found) > 1:
        raise LedgerError(f"{party_id!r} is a {', '.join(found)}; say which with its type")
    return found[0]


def add_endpoint(
    workspace: Workspace,
    party_id: str,
    url: str,
    events: list[str] | None = None,
    party_type: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Register a party's endpoint; returns it and its signing secret (shown once)."""
    check_url(url)
    chosen = check_events(events or [])
    secret = new_secret()
    with writing(workspace.engine) as session:
        kind = _party_type(session, party_id, party_type)
        row = WebhookEndpointRow(
            id="ep-" + secrets.token_hex(6),
            party_type=kind,
            party_id=party_id,
            url=url,
            secret=secret,
            events=json.dumps(chosen),
            created_at=utcnow(),
        )
        session.add(row)
    return endpoint_doc(row), secret


def endpoint_doc(row: WebhookEndpointRow) -> dict[str, Any]:
    return {
        "endpoint": row.id,
        "party": {"type": row.party_type, "id": row.party_id},
        "url": row.url,
        "events": json.loads(row.events) or list(EVENT_TYPES),
        "created_at": iso(as_utc(row.created_at)),
        "disabled_at": iso(as_utc(row.disabled_at)) if row.disabled_at else None,
    }


def list_endpoints(workspace: Workspace, party_id: str | None = None) -> list[dict[str, Any]]:
    return [endpoint_doc(row) for row in party_rows(workspace.engine, WebhookEndpointRow, party_id)]


def enqueue(
    session: Session, party_type: str, party_id: str, event_type: str, data: dict[str, Any]
) -> list[str]:
    """Write one message per endpoint of the party that takes ``event_type``, in the caller's
    transaction; returns the message ids."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}")
    endpoints = session.exec(
        select(WebhookEndpointRow)
        .where(
            WebhookEndpointRow.party_type == party_type,
            WebhookEndpointRow.party_id == party_id,
            col(WebhookEndpointRow.disabled_at).is_(None),
        )
        .order_by(col(WebhookEndpointRow.id))
    ).all()
    if endpoints and session.get_bind().dialect.name == "postgresql":
        # Writers that enqueue take turns until they commit, so message ids follow commit order
        # and a worker never sends a message before an earlier one of its endpoint exists.
        # (SQLite's writers always take turns: BEGIN IMMEDIATE.)
        session.execute(text("LOCK TABLE webhook_messages IN SHARE ROW EXCLUSIVE MODE"))
    at = utcnow()
    ids = []
    for endpoint in endpoints:
        wanted = json.loads(endpoint.events)
        if wanted and event_type not in wanted:
            continue
        msg_id = "msg_" + uuid.uuid4().hex
        body = {"type": event_type, "timestamp": iso(at), "data": data}
        session.add(
            WebhookMessageRow(
                msg_id=msg_id,
                endpoint_id=endpoint.id,
                event_type=event_type,
                payload=json.dumps(body, ensure_ascii=False, sort_keys=True, default=str),
                state=PENDING,
                attempts=0,
                created_at=at,
                next_attempt_at=at,
                retry_until=at + RETRY_FOR,
            )
        )
        ids.append(msg_id)
    if ids:
        session.flush()  # ids in the order enqueued: an endpoint's messages go out in id order
    return ids


def message_doc(row: WebhookMessageRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "msg_id": row.msg_id,
        "endpoint": row.endpoint_id,
        "type": row.event_type,
        "state": row.state,
        "attempts": row.attempts,
        "created_at": iso(as_utc(row.created_at)),
        "next_attempt_at": iso(as_utc(row.next_attempt_at)) if row.state == PENDING else None,
        "last_attempt_at": iso(as_utc(row.last_attempt_at)) if row.last_attempt_at else None,
        "last_error": row.last_error,
        "delivered_at": iso(as_utc(row.delivered_at)) if row.delivered_at else None,
    }


def deliveries(
    workspace: Workspace, failed: bool = False, endpoint: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Messages, newest first; ``failed``: those whose last attempt failed (waiting for a retry
    or given up)."""
    query = select(WebhookMessageRow)
    if failed:
        query = query.where(col(WebhookMessageRow.last_error).is_not(None)).where(
            WebhookMessageRow.state != DELIVERED
        )
    if endpoint is not None:
        query = query.where(WebhookMessageRow.endpoint_id == endpoint)
    query = query.order_by(col(WebhookMessageRow.id).desc()).limit(limit)
    with reading(workspace.engine) as session:
        return [message_doc(row) for row in session.exec(query).all()]


def redeliver(workspace: Workspace, message: str) -> dict[str, Any]:
    """Send a message again (by its number or its ``msg_`` id), now and with fresh retries."""
    with writing(workspace.engine) as session:
        query = select(WebhookMessageRow)
        if message.isdigit():
            query = query.where(WebhookMessageRow.id == int(message))
        else:
            query = query.where(WebhookMessageRow.msg_id == message)
        row = session.exec(query).first()
        if row is None:
            raise LedgerError(f"no webhook message {message!r}")
        at = utcnow()
        row.state, row.attempts = PENDING, 0
        row.next_attempt_at, row.retry_until = at, at + RETRY_FOR
        row.delivered_at = None
        session.add(row)
    return message_doc(row)
