"""Idempotency keys: a key is claimed before the work, so two requests with one key never both
ingest; the answer is stored for a repeat; a refused request releases its claim; a claim whose
server died is taken over after an hour by the same request only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from ledger.portal import idempotency
from ledger.portal.access import utcnow
from ledger.portal.idempotency import RUNNING, Stored
from tests.conftest import Books


def test_a_key_is_claimed_answered_released_and_taken_over(books: Books) -> None:
    ws = books.workspace
    assert idempotency.claim(ws, "b1", "k", "fp1") is None
    assert idempotency.claim(ws, "b1", "k", "fp1") == Stored("fp1", RUNNING, {})  # in use
    assert idempotency.claim(ws, "b1", "k", "fp2") == Stored("fp1", RUNNING, {})  # reused
    assert idempotency.claim(ws, "b2", "k", "fp1") is None  # keys are per party
    idempotency.complete(ws, "b1", "k", 201, {"batch_id": "B1"})
    assert idempotency.claim(ws, "b1", "k", "fp1") == Stored("fp1", 201, {"batch_id": "B1"})
    idempotency.release(ws, "b1", "k")  # an answered key is never released
    assert idempotency.find(ws, "b1", "k") == Stored("fp1", 201, {"batch_id": "B1"})

    assert idempotency.claim(ws, "b1", "refused", "fp1") is None
    idempotency.release(ws, "b1", "refused")
    assert idempotency.find(ws, "b1", "refused") is None
    assert idempotency.claim(ws, "b1", "refused", "fp2") is None  # free for any request again

    assert idempotency.claim(ws, "b1", "killed", "fp1") is None
    with ws.engine.begin() as conn:
        conn.execute(
            text("UPDATE api_idempotency SET created_at = :at WHERE idempotency_key = 'killed'"),
            {"at": utcnow() - timedelta(hours=2)},
        )
    assert idempotency.claim(ws, "b1", "killed", "fp2") == Stored("fp1", RUNNING, {})
    assert idempotency.claim(ws, "b1", "killed", "fp1") is None  # the same request takes over
    assert idempotency.claim(ws, "b1", "killed", "fp1") == Stored("fp1", RUNNING, {})
