"""Which transfer each payee gets (pure): EUR payees with a valid IBAN go into the SEPA file,
every other payee into the manual list with the reason."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ledger.money import format_amount
from ledger.refdata.bank import iban_problem, in_sepa_zone

SEPA_CURRENCY = "EUR"
END_TO_END_MAX = 35  # characters of a pain.001 EndToEndId
_SEPA_TEXT = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")


@dataclass(frozen=True)
class Payable:
    """What a closed statement says is payable to one payee (SPEC 4.3), with its bank details."""

    statement: str  # the statement number, e.g. ST-2026-10-T-liv-s
    party_type: str  # talent | agency
    party_id: str
    name: str
    currency: str
    amount: Decimal  # > 0
    iban: str | None
    bic: str | None


@dataclass(frozen=True)
class Transfer:
    payable: Payable
    method: str  # sepa | manual
    end_to_end_id: str
    reason: str | None  # why it is paid by hand (None for SEPA)

    def as_dict(self) -> dict[str, str | None]:
        p = self.payable
        return {
            "statement": p.statement,
            "party_type": p.party_type,
            "party": p.party_id,
            "name": p.name,
            "currency": p.currency,
            "amount": format_amount(p.amount, p.currency),
            "method": self.method,
            "end_to_end_id": self.end_to_end_id,
            "iban": p.iban,
            "bic": p.bic,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Plan:
    period: str
    transfers: tuple[Transfer, ...]

    @property
    def sepa(self) -> list[Transfer]:
        return [t for t in self.transfers if t.method == "sepa"]

    @property
    def manual(self) -> list[Transfer]:
        return [t for t in self.transfers if t.method == "manual"]

    @property
    def totals(self) -> dict[str, Decimal]:
        return totals(t.payable for t in self.transfers)


def totals(payables: Iterable[Payable]) -> dict[str, Decimal]:
    """Amount per currency, in currency order."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for p in payables:
        sums[p.currency] += p.amount
    return dict(sorted(sums.items()))


def end_to_end_id(statement: str) -> str:
    """The statement number when it fits a pain.001 EndToEndId (35 characters of the SEPA
    set); else its first characters and 8 hex digits of its sha256, so it stays unique."""
    if len(statement) <= END_TO_END_MAX and _SEPA_TEXT.fullmatch(statement):
        return statement
    digest = hashlib.sha256(statement.encode()).hexdigest()[:8]
    head = re.sub(r"[^A-Za-z0-9/\-?:().,'+ ]", "-", statement)[: END_TO_END_MAX - 9]
    return f"{head}-{digest}"


def manual_reason(payable: Payable) -> str | None:
    """Why a payable cannot go into the SEPA file (None: it can)."""
    if payable.currency != SEPA_CURRENCY:
        return f"paid in {payable.currency}: SEPA credit transfers are in EUR only"
    if payable.iban is None:
        return f"{payable.party_type} {payable.party_id} has no IBAN"
    problem = iban_problem(payable.iban)
    if problem is not None:
        return f"{payable.party_type} {payable.party_id} iban: {problem}"
    if not in_sepa_zone(payable.iban):
        return (
            f"{payable.party_type} {payable.party_id} iban: {payable.iban} is outside the SEPA zone"
        )
    return None


def plan(period: str, payables: Iterable[Payable]) -> Plan:
    """One transfer per payable, in statement order."""
    transfers = []
    for p in sorted(payables, key=lambda p: p.statement):
        if p.amount <= 0:
            continue
        reason = manual_reason(p)
        transfers.append(
            Transfer(p, "manual" if reason else "sepa", end_to_end_id(p.statement), reason)
        )
    return Plan(period, tuple(transfers))


def totals_text(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    return {ccy: format_amount(value, ccy) for ccy, value in amounts.items()}
