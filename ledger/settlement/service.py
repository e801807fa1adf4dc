"""Period lifecycle (SPEC 4.1): `settle run` (draft, re-runnable), `settle close` (final), status.

A run computes the period from everything known now and stores it as a draft: contract figures,
statement documents and the exceptions file. Closing recomputes it, checks that nothing changed
since the draft finance reviewed, and in one transaction stores the final figures, records the
batches and contract revisions it covered, posts the journal and seals the period (``ledger.seal``).
Nothing of a closed period is ever written again. Neither runs on books whose journal or seals
fail their checks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlmodel import Session, col, delete, insert, select

from ledger.errors import DraftOutdated, LedgerError, PeriodNotSettled
from ledger.fx import FxTable
from ledger.integrity import checked_beside
from ledger.journal import lock, payable_balances
from ledger.money import format_amount
from ledger.period import Period
from ledger.provenance.assets import asset_table, assets_changed_since
from ledger.provenance.consents import consents_changed_since, load_consents
from ledger.seal import seal_period
from ledger.settlement import self_billing
from ledger.settlement.adjust import manual_adjustments
from ledger.settlement.compute import (
    BatchInfo,
    Inputs,
    LastClose,
    Settlement,
    components_of,
    compute,
    economics_terms,
    payable_account,
)
from ledger.settlement.document_types import PreviousPayout
from ledger.settlement.documents import brand_documents_of, build_documents
from ledger.settlement.invoices import Plan, invoice_problems, number, plan_documents, series
from ledger.settlement.issued import issued_before
from ledger.settlement.notify import settled
from ledger.settlement.postings import post_settlement
from ledger.settlement.self_billing import SelfBill
from ledger.settlement.snapshot import (
    kept_payables,
    load_reuse,
    store_snapshot,
    stored_economics,
)
from ledger.storage.db import json_member, reading, writing
from ledger.storage.events import publish
from ledger.storage.numbers import take
from ledger.storage.periods import (
    CLOSED,
    closed_periods,
    closes,
    is_closed,
    latest_closed,
    refuse_if_closed,
)
from ledger.storage.repo import (
    all_batches,
    committed_batches,
    iso,
    load_contracts,
    load_fx_rows,
    load_parties,
    now,
)
from ledger.storage.tables import ContractSettlementRow, PayoutRunRow, PeriodRow, StatementRow
from ledger.workspace import Workspace


@dataclass(frozen=True)
class _Known:
    """What the ledger knows at the moment of a run: the basis a close must still match."""

    batches: list[str]
    revisions: dict[str, int]
    inputs: Inputs


def _gather(
    workspace: Workspace,
    session: Session,
    period: str,
    full: bool = False,
    closing: bool = False,
    engine: str | None = None,
) -> _Known:
    parties = load_parties(session)
    contracts = load_contracts(session)
    every_batch = all_batches(session)
    batches = [b for b in every_batch if b.status == "committed"]  # committed_batches' order
    files = [workspace.path(b.events_path) for b in batches if b.events_path]
    last = latest_closed(session, before=period)
    kept = None if full or last is None else kept_payables(session, last.period)
    balances = payable_balances(session, period, kept)
    opening = {
        payable_account(p): balances.get((payable_account(p), ccy), Decimal(0))
        for p, ccy in [(t, t.payout_currency) for t in parties.talents]
        + [(a, a.currency) for a in parties.agencies]
    }
    inputs = Inputs(
        period=period,
        parties=parties,
        contracts=contracts,
        fx=FxTable.from_rows(load_fx_rows(session), workspace.fx_max_age_days),
        event_files=files,
        issued=issued_before(session, period, {p for p in closed_periods(session) if p < period}),
        opening_balances=opening,
        manual=tuple(manual_adjustments(session, period)),
        last_close=None
        if last is None
        else LastClose(
            last.period,
            frozenset(json.loads(last.batches)),
            json.loads(last.contracts),
            stored_economics(session, last.period),
        ),
        batches={
            b.id: BatchInfo(b.brand, frozenset(json.loads(b.periods)), b.status == "committed")
            for b in every_batch
        },
        reuse=None
        if full
        else load_reuse(workspace, session, period, contracts, parties, every_batch),
        index_renders=closing,
        vat_rates=workspace.vat_rates,
        assets=asset_table(session),
        consents=tuple(load_consents(session)),
        engine=workspace.engine_choice(engine),
    )
    return _Known(
        batches=[b.id for b in batches],
        revisions={c.id: c.revision for c in contracts},
        inputs=inputs,
    )


def _period_row(session: Session, period: str) -> PeriodRow | None:
    return session.get(PeriodRow, period)


def summarize(settlement: Settlement, status: str) -> dict[str, Any]:
    """The `settle run|close --json` document."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in settlement.contracts:
        for name in ("brand_due", "commission", "withholding", "talent_net"):
            totals[r.contract.currency][name] += r.total(name)
    kinds = settlement.exceptions.column("kind").to_pylist()
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return {
        "period": settlement.period,
        "status": status,
        "contracts": len(settlement.contracts),
        "events_rated": settlement.events_rated,
        "exceptions": dict(sorted(counts.items())),
        "totals": {
            ccy: {k: format_amount(v, ccy) for k, v in values.items()}
            for ccy, values in sorted(totals.items())
        },
    }


