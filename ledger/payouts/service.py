"""Payout runs at the storage edge: `payouts create|cancel|confirm|list` (SPEC 4.4, 6).

A run is created from a closed period's talent and agency statements (their ``payable``), writes
its files whole or not at all, is recorded in ``payout_runs`` and posts ``payouts:due`` ->
``payouts:in-transit`` per currency, in one transaction. Cancelling (only before confirmation)
posts the reverse; confirming posts ``payouts:in-transit`` -> ``bank:<payer>``. A period has at
most one run that is not cancelled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.domain import Agency, Talent
from ledger.errors import LedgerError
from ledger.journal import PAYOUTS_DUE, PAYOUTS_IN_TRANSIT, Posting, lock, post
from ledger.money import format_amount
from ledger.outfiles import write_whole
from ledger.payouts.files import manual_csv, sepa_xml
from ledger.payouts.plan import Payable, Plan, Transfer, plan, totals_text
from ledger.period import Period
from ledger.storage.db import reading, writing
from ledger.storage.events import file_sha256
from ledger.storage.periods import is_closed
from ledger.storage.repo import iso, load_parties, now
from ledger.storage.tables import JournalEntryRow, PayoutRunRow, PostingRow, StatementRow
from ledger.webhooks.outbox import enqueue
from ledger.workspace import SETTINGS_FILE, Workspace

CREATED, CANCELLED, CONFIRMED = "created", "cancelled", "confirmed"
KIND_CREATE, KIND_CANCEL, KIND_CONFIRM = "payout_run", "payout_run_cancel", "payout_run_confirm"
LEGACY_BANK = "bank:payouts"  # where closes before payout runs posted payables, as if paid


def payables(session: Session, period: str) -> list[Payable]:
    """Every closed talent and agency statement of ``period`` with a payable above zero."""
    parties = load_parties(session)
    payees: dict[tuple[str, str], Talent | Agency] = {("talent", t.id): t for t in parties.talents}
    payees |= {("agency", a.id): a for a in parties.agencies}
    found = []
    query = select(StatementRow).where(
        col(StatementRow.period) == period, col(StatementRow.party_type).in_(["talent", "agency"])
    )
    for row in session.exec(query):
        doc = json.loads(row.document)
        amount = Decimal(doc["summary"]["payable"])
        if amount <= 0:
            continue
        payee = payees.get((row.party_type, row.party_id))
        found.append(
            Payable(
                statement=row.statement_id,
                party_type=row.party_type,
                party_id=row.party_id,
                name=str(doc["party"]["name"]),
                currency=str(doc["currency"]),
                amount=amount,
                iban=payee.iban if payee else None,
                bic=payee.bic if payee else None,
            )
        )
    return found


def _paid_at_close(session: Session, period: str) -> bool:
    """Whether the period was closed before payout runs existed (its payouts went to the bank)."""
    query = (
        select(col(PostingRow.id))
        .join(JournalEntryRow, col(JournalEntryRow.seq) == col(PostingRow.entry_seq))
        .where(
            col(JournalEntryRow.period) == period,
            col(JournalEntryRow.kind) == "payout",
            col(PostingRow.account) == LEGACY_BANK,
        )
        .limit(1)
    )
    return session.exec(query).first() is not None


def _runs(session: Session, period: str | None = None) -> list[PayoutRunRow]:
    query = select(PayoutRunRow).order_by(col(PayoutRunRow.period), col(PayoutRunRow.number))
    if period is not None:
        query = query.where(col(PayoutRunRow.period) == period)
    return list(session.exec(query))


def _moves(amounts: Mapping[str, Decimal], debit: str, credit: str) -> list[Posting]:
    postings = []
    for ccy, amount in amounts.items():
        postings += [Posting(debit, ccy, amount), Posting(credit, ccy, -amount)]
    return postings


def run_totals(row: PayoutRunRow) -> dict[str, Decimal]:
    return {ccy: Decimal(v) for ccy, v in json.loads(row.totals).items()}


@dataclass(frozen=True)
class _Files:
    sepa: Path | None
    manual: Path | None
    data: dict[Path, bytes]


def _render(
    workspace: Workspace, run_id: str, the_plan: Plan, execution: date, out: Path
) -> _Files:
    payer = workspace.payer
    assert payer is not None
    data: dict[Path, bytes] = {}
    sepa = manual = None
    if the_plan.sepa:
        sepa = out / f"{run_id}.xml"
        data[sepa] = sepa_xml(run_id, the_plan.period, payer, execution, the_plan.sepa)
    if the_plan.manual:
        manual = out / f"{run_id}-manual.csv"
        data[manual] = manual_csv(the_plan.manual)
    for path in data:
        if path.exists():
            raise LedgerError(f"{path}: exists already; payout files are never overwritten")
    return _Files(sepa, manual, data)


def create(
    workspace: Workspace,
    period: str,
    out: Path | None = None,
    execution_date: date | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Create the payout run of a closed period; refused (nothing written) when the period is
    not closed, already has a run that is not cancelled, the execution date is past, or the
    workspace names no payer."""
    period = Period.parse(period)
    today = today or now().date()
    execution = execution_date or today
    if execution < today:
        raise LedgerError(f"execution date {execution} is in the past (today is {today})")
    payer = workspace.payer
    if payer is None:
        raise LedgerError(
            f"{workspace.root / SETTINGS_FILE}: no [payer] (name, iban, bic): the account "
            "that pays is not set"
        )
    out = out or workspace.path("payouts", period)
    written: list[Path] = []
    try:
        with writing(workspace.engine) as session:
            lock(session)  # one writer at a time decides the period's run
            if not is_closed(session, period):
                raise LedgerError(f"period {period} is not closed; only a closed period is paid")
            if _paid_at_close(session, period):
                raise LedgerError(
                    f"period {period} was closed before payout runs: its close posted the "
                    f"payables as paid ({LEGACY_BANK})"
                )
            runs = _runs(session, period)
            for row in runs:
                if row.state != CANCELLED:
                    raise LedgerError(
                        f"period {period} already has payout run {row.id} ({row.state}); "
                        "cancel it before creating another"
                    )
            number = max((r.number for r in runs), default=0) + 1
            run_id = f"PR-{period}-{number}"
            the_plan = plan(period, payables(session, period))
            if not the_plan.transfers:
                raise LedgerError(f"period {period} has nothing payable")
            files = _render(workspace, run_id, the_plan, execution, out)
            totals = the_plan.totals
            post(
                session,
                period,
                KIND_CREATE,
                run_id,
                f"payout run {run_id}: payables of {period} sent to the bank",
                _moves(totals, PAYOUTS_DUE, PAYOUTS_IN_TRANSIT),
            )
            shas = {path: _sha(data) for path, data in files.data.items()}
            row = PayoutRunRow(
                id=run_id,
                period=period,
                number=number,
                state=CREATED,
                execution_date=execution,
                created_at=now(),
                payer_account=payer.account,
                sepa_file=_stored(workspace, files.sepa),
                sepa_sha256=shas.get(files.sepa) if files.sepa else None,
                manual_file=_stored(workspace, files.manual),
                manual_sha256=shas.get(files.manual) if files.manual else None,
                transfers=json.dumps([t.as_dict() for t in the_plan.transfers]),
                totals=json.dumps(totals_text(totals)),
            )
            session.add(row)
            session.flush()
            for t in the_plan.transfers:
                p = t.payable
                enqueue(session, p.party_type, p.party_id, "payout.created", _announced(row, t))
            written = write_whole(files.data)
            for path in written:
                if file_sha256(path) != shas[path]:
                    raise LedgerError(f"{path}: was changed while it was written")
            doc = describe(row)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return doc


