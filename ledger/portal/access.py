"""Access to the portal: one-time sign-in grants, sessions and the access log.

A grant's token and a session's cookie value are random (``secrets.token_urlsafe(32)``) and only
their sha256 is stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from ledger.errors import AmbiguousParty, LedgerError
from ledger.storage.access_tables import AccessGrantRow, AccessLogRow, PortalSessionRow
from ledger.storage.db import reading, writing
from ledger.storage.repo import iso, party_rows
from ledger.storage.tables import AgencyRow, BrandRow, TalentRow
from ledger.workspace import Workspace

GRANT_TTL_HOURS = 72
MAX_GRANT_TTL_HOURS = 8760
SESSION_TTL = timedelta(hours=12)
PARTY_TABLES: dict[str, Any] = {"talent": TalentRow, "agency": AgencyRow, "brand": BrandRow}


class AccessDenied(Exception):
    """A sign-in that must fail; the message is safe to show to the person signing in."""


@dataclass(frozen=True)
class Party:
    type: str  # talent | agency | brand
    id: str
    name: str
    locale: str = "en"


@dataclass(frozen=True)
class SignedIn:
    """The party behind a live session."""

    party: Party
    grant_id: str
    csrf_token: str
    expires_at: datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps come back naive from SQLite; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _party(session: Session, party_type: str, party_id: str) -> Party | None:
    row = session.get(PARTY_TABLES[party_type], party_id)
    if row is None:
        return None
    return Party(party_type, row.id, row.name, getattr(row, "locale", "en") or "en")


def find_party(workspace: Workspace, party_id: str, party_type: str | None = None) -> Party:
    """The talent, agency or brand with this id; ``party_type`` settles an id used by two kinds."""
    if party_type is not None and party_type not in PARTY_TABLES:
        raise LedgerError(f"unknown party type {party_type!r}; expected talent, agency or brand")
    kinds = [party_type] if party_type else list(PARTY_TABLES)
    with reading(workspace.engine) as session:
        found = [p for kind in kinds if (p := _party(session, kind, party_id)) is not None]
    if not found:
        raise LedgerError(f"no talent, agency or brand with id {party_id!r}")
    if len(found) > 1:
        kinds_found = ", ".join(p.type for p in found)
        raise AmbiguousParty(f"{party_id!r} is a {kinds_found}")
    return found[0]


def grant(
    workspace: Workspace,
    party_id: str,
    ttl_hours: int = GRANT_TTL_HOURS,
    party_type: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Issue a one-time sign-in token for a party; returns the grant and the token (shown once)."""
    if not 1 <= ttl_hours <= MAX_GRANT_TTL_HOURS:
        raise LedgerError(
            f"a sign-in link lasts 1 to {MAX_GRANT_TTL_HOURS} hours (a year), not {ttl_hours}"
        )
    party = find_party(workspace, party_id, party_type)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AccessGrantRow(
        id="g-" + secrets.token_hex(6),
        party_type=party.type,
        party_id=party.id,
        token_sha256=digest(token),
        created_at=now,
        expires_at=now + timedelta(hours=ttl_hours),
    )
    with writing(workspace.engine) as session:
        session.add(row)
    return _grant_doc(row, now), token


