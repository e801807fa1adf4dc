"""`audit verify`: check every invariant of the books and that nothing was altered outside.

1. the journal's hash chain is intact and every entry balances per currency;
2. per closed period and contract currency, brand charges = talent + agency + withholding + VAT
   credits (through `fx:clearing` where a payout currency differs), signs kept; and the VAT
   payable of each issuer and country equals the VAT of the invoices and credit notes issued;
3. every issued statement still hashes to its verification code, and each closed talent and
   agency statement's payable is never negative and equals the payout posted to the journal;
4. the books still match the seals of their closed periods (``ledger.seal_check``);
5. each payout run's journal entries match its state and totals, and a run not cancelled pays
   exactly its period's payables (``ledger.payouts.audit``);
6. with ``deep``, every event file, batch count and closed month re-checked from the events
   themselves (``ledger.audit_deep``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger import seal_check
from ledger.journal import JournalEntry, anchored_head, load_entries, verify_chain
from ledger.money import format_amount
from ledger.payouts import audit as payouts_audit
from ledger.settlement.documents import brand_documents_of, verification_code
from ledger.settlement.snapshot import payables_problems
from ledger.storage.db import reading
from ledger.storage.periods import closed_periods
from ledger.storage.tables import StatementRow
from ledger.workspace import Workspace

CREDITED = ("talent", "agency", "withholding", "fx", "vat")


def _conservation(session: Session, entries: Sequence[JournalEntry]) -> list[str]:
    """Per closed period and currency, the brand charges of settlement entries equal the talent,
    agency and withholding credits (through ``fx:clearing`` where a payout currency differs),
    signs kept: a clawback is a negative charge matched by negative credits."""
    closed = set(closed_periods(session))
    problems = []
    charged: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    credited: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.kind != "settlement" or entry.period not in closed:
            continue
        for p in entry.postings:
            key = (entry.period, p.currency)
            kind = p.account.split(":")[0]
            if kind == "brand":
                charged[key] += p.amount
            elif kind in CREDITED:
                credited[key] -= p.amount
            else:
                problems.append(
                    f"journal entry {entry.seq} ({entry.reference}) posts to {p.account}, "
                    "which a settlement never uses"
                )
    for key in sorted(set(charged) | set(credited)):
        if charged[key] != credited[key]:
            problems.append(
                f"period {key[0]} {key[1]}: brand charges {charged[key]} differ from talent, "
                f"agency, withholding and VAT credits {credited[key]}"
            )
    return problems


def _vat(session: Session, entries: Sequence[JournalEntry]) -> list[str]:
    """Per issuer, country and currency, the VAT credited by settlements equals the VAT of the
    closed brand documents (an invoice's VAT counts up, a credit note's down); per agency, the
    input VAT debited equals the VAT of its talents' closed self-billed documents."""
    closed = set(closed_periods(session))
    posted: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    deducted: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.kind == "settlement" and entry.period in closed:
            for p in entry.postings:
                if p.account.startswith("vat:") and p.account.endswith(":payable"):
                    _, issuer, country = p.account.split(":")[:3]
                    posted[(issuer, country, p.currency)] -= p.amount
                elif p.account.startswith("vat:"):
                    _, customer, country = p.account.split(":")[:3]
                    deducted[(customer, country, p.currency)] += p.amount
    invoiced: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in session.exec(select(StatementRow).where(StatementRow.party_type == "brand")):
        if row.period not in closed:
            continue
        for document in brand_documents_of(json.loads(row.document)):
            sign = -1 if document.get("document") == "credit_note" else 1
            for line in document.get("vat") or []:
                if Decimal(line["amount"]):
                    key = (
                        document["issuer"]["id"],
                        document.get("vat_country") or "",
                        document["currency"],
                    )
                    invoiced[key] += sign * Decimal(line["amount"])
    self_billed: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in session.exec(select(StatementRow).where(StatementRow.party_type == "talent")):
        bill = json.loads(row.document).get("self_billing") if row.period in closed else None
        if bill:
            sign = -1 if bill["document"] == "credit_note" else 1
            key = (bill["buyer"]["id"], bill["vat_country"], bill["currency"])
            self_billed[key] += sum(sign * Decimal(line["amount"]) for line in bill["vat"])
    return [
        f"VAT payable of {key[0]} in {key[1]} ({key[2]}) is "
        f"{format_amount(posted[key], key[2])} in the journal but "
        f"{format_amount(invoiced[key], key[2])} on the invoices and credit notes issued"
        for key in sorted(set(posted) | set(invoiced))
        if posted[key] != invoiced[key]
    ] + [
        f"input VAT of {key[0]} in {key[1]} ({key[2]}) is "
        f"{format_amount(deducted[key], key[2])} in the journal but "
        f"{format_amount(self_billed[key], key[2])} on the self-billed invoices issued"
        for key in sorted(set(deducted) | set(self_billed))
        if deducted[key] != self_billed[key]
    ]


def _statements(session: Session, entries: Sequence[JournalEntry]) -> list[str]:
    problems = []
    payouts: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.kind == "payout":
            for p in entry.postings:
                kind, party = p.account.split(":")[:2]
                if kind in ("talent", "agency"):
                    payouts[(entry.period, kind, party)] += p.amount
    closed = set(closed_periods(session))
    for row in session.exec(select(StatementRow)):
        doc = json.loads(row.document)
        if (
            verification_code(doc) != row.verification_code
            or doc.get("verification_code") != row.verification_code
        ):
            problems.append(
                f"statement {row.statement_id} was altered: its verification code "
                "no longer matches its data"
            )
            continue
        if row.period in closed and row.party_type in ("talent", "agency"):
            payable = Decimal(doc["summary"]["payable"])
            posted = payouts.get((row.period, row.party_type, row.party_id), Decimal(0))
            if payable < 0:
                problems.append(f"statement {row.statement_id} says payable {payable}")
            elif payable != posted:
                problems.append(
                    f"statement {row.statement_id} says payable {payable} but the "
                    f"journal paid {posted}"
                )
    return problems


def tampering(workspace: Workspace, engine: Engine | None = None) -> list[str]:
    """The checks a settlement runs first, over what it reads: the seals of closed periods, the
    journal's hash chain and the payable balances the latest close kept for the next opening
    balances (one line per problem; empty = none). When every seal holds and the
    entries up to the latest one's journal head still have the digest it sealed, the chain is
    verified from that head on; otherwise from its first entry, as `audit verify` always does.
    ``engine`` reads the books instead of the workspace's own."""
    with reading(engine or workspace.engine) as session:
        sealed, bodies = seal_check.inspect(workspace, session)
        anchor = None if sealed or not bodies else anchored_head(session, bodies[-1]["journal"])
        return verify_chain(session, anchor) + sealed + payables_problems(session)


def verify(workspace: Workspace, deep: bool = False) -> dict[str, object]:
    """Every problem found, one line each (``ok`` when there is none)."""
    with reading(workspace.engine) as session:
        journal = load_entries(session)  # read once, for every check below
        problems = verify_chain(session)
        problems += _conservation(session, journal)
        problems += _vat(session, journal)
        problems += _statements(session, journal)
        problems += seal_check.check(workspace, session)
        problems += payables_problems(session)
        problems += payouts_audit.check(session)
        entries = len(journal)
    if deep:
        from ledger.audit_deep import check_deep

        problems += check_deep(workspace)
    return {"ok": not problems, "entries": entries, "problems": problems}
