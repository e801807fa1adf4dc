"""Advance: paid to the talent up front, recouped from the contract's earnings (SPEC 4.2 steps 6-7).

The advance is charged to the brand (and paid out) in the month containing ``paid_on``; an advance
dated outside the term is charged in the term's first or last month. From that month on, each
month's earnings first recoup what is still outstanding: recouped = min(outstanding, earned).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledger.domain import Advance, Contract, Terms
from ledger.economics.periods import period_of
from ledger.errors import Problem
from ledger.money import round_money


def validate(terms: Terms) -> list[Problem]:
    if terms.advance is not None and terms.advance.amount < 0:
        return [Problem(None, "advance", "amount", f"negative advance {terms.advance.amount}")]
    return []


def charge_month(advance: Advance, contract: Contract) -> str:
    """The month in which the advance is charged: that of ``paid_on``, clamped to the term."""
    return period_of(min(max(advance.paid_on, contract.start), contract.end))


def advance_paid(advance: Advance | None, contract: Contract, period: str) -> Decimal:
    """The advance charged in ``period`` (rounded; 0 except in its charge month)."""
    if advance is None or charge_month(advance, contract) != period:
        return round_money(Decimal(0), contract.currency)
    return round_money(advance.amount, contract.currency)


def recoup(outstanding: Decimal, earned: Decimal) -> Decimal:
    """What this month's earnings pay back: min(outstanding, earned), never negative."""
    return max(Decimal(0), min(outstanding, earned))


def advance_detail(
    advance: Advance | None, contract: Contract, paid: Decimal, recouped: Decimal, left: Decimal
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "paid": str(paid),
        "recouped": str(recouped),
        "outstanding": str(left),
    }
    if advance is not None:
        detail.update(
            amount=str(advance.amount),
            paid_on=advance.paid_on.isoformat(),
            charged_in=charge_month(advance, contract),
        )
    return detail