def _grant_status(row: AccessGrantRow, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.used_at is not None:
        return "used"
    return "expired" if as_utc(row.expires_at) <= now else "active"


def _grant_doc(row: AccessGrantRow, now: datetime) -> dict[str, Any]:
    return {
        "grant": row.id,
        "party": {"type": row.party_type, "id": row.party_id},
        "status": _grant_status(row, now),
        "created_at": iso(as_utc(row.created_at)),
        "expires_at": iso(as_utc(row.expires_at)),
        "used_at": iso(as_utc(row.used_at)) if row.used_at else None,
        "revoked_at": iso(as_utc(row.revoked_at)) if row.revoked_at else None,
    }


def list_grants(workspace: Workspace, party_id: str | None = None) -> list[dict[str, Any]]:
    now = utcnow()
    return [_grant_doc(row, now) for row in party_rows(workspace.engine, AccessGrantRow, party_id)]


def revoke(workspace: Workspace, target: str) -> list[str]:
    """Revoke a grant (by grant id) or every grant of a party (by party id), and end the sessions
    they opened. Returns the grant ids revoked."""
    now = utcnow()
    with writing(workspace.engine) as session:
        rows = session.exec(
            select(AccessGrantRow).where(
                or_(AccessGrantRow.id == target, AccessGrantRow.party_id == target),
                col(AccessGrantRow.revoked_at).is_(None),
            )
        ).all()
        for row in rows:
            row.revoked_at = now
            session.add(row)
        ids = [row.id for row in rows]
        if ids:
            session.execute(
                update(PortalSessionRow)
                .where(col(PortalSessionRow.grant_id).in_(ids))
                .where(col(PortalSessionRow.ended_at).is_(None))
                .values(ended_at=now)
            )
    if not ids:
        known = list_grants(workspace, None)
        if not any(g["grant"] == target or g["party"]["id"] == target for g in known):
            raise LedgerError(f"no access grant or party {target!r}")
    return ids


def link_state(workspace: Workspace, token: str) -> tuple[str, str]:
    """What a sign-in link is now, without spending it: ``active``, ``used``, ``expired``,
    ``revoked`` or ``unknown``, and the locale of its party (``en`` when unknown)."""
    if not token or len(token) > 200:
        return "unknown", "en"
    with reading(workspace.engine) as session:
        row = session.exec(
            select(AccessGrantRow).where(AccessGrantRow.token_sha256 == digest(token))
        ).first()
        if row is None:
            return "unknown", "en"
        party = _party(session, row.party_type, row.party_id)
        return _grant_status(row, utcnow()), party.locale if party else "en"


def sign_in(workspace: Workspace, token: str, client: str) -> tuple[str, SignedIn]:
    """Redeem a one-time token: returns a new session's cookie value and who signed in.

    The token is spent by a conditional update, so two simultaneous uses cannot both succeed."""
    refused = AccessDenied("This sign-in link is not valid: it may have expired or been used.")
    if not token or len(token) > 200:
        raise refused
    now = utcnow()
    cookie = secrets.token_urlsafe(32)
    with writing(workspace.engine) as session:
        row = session.exec(
            select(AccessGrantRow).where(AccessGrantRow.token_sha256 == digest(token))
        ).first()
        if row is None or _grant_status(row, now) != "active":
            raise refused
        spent = session.execute(
            update(AccessGrantRow)
            .where(col(AccessGrantRow.id) == row.id)
            .where(col(AccessGrantRow.used_at).is_(None))
            .where(col(AccessGrantRow.revoked_at).is_(None))
            .values(used_at=now)
        )
        if getattr(spent, "rowcount", 0) != 1:
            raise refused
        party = _party(session, row.party_type, row.party_id)
        if party is None:
            raise refused
        signed = SignedIn(party, row.id, secrets.token_urlsafe(32), now + SESSION_TTL)
        session.add(
            PortalSessionRow(
                id_sha256=digest(cookie),
                grant_id=row.id,
                party_type=party.type,
                party_id=party.id,
                csrf_token=signed.csrf_token,
                client=client,
                created_at=now,
                expires_at=signed.expires_at,
            )
        )
        session.add(_log_row(now, "sign_in", signed, client))
    return cookie, signed


def session_for(workspace: Workspace, cookie: str | None) -> SignedIn | None:
    """The live session behind a cookie value, or None (unknown, ended, expired or revoked)."""
    if not cookie or len(cookie) > 200:
        return None
    now = utcnow()
    with reading(workspace.engine) as session:
        row = session.get(PortalSessionRow, digest(cookie))
        if row is None or row.ended_at is not None or as_utc(row.expires_at) <= now:
            return None
        grant_row = session.get(AccessGrantRow, row.grant_id)
        if grant_row is None or grant_row.revoked_at is not None:
            return None
        party = _party(session, row.party_type, row.party_id)
    if party is None:
        return None
    return SignedIn(party, row.grant_id, row.csrf_token, as_utc(row.expires_at))


def sign_out(workspace: Workspace, cookie: str) -> None:
    with writing(workspace.engine) as session:
        row = session.get(PortalSessionRow, digest(cookie))
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()
            session.add(row)


def _log_row(
    now: datetime,
    action: str,
    who: SignedIn,
    client: str,
    period: str | None = None,
    document: str | None = None,
    subject: str | None = None,
) -> AccessLogRow:
    return AccessLogRow(
        at=now,
        action=action,
        party_type=who.party.type,
        party_id=who.party.id,
        grant_id=who.grant_id,
        client=client,
        period=period,
        document=document,
        subject=subject,
    )


def record_download(
    workspace: Workspace, who: SignedIn, client: str, period: str, document: str, subject: str
) -> None:
    with writing(workspace.engine) as session:
        session.add(_log_row(utcnow(), "download", who, client, period, document, subject))


def access_log(
    workspace: Workspace, party_id: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Sign-ins and downloads, newest first."""
    query = select(AccessLogRow)
    if party_id is not None:
        query = query.where(AccessLogRow.party_id == party_id)
    query = query.order_by(col(AccessLogRow.at).desc(), col(AccessLogRow.id).desc()).limit(limit)
    with reading(workspace.engine) as session:
        rows = session.exec(query).all()
    return [
        {
            "at": iso(as_utc(row.at)),
            "action": row.action,
            "party": {"type": row.party_type, "id": row.party_id},
            "grant": row.grant_id,
            "client": row.client,
            "period": row.period,
            "document": row.document,
            "subject": row.subject,
        }
        for row in rows
    ]
