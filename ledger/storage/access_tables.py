"""Portal state (sign-in grants, browser sessions, the access log), stored beside the ledger.

Secrets are never stored: a grant keeps the sha256 of its one-time token, a session the sha256 of
its cookie value. Timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


def utc_field(nullable: bool = False, index: bool = False) -> datetime:
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )


class AccessGrantRow(SQLModel, table=True):
    """A one-time sign-in link issued by finance to one party."""

    __tablename__ = "portal_grants"
    id: str = Field(primary_key=True)
    party_type: str  # talent | agency | brand
    party_id: str = Field(index=True)
    token_sha256: str = Field(unique=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)


class PortalSessionRow(SQLModel, table=True):
    """A signed-in browser; ends at ``expires_at``, on sign-out, or when its grant is revoked."""

    __tablename__ = "portal_sessions"
    id_sha256: str = Field(primary_key=True)
    grant_id: str = Field(index=True)
    party_type: str
    party_id: str
    csrf_token: str
    client: str
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True)


class AccessLogRow(SQLModel, table=True):
    """One sign-in or download: who (party, grant, client address), what, when."""

    __tablename__ = "portal_access_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True)
    action: str  # sign_in | download
    party_type: str
    party_id: str = Field(index=True)
    grant_id: str
    client: str
    period: str | None = None
    document: str | None = None  # the file name served
    subject: str | None = None  # whose document it is (an agency downloading a talent's)
