"""Statement documents of settled periods: look-up, exceptions, and where their PDFs go.

Rendering them to PDF, recording what was issued and verifying a PDF is `reports.issue`'s job:
the library never imports the renderer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ledger.errors import LedgerError, PeriodNotSettled
from ledger.period import Period
from ledger.seal import short
from ledger.storage.db import reading
from ledger.storage.periods import CLOSED
from ledger.storage.tables import PeriodRow, SealRow, StatementRow
from ledger.workspace import Workspace

PARTY_ORDER = {"talent": 0, "agency": 1, "brand": 2}


def _settled(workspace: Workspace, period: str) -> None:
    Period.parse(period)
    with reading(workspace.engine) as session:
        if session.get(PeriodRow, period) is None:
            raise PeriodNotSettled(f"period {period} has not been settled", period)


def period_status(workspace: Workspace, period: str) -> str:
    """draft or closed; a period that has not been settled is refused."""
    _settled(workspace, period)
    with reading(workspace.engine) as session:
        row = session.get(PeriodRow, period)
    assert row is not None
    return row.status


def exceptions(workspace: Workspace, period: str) -> list[dict[str, Any]]:
    """The exceptions of a draft or closed period: kind, brand, twin, talent, contract, event_id,
    occurred_at, detail."""
    import pyarrow.parquet as pq

    _settled(workspace, period)
    rows: list[dict[str, Any]] = pq.read_table(
        workspace.path("settlements", period, "exceptions.parquet")
    ).to_pylist()
    return rows


def documents(
    workspace: Workspace, period: str, party: str | None = None, party_type: str | None = None
) -> list[dict[str, Any]]:
    """The statement documents of a draft or closed period: one party's, one type of party's
    (talent, agency or brand), or all."""
    _settled(workspace, period)
    if party_type is not None and party_type not in PARTY_ORDER:
        raise LedgerError(f"unknown party type {party_type!r}; expected talent, agency or brand")
    with reading(workspace.engine) as session:
        query = select(StatementRow).where(StatementRow.period == period)
        if party is not None:
            query = query.where(StatementRow.party_id == party)
        if party_type is not None:
            query = query.where(StatementRow.party_type == party_type)
        rows = session.exec(query.order_by(col(StatementRow.party_id))).all()
    if party is not None and not rows:
        kind = f"{party_type} " if party_type else ""
        raise LedgerError(f"no {kind}statement for party {party!r} in {period}")
    rows = sorted(rows, key=lambda r: (PARTY_ORDER[r.party_type], r.party_id))
    return [json.loads(r.document) for r in rows]


def folder(workspace: Workspace, period: str, status: str) -> Path:
    """Where a period's PDFs go by default: ``statements/PERIOD`` once closed (only issued
    documents live there), ``drafts/PERIOD`` while it is a draft."""
    return workspace.path("statements" if status == CLOSED else "drafts", period)


def printed(workspace: Workspace, period: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents as they are printed: a closed period's carry the short form of its seal."""
    with reading(workspace.engine) as session:
        sealed = session.get(SealRow, period)
    if sealed is None:
        return docs
    return [doc | {"seal": short(sealed.hash)} for doc in docs]
