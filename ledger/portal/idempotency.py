"""Idempotency keys of API writes.

A request first claims its key (a row with no answer yet, under a unique constraint), then does
its work and stores its answer in that row; a failure that stores nothing releases the claim.
The same request again gets the stored answer; a request with the same key and another
fingerprint (route, parameters, body sha256) is refused by the caller (409), and so is the same
request while the first is still running. A claim older than an hour whose request never
finished (its server was killed) may be taken over by the same request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ledger.portal.access import as_utc, utcnow
from ledger.storage.api_tables import ApiIdempotencyRow
from ledger.storage.db import reading, writing
from ledger.workspace import Workspace

RUNNING = 0  # the status_code of a claim whose request has not answered yet
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    status_code: int  # RUNNING while the first request is still at work
    response: dict[str, Any]

    @property
    def running(self) -> bool:
        return self.status_code == RUNNING


def fingerprint(what: dict[str, Any], body_sha256: str) -> str:
    text = json.dumps(what | {"body_sha256": body_sha256}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row(session: Session, party_id: str, key: str, lock: bool = False) -> ApiIdempotencyRow | None:
    query = select(ApiIdempotencyRow).where(
        ApiIdempotencyRow.party_id == party_id, ApiIdempotencyRow.idempotency_key == key
    )
    return session.exec(query.with_for_update() if lock else query).first()


def _stored(row: ApiIdempotencyRow) -> Stored:
    return Stored(row.request_sha256, row.status_code, json.loads(row.response))


def claim(workspace: Workspace, party_id: str, key: str, request: str) -> Stored | None:
    """Claim ``key`` for the request with fingerprint ``request``: None when it is this
    request's to do, else what holds the key (an answer, or another request at work)."""
    now = utcnow()
    try:
        with writing(workspace.engine) as session:
            session.add(
                ApiIdempotencyRow(
                    party_id=party_id,
                    idempotency_key=key,
                    request_sha256=request,
                    status_code=RUNNING,
                    response="{}",
                    created_at=now,
                )
            )
        return None
    except IntegrityError:
        pass
    with writing(workspace.engine) as session:  # the row is locked until this commits
        row = _row(session, party_id, key, lock=True)
        if row is None:  # released meanwhile
            return Stored(request, RUNNING, {})
        held = _stored(row)
        stale = as_utc(row.created_at) < now - STALE_AFTER
        if held.running and held.fingerprint == request and stale:
            row.created_at = now
            session.add(row)
            return None
        return held


def complete(
    workspace: Workspace, party_id: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """Store the answer of the request that holds the claim."""
    with writing(workspace.engine) as session:
        session.execute(
            update(ApiIdempotencyRow)
            .where(col(ApiIdempotencyRow.party_id) == party_id)
            .where(col(ApiIdempotencyRow.idempotency_key) == key)
            .values(
                status_code=status_code,
                response=json.dumps(response, sort_keys=True, default=str),
            )
        )


def release(workspace: Workspace, party_id: str, key: str) -> None:
    """Give up a claim whose request stored nothing (it was refused or failed)."""
    with writing(workspace.engine) as session:
        session.execute(
            delete(ApiIdempotencyRow)
            .where(col(ApiIdempotencyRow.party_id) == party_id)
            .where(col(ApiIdempotencyRow.idempotency_key) == key)
            .where(col(ApiIdempotencyRow.status_code) == RUNNING)
        )


def find(workspace: Workspace, party_id: str, key: str) -> Stored | None:
    with reading(workspace.engine) as session:
        row = _row(session, party_id, key)
    return _stored(row) if row is not None else None
