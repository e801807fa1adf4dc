"""Graduated pricing: worked examples (each unit at the tier it falls in)."""

from decimal import Decimal as D

import pytest

from ledger.domain import RateRule, Tier
from ledger.errors import ValidationFailed
from ledger.pricing import price, validate

SPEC_TIERS = (Tier(D(10), D(100)), Tier(D(20), D(80)), Tier(None, D(60)))


def rule(tiers=SPEC_TIERS, per: int = 1) -> RateRule:
    return RateRule(2, "impressions", per=D(per), tiers=tiers, tier_mode="graduated")


def test_spec_example_25_units():
    priced = price(rule(), D(25))
    assert priced.amount == D(2100)  # 10x100 + 10x80 + 5x60
    assert priced.details == {
        "pricing": "graduated",
        "per": "1",
        "multiplier": "1",
        "units": "25",
        "tiers": [
            {"from": "0", "up_to": "10", "units": "10", "price": "100", "amount": "1000"},
            {"from": "10", "up_to": "20", "units": "10", "price": "80", "amount": "800"},
            {"from": "20", "up_to": None, "units": "5", "price": "60", "amount": "300"},
        ],
    }


def test_spec_example_15_units():
    assert price(rule(), D(15)).amount == D(1400)  # 10x100 + 5x80


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (D(10), D(1000)),  # exactly the first bound: all in tier 1
        (D(11), D(1080)),  # 1000 + 1x80
        (D(20), D(1800)),  # 1000 + 800
        (D(21), D(1860)),  # 1800 + 1x60
    ],
)
def test_boundaries(units, expected):
    assert price(rule(), units).amount == expected


def test_zero_units():
    priced = price(rule(), D(0))
    assert priced.amount == 0
    assert [t["units"] for t in priced.details["tiers"]] == ["0", "0", "0"]


def test_cpm_tiers_count_impressions():
    cpm = rule((Tier(D(1000000), D("2.50")), Tier(None, D("1.50"))), per=1000)
    # 1,500,000 impressions: 1,000,000/1000 x 2.50 + 500,000/1000 x 1.50 = 2500 + 750 = 3250
    priced = price(cpm, D(1500000))
    assert priced.amount == D(3250)
    assert [t["amount"] for t in priced.details["tiers"]] == ["2500.00", "750.00"]
    # 1,234 impressions: 1234/1000 x 2.50 = 3.085
    assert price(cpm, D(1234)).amount == D("3.085")


def test_multiplier_zero_and_half():
    assert price(rule(), D(25), D(0)).amount == 0
    half = price(rule(), D(25), D("0.5"))
    assert half.amount == D(1050)  # 2100 x 0.5
    assert [t["amount"] for t in half.details["tiers"]] == ["500.0", "400.0", "150.0"]


def test_tiers_must_increase_and_only_last_open():
    bad = rule((Tier(D(10), D(1)), Tier(None, D(1)), Tier(D(5), D(1))))
    fields = [p.field for p in validate(bad)]
    assert fields == ["tiers[2].up_to", "tiers[3].up_to"]
    with pytest.raises(ValidationFailed):
        price(bad, D(1))
    assert validate(rule(())) and validate(RateRule(1, "renders"))


def test_beyond_a_closed_last_tier_stays_in_the_last_tier():
    closed = rule((Tier(D(10), D(100)), Tier(D(20), D(80))))
    assert price(closed, D(30)).amount == D(2600)  # 10x100 + 20x80
