"""Pricing of one priced line: the quantity of one rate rule in one contract version and period.

Measuring (summing events into quantities) happens upstream; this package only turns a quantity
into an exact amount under one :class:`~ledger.domain.RateRule`, with details that explain it.
Amounts are not rounded here: SPEC 4.2 rounds each line once, after pricing.

One module per pricing model, chosen through :data:`MODELS`:

>>> from ledger.domain import RateRule, Tier
>>> rule = RateRule(1, "publications", price=Decimal("150.00"))
>>> price(rule, Decimal(3)).amount
Decimal('450.00')
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from ledger.domain import RateRule
from ledger.errors import Problem, ValidationFailed
from ledger.pricing import flat, graduated, volume
from ledger.pricing._common import Priced, where


class PricingModel(NamedTuple):
    price: Callable[[RateRule, Decimal, Decimal], Priced]
    validate: Callable[[RateRule], list[Problem]]


MODELS: dict[str, PricingModel] = {
    "flat": PricingModel(flat.price, flat.validate),
    "graduated": PricingModel(graduated.price, graduated.validate),
    "volume": PricingModel(volume.price, volume.validate),
}


def model_name(rule: RateRule) -> str:
    """ "flat" when the rule has a price, else its tier mode."""
    return "flat" if rule.price is not None else rule.tier_mode


def model_of(rule: RateRule) -> PricingModel:
    name = model_name(rule)
    try:
        return MODELS[name]
    except KeyError:
        raise ValidationFailed(
            [
                Problem(
                    None,
                    f"rates[{rule.rule_no}] {rule.metric}",
                    "tier_mode",
                    f"unknown pricing model {name!r}; expected one of {', '.join(MODELS)}",
                )
            ]
        ) from None


def validate(rule: RateRule) -> list[Problem]:
    """Everything wrong with the rule's terms under its pricing model (empty when it can price).

    The one check of a rate rule's terms: contract import calls it for every rule it reads, and
    `price` calls it before pricing. ``field`` of each problem is the rule's key (``price``,
    ``tiers[2].up_to``), ``record`` names the rule."""
    if rule.price is None and not rule.tiers:
        return [Problem(None, where(rule), "price", "give a price or tiers")]
    try:
        model = model_of(rule)
    except ValidationFailed as failed:
        return failed.problems
    return model.validate(rule)


def price(rule: RateRule, units: Decimal, multiplier: Decimal = Decimal(1)) -> Priced:
    """The exact amount of ``units`` under ``rule``, times ``multiplier`` (SPEC 3 step 5).

    Raises :class:`ValidationFailed` when the rule cannot price (no price and no valid tiers).
    """
    model = model_of(rule)
    problems = model.validate(rule)
    if problems:
        raise ValidationFailed(problems)
    return model.price(rule, units, multiplier)


__all__ = ["MODELS", "Priced", "PricingModel", "model_name", "model_of", "price", "validate"]
