"""Manual adjustments (`twinledger adjust`): a reasoned, balanced posting into an open period.

An adjustment changes what a party is owed: a talent's or agency's payable (positive = owed more
to them) or a brand's receivable (positive = the brand owes more). The other side of the posting
is ``adjustments:manual`` unless another account is named. It lands in the party's statement of
that period, with who made it and why; a closed period never takes one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.journal import Posting, load_entries, lock, post
from ledger.money import (
    MAX_AMOUNT,
    MoneyError,
    dec,
    format_amount,
    is_currency,
    round_money,
    shorten,
)
from ledger.period import Period
from ledger.settlement.compute import ManualAdjustment
from ledger.storage.db import writing
from ledger.storage.periods import refuse_if_closed
from ledger.storage.repo import iso, load_parties, now
from ledger.storage.tables import IdempotencyKeyRow, JournalEntryRow, PostingRow
from ledger.workspace import Workspace

COUNTER_ACCOUNT = "adjustments:manual"
MAX_NOTE = 500
"""Characters of an adjustment's reason and of who made it."""
MAX_KEY_LENGTH = 200


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


@dataclass(frozen=True)
class Adjusted:
    """The outcome of `adjust`: the adjustment, its journal reference and idempotency key, and
    whether it was posted now (``replayed`` = the key had already posted it; nothing new)."""

    adjustment: ManualAdjustment
    reference: str
    idempotency_key: str
    replayed: bool


class AlreadyAdjusted(LedgerError):
    """An identical adjustment (same period, party, amount, currency, reason, by and account)
    was already posted under a key derived from its arguments."""


def request_digest(
    period: str, party: str, amount: str, currency: str, reason: str, by: str, against: str
) -> str:
    """sha256 of an adjustment's arguments in canonical form (amount in minor units, reason and
    author stripped), so that the same request always has the same digest."""
    body = json.dumps(
        ["adjust", period, party, amount, currency, reason, by, against],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _check_key(key: str) -> str:
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise LedgerError(
            f"idempotency key {key!r} must be 1 to {MAX_KEY_LENGTH} printable characters"
        )
    return key


def adjust(
    workspace: Workspace,
    period: str,
    party: str,
    amount: str,
    currency: str,
    reason: str,
    by: str,
    against: str = COUNTER_ACCOUNT,
    idempotency_key: str | None = None,
    again: bool = False,
) -> Adjusted:
    """Post a manual adjustment once.

    Under an explicit ``idempotency_key``, a repeat with the same arguments answers the first
    result and posts nothing; the same key with other arguments is refused. Without one, the
    key is derived from the arguments and an identical second adjustment is refused
    (``AlreadyAdjusted``) unless ``again``. The key is stored in the transaction that posts the
    entry, under a unique constraint, so concurrent duplicates cannot both land.
    """
    period = Period.parse(period)
    if not reason.strip() or not by.strip():
        raise LedgerError("an adjustment needs a reason and the name of who makes it")
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
        raise LedgerError(f"the amount: {exc}") from None
    if abs(value) > MAX_AMOUNT:
        raise LedgerError(
            f"an adjustment is at most {MAX_AMOUNT} either way, not {shorten(amount)}"
        )
    if value == 0 or round_money(value, currency) != value:
        raise LedgerError(
            f"the amount must be non-zero and in {currency}'s minor units, e.g. "
            f"{format_amount(Decimal('12.5'), currency)}"
        )
    if idempotency_key is not None:
        _check_key(idempotency_key)
    reason, by = reason.strip(), by.strip()
    digest = request_digest(
        period, party, format_amount(value, currency), currency, reason, by, against
    )
    with writing(workspace.engine) as session:
        lock(session)  # the key look-up and the posting see one head of the journal
        if idempotency_key is not None:
            key = idempotency_key
            known = session.get(IdempotencyKeyRow, key)
            if known is not None:
                if known.command != "adjust" or known.request_sha256 != digest:
                    reference, _ = _ref(session, known)
                    raise LedgerError(
                        f"idempotency key {key!r} was already used for another request "
                        f"({reference}); nothing posted"
                    )
                return Adjusted(_posted(session, known.entry_seq), *_ref(session, known), True)
        else:
            same = session.exec(
                select(IdempotencyKeyRow).where(IdempotencyKeyRow.request_sha256 == digest)
            ).all()
            if same and not again:
                first = min(same, key=lambda r: r.entry_seq)
                reference, _ = _ref(session, first)
                raise AlreadyAdjusted(
                    f"an identical adjustment of {format_amount(value, currency)} {currency} "
                    f"to {party} in {period} was already posted ({reference}); nothing posted"
                )
            key = f"adjust-{digest[:32]}" + (f"-{len(same) + 1}" if same else "")
        refuse_if_closed(session, period, "adjust the next open period instead", "")
        account, credit = _party_account(session, party, currency)
        signed = -value if credit else value
        memo = json.dumps(
            {"party": party, "reason": reason, "by": by}, ensure_ascii=False, sort_keys=True
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
        session.add(
            IdempotencyKeyRow(
                key=key,
                command="adjust",
                request_sha256=digest,
                entry_seq=entry.seq,
                created_at=now(),
            )
        )
        session.flush()
        return Adjusted(_posted(session, entry.seq), entry.reference, key, False)


def _ref(session: Session, known: IdempotencyKeyRow) -> tuple[str, str]:
    entry = session.get(JournalEntryRow, known.entry_seq)
    assert entry is not None
    return entry.reference, known.key


def _posted(session: Session, seq: int) -> ManualAdjustment:
    """The adjustment journal entry ``seq`` posted, as it was posted."""
    row = session.get(JournalEntryRow, seq)
    assert row is not None
    postings = [
        Posting(p.account, p.currency, p.debit - p.credit)
        for p in session.exec(
            select(PostingRow).where(PostingRow.entry_seq == seq).order_by(col(PostingRow.line))
        )
    ]
    return _adjustment(row.memo, postings, iso(row.posted_at))


def _adjustment(memo_json: str, postings: list[Posting], posted_at: str) -> ManualAdjustment:
    memo: dict[str, Any] = json.loads(memo_json)
    own = next(
        p
        for p in postings
        if p.account.split(":")[1] == memo["party"] and p.account != COUNTER_ACCOUNT
    )
    amount = -own.amount if own.account.endswith(":payable") else own.amount
    return ManualAdjustment(
        memo["party"], own.account, own.currency, amount, memo["reason"], memo["by"], posted_at
    )


def manual_adjustments(session: Session, period: str) -> list[ManualAdjustment]:
    """The manual adjustments posted into ``period``, in posting order."""
    result = []
    posted_at = {
        r.seq: iso(r.posted_at)
        for r in session.exec(select(JournalEntryRow).where(JournalEntryRow.period == period))
    }
    for entry in load_entries(session, period, "adjustment"):
        result.append(_adjustment(entry.memo, list(entry.postings), posted_at[entry.seq]))
    return result
