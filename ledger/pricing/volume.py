"""Volume pricing: every unit at the price of the tier the period's total reaches (SPEC 3).

Tiers [{up_to 10, 100}, {up_to 20, 80}, {60}], per 1, 25 units: 25 x 60 = 1500; exactly 10 units
stay in the first tier: 10 x 100 = 1000.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.domain import RateRule
from ledger.errors import Problem
from ledger.pricing import tiers
from ledger.pricing._common import Priced, check_units, fmt, line_amount


def validate(rule: RateRule) -> list[Problem]:
    return tiers.validate(rule)


def price(rule: RateRule, units: Decimal, multiplier: Decimal) -> Priced:
    check_units(rule, units, multiplier)
    reached = [
        (start, tier)
        for start, tier in tiers.bands(rule.tiers)
        if tier.up_to is None or units <= tier.up_to
    ]
    start, tier = reached[0] if reached else list(tiers.bands(rule.tiers))[-1]
    amount = line_amount(units, rule.per, tier.price, multiplier)
    return Priced(
        amount,
        {
            "pricing": "volume",
            "per": fmt(rule.per),
            "multiplier": fmt(multiplier),
            "units": fmt(units),
            "tiers": [tiers.tier_detail(start, tier, units, amount)],
        },
    )
