"""Cap: the most that usage + retainer may earn in a cap period (SPEC 4.2 step 3).

For a monthly cap the adjustment is -(usage + retainer - cap) when above the cap. For a quarter,
year or term the cap applies to the running total of the calendar-aligned cap period (clipped to
the term): each month's adjustment is the part of the running excess not already taken off in an
earlier month of that period, so once the cap is hit every later month of the period is capped to 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ledger.domain import PERIOD_KINDS, Cap, Contract, Terms
from ledger.economics.periods import (
    calendar_span,
    months_between,
    overlap,
    period_bounds,
    period_of,
)
from ledger.errors import Problem
from ledger.money import round_money


def validate(terms: Terms) -> list[Problem]:
    cap = terms.cap
    if cap is None:
        return []
    problems = []
    if cap.amount < 0:
        problems.append(Problem(None, "cap", "amount", f"negative cap {cap.amount}"))
    if cap.period not in PERIOD_KINDS:
        problems.append(
            Problem(
                None,
                "cap",
                "period",
                f"unknown period {cap.period!r}; expected " + ", ".join(PERIOD_KINDS),
            )
        )
    return problems


def cap_period_months(cap: Cap, contract: Contract, period: str) -> list[str]:
    """The months of the cap period containing ``period``, clipped to the term."""
    term = (contract.start, contract.end)
    month = overlap(period_bounds(period), term)
    if month is None:
        return []
    span = overlap(calendar_span(cap.period, month[1], term), term)
    assert span is not None
    return months_between(period_of(span[0]), period_of(span[1]))


def cap_adjustment(
    cap: Cap | None,
    contract: Contract,
    period: str,
    capped_by_period: Mapping[str, Decimal],
    adjustments_by_period: Mapping[str, Decimal],
) -> tuple[Decimal, dict[str, Any]]:
    """This month's adjustment (<= 0, rounded).

    ``capped_by_period`` holds usage + retainer of this month and the earlier ones;
    ``adjustments_by_period`` the adjustments already made in earlier months.
    """
    currency = contract.currency
    if cap is None:
        return round_money(Decimal(0), currency), {"amount": str(round_money(Decimal(0), currency))}
    months = [m for m in cap_period_months(cap, contract, period) if m <= period]
    running = sum((capped_by_period.get(m, Decimal(0)) for m in months), Decimal(0))
    earlier = sum(
        (adjustments_by_period.get(m, Decimal(0)) for m in months if m < period), Decimal(0)
    )
    excess = max(Decimal(0), running - cap.amount)
    amount = round_money(min(Decimal(0), -excess - earlier), currency)
    return amount, {
        "amount": str(amount),
        "cap": str(cap.amount),
        "period": cap.period,
        "cap_period": [months[0], months[-1]] if months else [],
        "running_total": str(running),
        "excess": str(excess),
        "earlier_adjustments": str(earlier),
    }
