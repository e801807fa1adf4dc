"""Keys for the HTTP API: issued to one party, shown once, stored as their sha256.

A key is 32 random bytes (``tlk_`` + URL-safe base64), so a plain sha256 is enough to keep a copy
of the database from authenticating anyone.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import col, or_, select

from ledger.portal.access import Party, _party, as_utc, digest, find_party, utcnow
from ledger.storage.api_tables import ApiKeyRow
from ledger.storage.db import reading, writing
from ledger.storage.repo import iso, party_rows
from ledger.workspace import Workspace

PREFIX = "tlk_"


def issue(
    workspace: Workspace, party_id: str, party_type: str | None = None
) -> tuple[dict[str, Any], str]:
    """A new API key for a party; returns its record and the key (shown once)."""
    party = find_party(workspace, party_id, party_type)
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(
        id="k-" + secrets.token_hex(6),
        party_type=party.type,
        party_id=party.id,
        key_sha256=digest(key),
        created_at=utcnow(),
    )
    with writing(workspace.engine) as session:
        session.add(row)
    return key_doc(row), key


def key_doc(row: ApiKeyRow) -> dict[str, Any]:
    return {
        "key": row.id,
        "party": {"type": row.party_type, "id": row.party_id},
        "status": "revoked" if row.revoked_at else "active",
        "created_at": iso(as_utc(row.created_at)),
        "revoked_at": iso(as_utc(row.revoked_at)) if row.revoked_at else None,
    }


def list_keys(workspace: Workspace, party_id: str | None = None) -> list[dict[str, Any]]:
    return [key_doc(row) for row in party_rows(workspace.engine, ApiKeyRow, party_id)]


def revoke(workspace: Workspace, target: str) -> list[str]:
    """Revoke a key (by key id) or every key of a party (by party id); returns the ids revoked."""
    with writing(workspace.engine) as session:
        rows = session.exec(
            select(ApiKeyRow).where(
                or_(ApiKeyRow.id == target, ApiKeyRow.party_id == target),
                col(ApiKeyRow.revoked_at).is_(None),
            )
        ).all()
        at = utcnow()
        for row in rows:
            row.revoked_at = at
            session.add(row)
        return [row.id for row in rows]


def known(workspace: Workspace, target: str) -> bool:
    with reading(workspace.engine) as session:
        return (
            session.exec(
                select(ApiKeyRow.id).where(
                    or_(ApiKeyRow.id == target, ApiKeyRow.party_id == target)
                )
            ).first()
            is not None
        )


def party_for(workspace: Workspace, key: str) -> Party | None:
    """The party of a live key, or None (unknown or revoked)."""
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    with reading(workspace.engine) as session:
        row = session.exec(select(ApiKeyRow).where(ApiKeyRow.key_sha256 == digest(key))).first()
        if row is None or row.revoked_at is not None:
            return None
        return _party(session, row.party_type, row.party_id)
