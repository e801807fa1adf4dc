"""Tier bands shared by graduated and volume pricing.

A tier's ``up_to`` is a cumulative unit count: tier k covers the units in (up_to[k-1], up_to[k]],
the first tier starting at 0 and the last one (``up_to`` None) open-ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ledger.domain import RateRule, Tier
from ledger.errors import Problem
from ledger.pricing._common import fmt, validate_per, where


def validate(rule: RateRule) -> list[Problem]:
    problems = validate_per(rule)
    at = where(rule)
    if rule.price is not None:
        problems.append(Problem(None, at, "tiers", "give either price or tiers, not both"))
    if not rule.tiers:
        problems.append(Problem(None, at, "tiers", "a tiered rate needs at least one tier"))
        return problems
    previous = Decimal(0)
    for n, tier in enumerate(rule.tiers, start=1):
        last = n == len(rule.tiers)
        if tier.price < 0:
            problems.append(Problem(None, at, f"tiers[{n}].price", f"negative price {tier.price}"))
        if tier.up_to is None:
            if not last:
                problems.append(
                    Problem(None, at, f"tiers[{n}].up_to", "only the last tier may be open-ended")
                )
            continue
        if tier.up_to <= previous:
            problems.append(
                Problem(
                    None,
                    at,
                    f"tiers[{n}].up_to",
                    f"{tier.up_to} must be greater than the previous tier's {previous}"
                    if n > 1
                    else f"{tier.up_to} must be greater than 0",
                )
            )
        previous = tier.up_to
    return problems


def bands(tiers: tuple[Tier, ...]) -> Iterator[tuple[Decimal, Tier]]:
    """Each tier with the unit count where it starts."""
    start = Decimal(0)
    for tier in tiers:
        yield start, tier
        if tier.up_to is not None:
            start = tier.up_to


def tier_detail(start: Decimal, tier: Tier, units: Decimal, amount: Decimal) -> dict[str, Any]:
    return {
        "from": fmt(start),
        "up_to": fmt(tier.up_to),
        "units": fmt(units),
        "price": fmt(tier.price),
        "amount": fmt(amount),
    }