def settlement_rows(settlement: Settlement) -> list[dict[str, Any]]:
    """The contract_settlements rows of a settlement (plain dicts for one bulk insert)."""
    rows: list[dict[str, Any]] = []
    for r in settlement.contracts:
        c = r.contract
        key = {"period": settlement.period, "contract": c.id}
        same = {"revision": c.revision, "currency": c.currency}
        if r.month is not None:
            rows.append(key | {"origin": settlement.period} | same | components_of(r.month))
        for a in r.adjustments:
            rows.append(key | {"origin": a.origin} | same | dict(a.deltas))
    return rows


def _write_exceptions(workspace: Workspace, period: str, table: pa.Table) -> None:
    final = workspace.path("settlements", period, "exceptions.parquet")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = workspace.path("tmp", f"exceptions-{period}.parquet.part")
    pq.write_table(table, tmp)
    publish(tmp, final)


def _issued_numbers(
    session: Session, settlement: Settlement
) -> dict[tuple[str, str, str, str], str]:
    """(period, issuer, brand, currency) -> number of the invoice or credit note a closed
    period issued, for the earlier months this settlement corrects (issuer ``*`` for documents
    issued before documents were per issuer)."""
    wanted = {
        (a.origin, r.brand.id)
        for r in settlement.contracts
        for a in r.adjustments
        if a.deltas["brand_due"]
    }
    return document_numbers(session, wanted)


def document_numbers(
    session: Session, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str, str, str], str]:
    """(period, issuer, brand, currency) -> number of each invoice and credit note issued to
    the brands of ``wanted`` (period, brand) pairs by closed periods."""
    numbers: dict[tuple[str, str, str, str], str] = {}
    closed = set(closed_periods(session))
    origins = sorted({origin for origin, _ in wanted if origin in closed})
    if not origins:
        return numbers
    query = select(  # only the documents' list of each statement, not its lines
        StatementRow.period,
        StatementRow.party_id,
        json_member(session, StatementRow.document, "documents"),
    ).where(
        col(StatementRow.party_type) == "brand",
        col(StatementRow.period).in_(origins),
        col(StatementRow.party_id).in_(sorted({brand for _, brand in wanted})),
    )
    for origin, brand, listed in sorted(tuple(row) for row in session.execute(query)):
        if (origin, brand) not in wanted:
            continue
        if isinstance(listed, list):
            doc: dict[str, Any] = {"documents": listed}
        else:  # a statement issued before brands had credit notes
            row = session.get(StatementRow, (origin, "brand", brand))
            doc = json.loads(row.document) if row is not None else {}
        for document in brand_documents_of(doc):
            issuer = (document.get("issuer") or {}).get("id") or "*"
            if document.get("number"):
                numbers[(origin, issuer, brand, document["currency"])] = document["number"]
    return numbers


