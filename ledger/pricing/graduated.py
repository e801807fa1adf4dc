"""Graduated pricing: each unit at the price of the tier it falls in (SPEC 3).

Tiers [{up_to 10, 100}, {up_to 20, 80}, {60}], per 1, 25 units: 10x100 + 10x80 + 5x60 = 2100.
Units beyond a last tier that has an ``up_to`` are priced in that last tier, as in volume pricing.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.domain import RateRule
from ledger.errors import Problem
from ledger.pricing import tiers
from ledger.pricing._common import EXACT, Priced, check_units, fmt, line_amount


def validate(rule: RateRule) -> list[Problem]:
    return tiers.validate(rule)


def price(rule: RateRule, units: Decimal, multiplier: Decimal) -> Priced:
    check_units(rule, units, multiplier)
    details = []
    total = Decimal(0)
    last = len(rule.tiers) - 1
    for n, (start, tier) in enumerate(tiers.bands(rule.tiers)):
        top = units if tier.up_to is None or n == last else min(units, tier.up_to)
        in_tier = max(Decimal(0), top - start)
        amount = line_amount(in_tier, rule.per, tier.price, multiplier)
        total = EXACT.add(total, amount)
        details.append(tiers.tier_detail(start, tier, in_tier, amount))
    return Priced(
        total,
        {
            "pricing": "graduated",
            "per": fmt(rule.per),
            "multiplier": fmt(multiplier),
            "units": fmt(units),
            "tiers": details,
        },
    )
