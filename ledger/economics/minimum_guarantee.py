"""Minimum guarantee: the top-up that lifts a period's earnings to the guaranteed amount (SPEC 4.2
step 4).

Due in the last month of each calendar-aligned MG period, or of the term if that comes first:
max(0, amount - sum over the period of (usage + retainer + cap_adjustment)). An MG period only
partly inside the term guarantees amount x days in term / days in the MG period; the `term` period
is the whole term and is never prorated.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from ledger.domain import PERIOD_KINDS, Contract, MinimumGuarantee, Terms
from ledger.economics.periods import (
    calendar_span,
    days,
    months_between,
    overlap,
    period_bounds,
    period_of,
)
from ledger.errors import Problem
from ledger.money import round_money

_PRECISION = 60


def validate(terms: Terms) -> list[Problem]:
    mg = terms.minimum_guarantee
    if mg is None:
        return []
    problems = []
    if mg.amount < 0:
        problems.append(
            Problem(None, "minimum_guarantee", "amount", f"negative amount {mg.amount}")
        )
    if mg.period not in PERIOD_KINDS:
        problems.append(
            Problem(
                None,
                "minimum_guarantee",
                "period",
                f"unknown period {mg.period!r}; expected " + ", ".join(PERIOD_KINDS),
            )
        )
    return problems


def guaranteed_amount(
    mg: MinimumGuarantee, span: tuple[date, date], term: tuple[date, date]
) -> Decimal:
    """The MG amount prorated by the days of ``span`` inside the term (exact)."""
    inside = overlap(span, term)
    in_term = days(*inside) if inside else 0
    total = days(*span)
    if in_term == total:
        return mg.amount
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return mg.amount * in_term / total


def minimum_guarantee_topup(
    mg: MinimumGuarantee | None,
    contract: Contract,
    period: str,
    earned_before_mg: Mapping[str, Decimal],
) -> tuple[Decimal, dict[str, Any]]:
    """This month's top-up (>= 0, rounded); 0 unless ``period`` closes an MG period.

    ``earned_before_mg`` holds usage + retainer + cap_adjustment of this month and earlier ones.
    """
    currency = contract.currency
    nothing = round_money(Decimal(0), currency)
    if mg is None:
        return nothing, {"amount": str(nothing)}
    term = (contract.start, contract.end)
    month = overlap(period_bounds(period), term)
    if month is None:
        return nothing, {"amount": str(nothing)}
    span = calendar_span(mg.period, month[1], term)
    inside = overlap(span, term)
    assert inside is not None
    closes = period_of(inside[1]) == period
    detail: dict[str, Any] = {
        "period": mg.period,
        "mg_period": [span[0].isoformat(), span[1].isoformat()],
        "due_in": period_of(inside[1]),
    }
    if not closes:
        return nothing, {"amount": str(nothing), **detail}
    guaranteed = guaranteed_amount(mg, span, term)
    months = months_between(period_of(inside[0]), period)
    earned = sum((earned_before_mg.get(m, Decimal(0)) for m in months), Decimal(0))
    amount = round_money(max(Decimal(0), guaranteed - earned), currency)
    return amount, {
        "amount": str(amount),
        **detail,
        "guarantee": str(mg.amount),
        "days_in_term": days(*inside),
        "days_in_period": days(*span),
        "guaranteed": str(guaranteed),
        "earned_in_period": str(earned),
    }