def _previous_payouts(session: Session, period: str) -> dict[tuple[str, str], PreviousPayout]:
    """(party type, id) -> the payee's latest payout that a confirmed run of an earlier period
    paid."""
    query = (
        select(PayoutRunRow)
        .where(col(PayoutRunRow.state) == "confirmed", col(PayoutRunRow.period) < period)
        .order_by(col(PayoutRunRow.period), col(PayoutRunRow.number))
    )
    found: dict[tuple[str, str], PreviousPayout] = {}
    for run in session.exec(query):
        for t in json.loads(run.transfers):
            found[(t["party_type"], t["party"])] = {
                "period": run.period,
                "statement": t["statement"],
                "run": run.id,
                "amount": t["amount"],
                "currency": t["currency"],
                "paid_on": run.paid_on.isoformat() if run.paid_on else "",
            }
    return found


def _numbers(session: Session, period: str, plans: list[Plan]) -> dict[tuple[str, str, str], str]:
    """Number every document of a closing period from its series' counter (``take``)."""
    names = [series(plan, period) for plan in plans]
    return {
        plan.key: number(name, n)
        for plan, name, n in zip(plans, names, take(session, names), strict=True)
    }


def _self_numbers(session: Session, period: str, bills: Sequence[SelfBill]) -> dict[str, str]:
    """Number each talent's self-billed document of a closing period (SPEC 4.3.2)."""
    names = [self_billing.series(bill, period) for bill in bills]
    return {
        bill.talent.id: number(name, n)
        for bill, name, n in zip(bills, names, take(session, names), strict=True)
    }


def _store(
    workspace: Workspace, session: Session, settlement: Settlement, known: _Known, status: str
) -> dict[str, Any]:
    period = settlement.period
    stamp = now()
    plans = plan_documents(settlement, workspace.vat_rates)
    bills = settlement.self_bills
    if status == CLOSED:
        problems = invoice_problems(plans) + self_billing.problems(bills)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise LedgerError(f"period {period} not closed: {problems[0]}{more}")
    docs = build_documents(
        settlement,
        known.inputs.parties,
        status,
        stamp.date().isoformat(),
        workspace.issuer,
        _issued_numbers(session, settlement),
        plans,
        _numbers(session, period, plans) if status == CLOSED else {},
        _previous_payouts(session, period),
        _self_numbers(session, period, bills) if status == CLOSED else {},
    )
    session.exec(delete(ContractSettlementRow).where(col(ContractSettlementRow.period) == period))
    session.exec(delete(StatementRow).where(col(StatementRow.period) == period))
    rows = settlement_rows(settlement)
    if rows:
        session.execute(insert(ContractSettlementRow), rows)
    if docs:
        session.execute(
            insert(StatementRow),
            [
                {
                    "period": period,
                    "party_type": doc["party"]["type"],
                    "party_id": doc["party"]["id"],
                    "statement_id": doc["statement_id"],
                    "verification_code": doc["verification_code"],
                    "document": text,
                }
                for doc, text in docs
            ],
        )
    summary = summarize(settlement, status)
    row = _period_row(session, period) or PeriodRow(period=period, status=status, run_at=stamp)
    row.status = status
    row.run_at = stamp if status == "draft" else row.run_at
    row.closed_at = stamp if status == CLOSED else None
    row.batches = json.dumps(known.batches)
    row.contracts = json.dumps(known.revisions, sort_keys=True)
    row.events_rated = settlement.events_rated
    row.summary = json.dumps(summary)
    session.add(row)
    settled(session, period, status, settlement.exceptions, [doc for doc, _ in docs])
    _write_exceptions(workspace, period, settlement.exceptions)
    return summary


def run(
    workspace: Workspace, period: str, full: bool = False, engine: str | None = None
) -> dict[str, Any]:
    """Settle ``period`` as a draft from everything known now (re-runnable until closed).

    The events are measured incrementally from the latest close (``ledger.settlement.snapshot``);
    ``full`` measures every event file instead, with the same result. ``engine`` (``duckdb`` or
    ``spark``) overrides the workspace's ``engine`` setting; every engine gives the same result."""
    period = Period.parse(period)
    with checked_beside(workspace) as confirm:
        with reading(workspace.engine) as session:
            refuse_if_closed(session, period)
            known = _gather(workspace, session, period, full, engine=engine)
            before = closes(session)
        settlement = compute(known.inputs)
        confirm()
    with writing(workspace.engine) as session:
        _still(session, period, before)
        return _store(workspace, session, settlement, known, "draft")


