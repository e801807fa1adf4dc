"""Flat pricing: every unit at one price per `per` units."""

from __future__ import annotations

from decimal import Decimal

from ledger.domain import RateRule
from ledger.errors import Problem
from ledger.pricing._common import Priced, check_units, fmt, line_amount, validate_per, where


def validate(rule: RateRule) -> list[Problem]:
    problems = validate_per(rule)
    if rule.price is None:
        problems.append(Problem(None, where(rule), "price", "a flat rate needs a price"))
    elif rule.price < 0:
        problems.append(Problem(None, where(rule), "price", f"negative price {rule.price}"))
    if rule.tiers:
        problems.append(Problem(None, where(rule), "tiers", "give either price or tiers, not both"))
    return problems


def price(rule: RateRule, units: Decimal, multiplier: Decimal) -> Priced:
    check_units(rule, units, multiplier)
    assert rule.price is not None
    amount = line_amount(units, rule.per, rule.price, multiplier)
    return Priced(
        amount,
        {
            "pricing": "flat",
            "per": fmt(rule.per),
            "multiplier": fmt(multiplier),
            "units": fmt(units),
            "price": fmt(rule.price),
        },
    )
