"""`audit verify --deep`: re-check the books from the events themselves.

1. every committed (or withdrawn) batch's event file(s) still hash to the sha256 recorded at
   ingest, and still hold as many events as the batch accepted and restated (counted by DuckDB);
2. every sealed month re-settles, from its events, to exactly what it issued: the pure
   ``compute`` is given what the ledger knew at that close (the batches and contract revisions
   the seal records, the parties it was settled with, what earlier closed months issued) and its
   contract figures are compared, component by component, with the month's contract_settlements
   rows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.fx import FxTable
from ledger.money import format_amount
from ledger.seal import SETTLEMENT_FIELDS, is_seal, load_seals, sealed_parties
from ledger.settlement.compute import Inputs, compute
from ledger.settlement.issued import issued_before
from ledger.settlement.service import settlement_rows
from ledger.storage.codec import contract_from_json
from ledger.storage.db import reading
from ledger.storage.events import connect, event_files, events_sha256, parquet_list_sql
from ledger.storage.repo import all_batches, load_fx_rows
from ledger.storage.tables import BatchRow, ContractRow, ContractSettlementRow
from ledger.workspace import Workspace


def check_deep(workspace: Workspace) -> list[str]:
    """Every event file or closed month that no longer matches what the ledger recorded."""
    with reading(workspace.engine) as session:
        # a withdrawn batch keeps its events for the closed months that covered it
        batches = [b for b in all_batches(session) if b.status in ("committed", "void")]
        problems = _event_files(workspace, batches)
        for seal in load_seals(session):
            try:
                body = json.loads(seal.body)
            except ValueError:
                continue  # reported by the cheap check
            if is_seal(body):
                problems += _resettle(workspace, session, body, {b.id: b for b in batches})
    return problems


def _event_files(workspace: Workspace, batches: list[BatchRow]) -> list[str]:
    problems = []
    con = connect()
    try:
        for batch in batches:
            if not batch.events_path:
                continue
            path = workspace.path(batch.events_path)
            name = f"{batch.events_path} (batch {batch.id})"
            files = event_files(path)
            if not files:
                problems.append(f"{name} is missing")
                continue
            if batch.events_sha256 and events_sha256(path) != batch.events_sha256:
                problems.append(f"{name}: its content differs from the sha256 recorded at ingest")
            try:
                found = con.execute(
                    f"SELECT count(*) FROM read_parquet({parquet_list_sql(files)})"
                ).fetchone()
            except Exception as exc:  # duckdb raises its own error types for unreadable files
                problems.append(f"{name}: not readable as Parquet ({str(exc).splitlines()[0]})")
                continue
            count = int(found[0]) if found else 0
            kept = (
                batch.accepted + batch.restated
            )  # a restating row is kept beside the one it replaces
            if count != kept:
                problems.append(
                    f"{name} holds {count} events, the batch accepted {batch.accepted} "
                    f"and restated {batch.restated}"
                )
    finally:
        con.close()
    return problems


def _resettle(
    workspace: Workspace, session: Session, body: dict[str, Any], batches: dict[str, BatchRow]
) -> list[str]:
    period = body["period"]
    known = body["period_row"]
    files = []
    for batch_id in known["batches"]:
        batch = batches.get(batch_id)
        if batch is None:
            return [f"period {period} cannot be re-settled: its batch {batch_id} is not stored"]
        if batch.events_path:
            files += event_files(workspace.path(batch.events_path))
    contracts = []
    for contract_id, revision in sorted(known["contracts"].items()):
        row = session.get(ContractRow, (contract_id, revision))
        if row is None:
            return [
                f"period {period} cannot be re-settled: contracts row ({contract_id}, "
                f"{revision}) is missing"
            ]
        contracts.append(contract_from_json(row.body))
    try:
        parties = sealed_parties(body)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return [f"period {period} cannot be re-settled: its seal does not hold its parties"]
    closed = {s.period for s in load_seals(session)}
    inputs = Inputs(
        period=period,
        parties=parties,
        contracts=contracts,
        fx=FxTable.from_rows(load_fx_rows(session)),
        event_files=files,
        issued=issued_before(session, period, closed),
        opening_balances={},
    )
    try:
        settlement = compute(inputs)
    except LedgerError as exc:
        return [f"period {period} cannot be re-settled: {exc}"]
    except Exception as exc:  # an unreadable event file: duckdb's own error types
        return [f"period {period} cannot be re-settled: {str(exc).splitlines()[0]}"]
    problems = []
    if settlement.events_rated != known["events_rated"]:
        problems.append(
            f"period {period} re-settles {settlement.events_rated} events from its event files, "
            f"it rated {known['events_rated']} when it closed"
        )
    again = {(r["contract"], r["origin"]): r for r in settlement_rows(settlement)}
    issued = {
        (r.contract, r.origin): r
        for r in session.exec(
            select(ContractSettlementRow).where(col(ContractSettlementRow.period) == period)
        )
    }
    for key in sorted(set(again) | set(issued)):
        name = f"period {period} contract {key[0]} ({key[1]})"
        if key not in issued:
            problems.append(f"{name} re-settles to figures that were never issued")
            continue
        if key not in again:
            problems.append(f"{name} was issued but no longer re-settles from its events")
            continue
        stored, ccy = issued[key], issued[key].currency
        changes = []
        for field in SETTLEMENT_FIELDS:
            was = Decimal(str(getattr(stored, field)))  # exact even if edited into a float
            if again[key][field] != was:
                changes.append(
                    f"{field} {format_amount(again[key][field], ccy)} "
                    f"(issued {format_amount(was, ccy)})"
                )
        if changes:
            problems.append(f"{name} re-settles from its events to " + ", ".join(changes))
    return problems
