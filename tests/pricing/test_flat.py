"""Flat pricing: worked examples."""

from decimal import Decimal as D

import pytest

from ledger.domain import RateRule
from ledger.errors import ValidationFailed
from ledger.pricing import model_name, price, validate


def rule(price_: str, per: int = 1) -> RateRule:
    return RateRule(1, "publications", channel="social", per=D(per), price=D(price_))


def test_per_unit_price():
    priced = price(rule("150.00"), D(3))
    assert priced.amount == D("450.00")  # 3 x 150.00
    assert priced.details == {
        "pricing": "flat",
        "per": "1",
        "multiplier": "1",
        "units": "3",
        "price": "150.00",
    }


def test_cpm_divides_by_per_exactly():
    # 1,234,567 impressions at 2.50 per 1000: 1234567 / 1000 x 2.50 = 3086.4175 (not rounded)
    priced = price(rule("2.50", per=1000), D(1234567))
    assert priced.amount == D("3086.4175")
    assert priced.details["per"] == "1000"


def test_zero_units():
    assert price(rule("150.00"), D(0)).amount == 0


def test_multiplier_zero_and_half():
    assert price(rule("150.00"), D(4), D(0)).amount == 0
    # out of scope at half rate: 3 x 150.00 x 0.5 = 225.00
    priced = price(rule("150.00"), D(3), D("0.5"))
    assert priced.amount == D("225.000")
    assert priced.details["multiplier"] == "0.5"


def test_price_wins_over_tier_mode():
    assert model_name(RateRule(1, "renders", price=D(1), tier_mode="volume")) == "flat"


def test_invalid_terms_are_reported():
    problems = validate(RateRule(3, "renders", per=D(0), price=D("-1")))
    assert [p.field for p in problems] == ["per", "price"]
    assert "rates[3]" in str(problems[0])
    with pytest.raises(ValidationFailed):
        price(RateRule(3, "renders", per=D(0), price=D(1)), D(1))


def test_negative_units_refused():
    with pytest.raises(ValueError):
        price(rule("1"), D(-1))