def _announced(row: PayoutRunRow, transfer: Transfer) -> dict[str, Any]:
    """What the ``payout.created`` message tells a payee about its transfer."""
    doc = transfer.as_dict()
    return {
        "run": row.id,
        "period": row.period,
        "execution_date": row.execution_date.isoformat(),
        "statement": doc["statement"],
        "currency": doc["currency"],
        "amount": doc["amount"],
        "method": doc["method"],
        "end_to_end_id": doc["end_to_end_id"],
    }


def _stored(workspace: Workspace, path: Path | None) -> str | None:
    """A file inside the workspace relative to it (the folder moves whole); others absolute."""
    if path is None:
        return None
    resolved = path.resolve()
    if resolved.is_relative_to(workspace.root):
        return workspace.relative(resolved)
    return str(resolved)


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _the_run(session: Session, run_id: str) -> PayoutRunRow:
    row = session.get(PayoutRunRow, run_id)
    if row is None:
        raise LedgerError(f"unknown payout run {run_id!r}")
    return row


def cancel(workspace: Workspace, run_id: str) -> dict[str, Any]:
    """Cancel a run that is not confirmed: post in-transit -> due back."""
    with writing(workspace.engine) as session:
        lock(session)
        row = _the_run(session, run_id)
        if row.state != CREATED:
            raise LedgerError(
                f"payout run {run_id} is {row.state}; only a created run can be cancelled"
            )
        post(
            session,
            row.period,
            KIND_CANCEL,
            f"{run_id}:cancel",
            f"payout run {run_id} cancelled: payables of {row.period} due again",
            _moves(run_totals(row), PAYOUTS_IN_TRANSIT, PAYOUTS_DUE),
        )
        row.state, row.cancelled_at = CANCELLED, now()
        session.add(row)
        session.flush()
        return describe(row)