def _still(session: Session, period: str, before: list[tuple[str, str]]) -> None:
    """Take the journal's lock (every settling and posting writer queues on it), then refuse
    when a period closed since ``before`` was read (another process's close): what was computed
    no longer holds."""
    lock(session)
    refuse_if_closed(session, period)
    closed = sorted(set(closes(session)) - set(before))
    if closed:
        raise DraftOutdated(
            f"period {closed[0][0]} was closed while {period} was being settled",
            period,
        )


def periods_with_usage(session: Session) -> set[str]:
    return {p for b in committed_batches(session) for p in json.loads(b.periods)}


def close(
    workspace: Workspace, period: str, full: bool = False, engine: str | None = None
) -> dict[str, Any]:
    """Make the reviewed draft of ``period`` final, post it to the journal and seal it; store
    its measured quantities for the next incremental settlement (``full``, ``engine`` as for
    `run`)."""
    period = Period.parse(period)
    with checked_beside(workspace) as confirm:
        with reading(workspace.engine) as session:
            refuse_if_closed(session, period)
            row = _period_row(session, period)
            if row is None:
                raise PeriodNotSettled(f"period {period} has no draft", period)
            open_before = sorted(
                p for p in periods_with_usage(session) if p < period and not is_closed(session, p)
            )
            if open_before:
                raise LedgerError(
                    f"period {open_before[0]} has usage and is not closed; close it before {period}"
                )
            known = _gather(workspace, session, period, full, closing=True, engine=engine)
            before = closes(session)
            closed_since = session.exec(
                select(PeriodRow.period).where(
                    PeriodRow.status == CLOSED, col(PeriodRow.closed_at) > row.run_at
                )
            ).first()
            adjusted_since = any(m.posted_at > iso(row.run_at) for m in known.inputs.manual)
            if (
                adjusted_since
                or assets_changed_since(session, row.run_at)
                or consents_changed_since(session, row.run_at)
                or known.batches != json.loads(row.batches)
                or known.revisions != json.loads(row.contracts)
                or closed_since is not None
            ):
                raise DraftOutdated(
                    f"period {period} changed since its draft (new batches, contract revisions, "
                    "adjustments, verified assets, consents or closed periods)",
                    period,
                )
        settlement = compute(known.inputs)
        confirm()
    sealed: list[Path] = []
    try:
        with writing(workspace.engine) as session:
            _still(session, period, before)
            current = _period_row(session, period)
            if current is None or current.run_at != row.run_at:
                raise DraftOutdated(f"period {period} was run again while closing", period)
            summary = _store(workspace, session, settlement, known, CLOSED)
            post_settlement(session, settlement, plan_documents(settlement, workspace.vat_rates))
            if settlement.measured is not None:
                store_snapshot(
                    workspace,
                    session,
                    period,
                    settlement.measured,
                    settlement.first_renders,
                    known.inputs.parties,
                    economics_terms(known.inputs.contracts, known.inputs.parties),
                )
            session.flush()
            sealed = seal_period(workspace, session, period)
    except BaseException:
        for path in sealed:
            path.unlink(missing_ok=True)
        raise
    return summary


def reopen(workspace: Workspace, period: str) -> dict[str, Any]:
    """Discard the draft of ``period``; a closed period is final and is refused."""
    period = Period.parse(period)
    with writing(workspace.engine) as session:
        refuse_if_closed(session, period)
        row = _period_row(session, period)
        if row is None:
            raise LedgerError(f"period {period} is open already (no draft to discard)")
        session.exec(
            delete(ContractSettlementRow).where(col(ContractSettlementRow.period) == period)
        )
        session.exec(delete(StatementRow).where(col(StatementRow.period) == period))
        session.delete(row)
    workspace.path("settlements", period, "exceptions.parquet").unlink(missing_ok=True)
    return {"period": period, "status": "open"}


def status(workspace: Workspace, period: str) -> dict[str, Any]:
    period = Period.parse(period)
    with reading(workspace.engine) as session:
        row = _period_row(session, period)
        if row is None:
            return {"period": period, "status": "open"}
        summary = json.loads(row.summary)
        summary |= {
            "status": row.status,
            "run_at": iso(row.run_at),
            "closed_at": iso(row.closed_at) if row.closed_at else None,
            "batches": len(json.loads(row.batches)),
        }
        return summary
