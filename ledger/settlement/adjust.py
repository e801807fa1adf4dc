"""Manual adjustments (`twinledger adjust`): a reasoned, balanced posting into an open period.

An adjustment changes what a party is owed: a talent's or agency's payable (positive = owed more
to them) or a brand's receivable (positive = the brand owes more). The other side of the posting
is ``adjustments:manual`` unless another account is named. It lands in the party's statement of
that period, with who made it and why; a closed period never takes one.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from ledger.errors import LedgerError
from ledger.journal import Posting, load_entries, post
from ledger.money import (
    MAX_AMOUNT,
    MoneyError,
    dec,
    format_amount,
    is_currency,
    round_money,
    shorten,
)
from ledger.settlement.compute import ManualAdjustment
from ledger.settlement.periods import check_period
from ledger.storage.db import writing
from ledger.storage.repo import iso, load_parties
from ledger.storage.tables import JournalEntryRow, PeriodRow
from ledger.workspace import Workspace

COUNTER_ACCOUNT = "adjustments:manual"
MAX_NOTE = 500
"""Characters of an adjustment's reason and of who made it."""


def _party_account(session: Session, party: str, currency: str) -> tuple[str, bool]:
    """The party's account, and whether a positive amount credits it."""
    parties = load_parties(session)
    for talent in parties.talents:
        if talent.id == party:
            if currency != talent.payout_currency:
                raise LedgerError(
                    f"talent {party} is paid in {talent.payout_currency}, not {currency}"
                )
            return f"talent:{party}:payable", True
    for agency in parties.agencies:
        if agency.id == party:
            if currency != agency.currency:
                raise LedgerError(f"agency {party} is paid in {agency.currency}, not {currency}")
            return f"agency:{party}:payable", True
    if any(b.id == party for b in parties.brands):
        return f"brand:{party}:receivable", False
    raise LedgerError(f"unknown party {party!r}")


def adjust(
    workspace: Workspace,
    period: str,
    party: str,
    amount: str,
    currency: str,
    reason: str,
    by: str,
    against: str = COUNTER_ACCOUNT,
) -> ManualAdjustment:
    check_period(period)
    if not reason.strip() or not by.strip():
        raise LedgerError("an adjustment needs a reason (--reason) and who makes it (--by)")
    for noun, text in (("reason", reason), ("maker's name", by)):
        if len(text.strip()) > MAX_NOTE:
            raise LedgerError(
                f"an adjustment's {noun} is {len(text.strip())} characters; at most {MAX_NOTE}"
            )
    if not is_currency(currency):
        raise LedgerError(f"unknown currency {currency!r} (not an ISO 4217 code)")
    try:
        value = dec(amount)
    except MoneyError as exc:
        raise LedgerError(f"--amount: {exc}") from None
    if abs(value) > MAX_AMOUNT:
        raise LedgerError(
            f"an adjustment is at most {MAX_AMOUNT} either way, not {shorten(amount)}"
        )
    if value == 0 or round_money(value, currency) != value:
        raise LedgerError(
            f"--amount must be non-zero and in {currency}'s minor units, e.g. "
            f"{format_amount(Decimal('12.5'), currency)}"
        )
    with writing(workspace.engine) as session:
        row = session.get(PeriodRow, period)
        if row is not None and row.status == "closed":
            raise LedgerError(f"period {period} is closed; adjust the next open period instead")
        later = session.exec(
            select(PeriodRow.period).where(PeriodRow.status == "closed", PeriodRow.period > period)
        ).first()
        if later:
            raise LedgerError(f"period {period} precedes closed period {later}")
        account, credit = _party_account(session, party, currency)
        signed = -value if credit else value
        memo = json.dumps(
            {"party": party, "reason": reason.strip(), "by": by.strip()},
            ensure_ascii=False,
            sort_keys=True,
        )
        count = len(
            session.exec(
                select(JournalEntryRow.seq).where(
                    JournalEntryRow.period == period, JournalEntryRow.kind == "adjustment"
                )
            ).all()
        )
        entry = post(
            session,
            period,
            "adjustment",
            f"{period}:adjust:{count + 1}",
            memo,
            [Posting(account, currency, signed), Posting(against, currency, -signed)],
        )
        posted = session.get(JournalEntryRow, entry.seq)
        assert posted is not None
        return ManualAdjustment(
            party, account, currency, value, reason.strip(), by.strip(), iso(posted.posted_at)
        )


def manual_adjustments(session: Session, period: str) -> list[ManualAdjustment]:
    """The manual adjustments posted into ``period``, in posting order."""
    result = []
    posted_at = {
        r.seq: iso(r.posted_at)
        for r in session.exec(select(JournalEntryRow).where(JournalEntryRow.period == period))
    }
    for entry in load_entries(session):
        if entry.period != period or entry.kind != "adjustment":
            continue
        memo: dict[str, Any] = json.loads(entry.memo)
        own = next(
            p
            for p in entry.postings
            if p.account.split(":")[1] == memo["party"] and p.account != COUNTER_ACCOUNT
        )
        amount = -own.amount if own.account.endswith(":payable") else own.amount
        result.append(
            ManualAdjustment(
                memo["party"],
                own.account,
                own.currency,
                amount,
                memo["reason"],
                memo["by"],
                posted_at[entry.seq],
            )
        )
    return result
