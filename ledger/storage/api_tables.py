"""State of the HTTP API and of webhooks, stored beside the ledger.

API keys keep only the sha256 of the key. A webhook endpoint keeps its signing secret (it signs
every message). The outbox holds each webhook message from the transaction that made the change
it reports until its endpoint answered it. Timestamps are UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ledger.storage.access_tables import utc_field


class ApiKeyRow(SQLModel, table=True):
    """A key for the HTTP API, issued to one party (`access grant --api-key`)."""

    __tablename__ = "api_keys"
    id: str = Field(primary_key=True)
    party_type: str  # talent | agency | brand
    party_id: str = Field(index=True)
    key_sha256: str = Field(unique=True)
    created_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)


class ApiIdempotencyRow(SQLModel, table=True):
    """The answer to the first request with an ``Idempotency-Key``, replayed for a repeat."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("party_id", "idempotency_key"),)
    id: int | None = Field(default=None, primary_key=True)
    party_id: str
    idempotency_key: str
    request_sha256: str  # of the route, the parameters and the body
    status_code: int
    response: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    created_at: datetime = utc_field()


class WebhookEndpointRow(SQLModel, table=True):
    """A party's receiver of webhook messages (`webhooks add`)."""

    __tablename__ = "webhook_endpoints"
    id: str = Field(primary_key=True)
    party_type: str
    party_id: str = Field(index=True)
    url: str
    secret: str  # whsec_ + base64, as Standard Webhooks signs with
    events: str  # JSON list of event types; empty = every event
    created_at: datetime = utc_field()
    disabled_at: datetime | None = utc_field(nullable=True)


class WebhookMessageRow(SQLModel, table=True):
    """One message to one endpoint. ``state``: pending (to send or retry), delivered, failed
    (retries ran out); an endpoint's messages go out in ``id`` order."""

    __tablename__ = "webhook_messages"
    id: int | None = Field(default=None, primary_key=True)
    msg_id: str = Field(unique=True)  # the webhook-id header
    endpoint_id: str = Field(index=True)
    event_type: str
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the exact body sent
    state: str = Field(index=True)
    attempts: int = 0
    created_at: datetime = utc_field()
    next_attempt_at: datetime = utc_field()
    retry_until: datetime = utc_field()  # retries end here (24 h; `webhooks redeliver` renews)
    last_attempt_at: datetime | None = utc_field(nullable=True)
    last_error: str | None = None
    delivered_at: datetime | None = utc_field(nullable=True)


class TwinRevocationRow(SQLModel, table=True):
    """A withdrawal of consent recorded by `twins revoke`: the twin's uses from ``revoked_on``
    on are unlicensed."""

    __tablename__ = "twin_revocations"
    id: int | None = Field(default=None, primary_key=True)
    twin: str = Field(index=True)
    revoked_on: date
    reason: str
    recorded_at: datetime = utc_field()