def confirm(
    workspace: Workspace, run_id: str, paid_on: date | None = None, today: date | None = None
) -> dict[str, Any]:
    """The bank has paid the run: post in-transit -> bank:<payer>."""
    today = today or now().date()
    paid_on = paid_on or today
    with writing(workspace.engine) as session:
        lock(session)
        row = _the_run(session, run_id)
        if row.state != CREATED:
            raise LedgerError(
                f"payout run {run_id} is {row.state}; only a created run can be confirmed"
            )
        if paid_on > today:
            raise LedgerError(f"paid on {paid_on} is in the future (today is {today})")
        if paid_on < row.created_at.date():
            raise LedgerError(f"paid on {paid_on} is before the run was created")
        post(
            session,
            row.period,
            KIND_CONFIRM,
            f"{run_id}:confirm",
            f"payout run {run_id} paid on {paid_on.isoformat()}",
            _moves(run_totals(row), PAYOUTS_IN_TRANSIT, row.payer_account),
        )
        row.state, row.confirmed_at, row.paid_on = CONFIRMED, now(), paid_on
        session.add(row)
        session.flush()
        return describe(row)


def list_runs(workspace: Workspace) -> list[dict[str, Any]]:
    with reading(workspace.engine) as session:
        return [describe(row) for row in _runs(session)]


def describe(row: PayoutRunRow) -> dict[str, Any]:
    transfers = json.loads(row.transfers)
    sepa = [t for t in transfers if t["method"] == "sepa"]
    sepa_total = sum((Decimal(t["amount"]) for t in sepa), Decimal(0))
    return {
        "run": row.id,
        "period": row.period,
        "state": row.state,
        "execution_date": row.execution_date.isoformat(),
        "created_at": iso(row.created_at),
        "cancelled_at": iso(row.cancelled_at) if row.cancelled_at else None,
        "confirmed_at": iso(row.confirmed_at) if row.confirmed_at else None,
        "paid_on": row.paid_on.isoformat() if row.paid_on else None,
        "payer_account": row.payer_account,
        "sepa": {
            "file": row.sepa_file,
            "sha256": row.sepa_sha256,
            "transactions": len(sepa),
            "control_sum": format_amount(sepa_total, "EUR"),
        },
        "manual": {
            "file": row.manual_file,
            "sha256": row.manual_sha256,
            "payments": len(transfers) - len(sepa),
        },
        "totals": json.loads(row.totals),
        "transfers": transfers,
    }
