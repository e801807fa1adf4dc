"""Retainer: the monthly fee prorated by the contract's active days in the month (SPEC 4.2 step 2).

Each contract version contributes its own retainer for the days of the month it is in force, so an
amendment on the 16th of a 30-day month gives 15/30 of the old fee + 15/30 of the new one.
The month's total is rounded once to the currency's minor unit.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from ledger.domain import Contract, Terms
from ledger.economics.periods import days, days_in_month, overlap, period_bounds
from ledger.errors import Problem
from ledger.money import round_money

_PRECISION = 60


def validate(terms: Terms) -> list[Problem]:
    if terms.retainer is not None and terms.retainer < 0:
        return [Problem(None, None, "retainer", f"negative retainer {terms.retainer}")]
    return []


def retainer_for_month(contract: Contract, period: str) -> tuple[Decimal, dict[str, Any]]:
    """The month's retainer (rounded) and, per version in force, its days and exact share."""
    month = period_bounds(period)
    month_days = days_in_month(period)
    total = Decimal(0)
    parts = []
    for version in contract.versions():
        span = overlap(month, (version.effective_from, version.effective_to))
        if span is None or not version.terms.retainer:
            continue
        active = days(*span)
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            share = version.terms.retainer * active / month_days
            total += share
        parts.append(
            {
                "version": version.key,
                "monthly": str(version.terms.retainer),
                "from": span[0].isoformat(),
                "to": span[1].isoformat(),
                "active_days": active,
                "days_in_month": month_days,
                "amount": str(share),
            }
        )
    amount = round_money(total, contract.currency)
    return amount, {"amount": str(amount), "versions": parts}
