"""What every pricing model shares: the result record, exact arithmetic and term checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from typing import Any

from ledger.domain import RateRule
from ledger.errors import Problem

# Wide enough that units x price x multiplier of any realistic line is exact; only a division by a
# `per` that is not a power of ten can need more digits than this.
EXACT = Context(prec=60)


@dataclass(frozen=True)
class Priced:
    """The exact (unrounded) amount of one priced line and a JSON-ready account of how it arose."""

    amount: Decimal
    details: dict[str, Any] = field(default_factory=dict)


def line_amount(units: Decimal, per: Decimal, price: Decimal, multiplier: Decimal) -> Decimal:
    """units / per x price x multiplier, multiplying first so that a CPM stays exact."""
    with localcontext(EXACT):
        return units * price * multiplier / per


def check_units(rule: RateRule, units: Decimal, multiplier: Decimal) -> None:
    if not isinstance(units, Decimal) or not isinstance(multiplier, Decimal):
        raise TypeError("units and multiplier must be Decimal")
    if units < 0:
        raise ValueError(f"rate {rule.rule_no}: negative quantity {units}")
    if multiplier < 0:
        raise ValueError(f"rate {rule.rule_no}: negative multiplier {multiplier}")


def where(rule: RateRule) -> str:
    return f"rates[{rule.rule_no}] {rule.metric}"


def validate_per(rule: RateRule) -> list[Problem]:
    if rule.per <= 0:
        return [Problem(None, where(rule), "per", f"must be positive, got {rule.per}")]
    return []


def fmt(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
