"""What `journal export` writes, gathered from the books: every journal entry of the periods
asked for, with the day it was posted and the document it books (statement, invoice or credit
note number, or payout run), and each account's place in a chart of accounts when one is given.
Rendering (beancount, CSV) is ``reports.journal_export``'s job."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from ledger.accounting.chart import ChartAccount, load_chart
from ledger.accounting.names import beancount_account
from ledger.errors import LedgerError
from ledger.journal import JournalEntry, load_entries
from ledger.settlement.documents import brand_documents_of
from ledger.storage.db import reading
from ledger.storage.tables import JournalEntryRow, PayoutRunRow, StatementRow
from ledger.workspace import Workspace


@dataclass(frozen=True)
class ExportEntry:
    entry: JournalEntry
    posted_on: date  # the day it was posted; for a payout run's confirmation, the day paid
    document: str  # the number of the document the entry books ("" when none)


@dataclass(frozen=True)
class Export:
    entries: tuple[ExportEntry, ...]
    beancount_names: Mapping[str, str]  # twinledger account -> beancount account
    chart: Mapping[str, ChartAccount] | None  # twinledger account -> chart entry, if mapped

    @property
    def accounts(self) -> list[str]:
        return sorted({p.account for e in self.entries for p in e.entry.postings})


def gather(
    workspace: Workspace,
    first: str | None = None,
    last: str | None = None,
    accounts_file: Path | None = None,
) -> Export:
    chart = load_chart(accounts_file) if accounts_file is not None else None
    with reading(workspace.engine) as session:
        days = _posted_on(session)
        paid = _paid_on(session)
        numbers = _document_numbers(session)
        chosen = [
            e
            for e in load_entries(session)
            if (first is None or e.period >= first) and (last is None or e.period <= last)
        ]
    entries = tuple(
        ExportEntry(e, paid.get(e.reference, days[e.seq]), document_number(e, numbers))
        for e in chosen
    )
    accounts = sorted({p.account for e in chosen for p in e.postings})
    names = {account: beancount_account(account) for account in accounts}
    _refuse_clashes(names)
    mapped = chart.resolve(accounts, accounts_file) if chart and accounts_file else None
    return Export(entries, names, mapped)


def _refuse_clashes(names: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for account, name in names.items():
        other = seen.setdefault(name, account)
        if other != account:
            raise LedgerError(
                f"journal accounts {other} and {account} would both be {name} in beancount"
            )


def _posted_on(session: Session) -> dict[int, date]:
    query = select(col(JournalEntryRow.seq), col(JournalEntryRow.posted_at))
    return {seq: posted_at.date() for seq, posted_at in session.exec(query)}


def _paid_on(session: Session) -> dict[str, date]:
    """The reference of each confirmed payout run's confirmation -> the day the bank paid."""
    query = select(col(PayoutRunRow.id), col(PayoutRunRow.paid_on)).where(
        col(PayoutRunRow.paid_on).is_not(None)
    )
    return {
        f"{run_id}:confirm": paid_on
        for run_id, paid_on in session.exec(query)
        if paid_on is not None
    }


Numbers = dict[tuple[str, str, str], str]


def _document_numbers(session: Session) -> Numbers:
    """(period, party type, party id) -> statement number; for brands (period, "brand:CCY",
    brand id) -> the invoice or credit note number of that currency."""
    numbers: Numbers = {}
    for row in session.exec(select(StatementRow)):
        numbers[(row.period, row.party_type, row.party_id)] = row.statement_id
        if row.party_type == "brand":
            for doc in brand_documents_of(json.loads(row.document)):
                key = (row.period, f"brand:{doc.get('currency')}", row.party_id)
                numbers[key] = str(doc.get("number"))
    return numbers


def document_number(entry: JournalEntry, numbers: Numbers) -> str:
    """The document an entry books: a settlement the brand's invoice or credit note, a payout
    the payee's statement, a payout run its run id; "" for others (adjustments)."""
    if entry.kind == "settlement":
        for p in entry.postings:
            kind, party = p.account.split(":")[:2]
            if kind == "brand":
                return numbers.get((entry.period, f"brand:{p.currency}", party), "")
        return ""
    if entry.kind == "payout":
        parts = entry.reference.split(":")  # PERIOD:payout:KIND:ID
        if len(parts) == 4:
            return numbers.get((entry.period, parts[2], parts[3]), "")
        return ""
    if entry.kind.startswith("payout_run"):
        return entry.reference.split(":")[0]
    return ""
