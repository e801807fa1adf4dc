"""Idempotency keys of API writes: the first answer to a key is stored with a fingerprint of
its request (route, parameters, body sha256); the same request again gets that answer, another
request with the same key is refused by the caller (409)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ledger.portal.access import utcnow
from ledger.storage.api_tables import ApiIdempotencyRow
from ledger.storage.db import reading, writing
from ledger.workspace import Workspace


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    status_code: int
    response: dict[str, Any]


def fingerprint(what: dict[str, Any], body_sha256: str) -> str:
    text = json.dumps(what | {"body_sha256": body_sha256}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored(row: ApiIdempotencyRow) -> Stored:
    return Stored(row.request_sha256, row.status_code, json.loads(row.response))


def find(workspace: Workspace, party_id: str, key: str) -> Stored | None:
    with reading(workspace.engine) as session:
        row = session.exec(
            select(ApiIdempotencyRow).where(
                ApiIdempotencyRow.party_id == party_id, ApiIdempotencyRow.idempotency_key == key
            )
        ).first()
    return _stored(row) if row is not None else None


def keep(
    workspace: Workspace,
    party_id: str,
    key: str,
    request_fingerprint: str,
    status_code: int,
    response: dict[str, Any],
) -> Stored:
    """Store the answer to a key's first request; when a concurrent request stored one first,
    that one is returned."""
    row = ApiIdempotencyRow(
        party_id=party_id,
        idempotency_key=key,
        request_sha256=request_fingerprint,
        status_code=status_code,
        response=json.dumps(response, sort_keys=True, default=str),
        created_at=utcnow(),
    )
    try:
        with writing(workspace.engine) as session:
            session.add(row)
    except IntegrityError:
        earlier = find(workspace, party_id, key)
        if earlier is None:
            raise
        return earlier
    return Stored(request_fingerprint, status_code, json.loads(row.response))
