"""Volume pricing: worked examples (every unit at the tier the total reaches)."""

from decimal import Decimal as D

import pytest

from ledger.domain import RateRule, Tier
from ledger.pricing import price

SPEC_TIERS = (Tier(D(10), D(100)), Tier(D(20), D(80)), Tier(None, D(60)))


def rule(tiers=SPEC_TIERS, per: int = 1) -> RateRule:
    return RateRule(2, "impressions", per=D(per), tiers=tiers, tier_mode="volume")


def test_spec_example_25_units():
    priced = price(rule(), D(25))
    assert priced.amount == D(1500)  # 25 x 60
    assert priced.details == {
        "pricing": "volume",
        "per": "1",
        "multiplier": "1",
        "units": "25",
        "tiers": [{"from": "20", "up_to": None, "units": "25", "price": "60", "amount": "1500"}],
    }


def test_spec_example_15_units():
    assert price(rule(), D(15)).amount == D(1200)  # 15 x 80


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (D(10), D(1000)),  # exactly at up_to 10: still tier 1, 10 x 100
        (D(11), D(880)),  # 11 x 80
        (D(20), D(1600)),  # 20 x 80
        (D(21), D(1260)),  # 21 x 60
    ],
)
def test_boundaries(units, expected):
    assert price(rule(), units).amount == expected


def test_zero_units_in_first_tier():
    priced = price(rule(), D(0))
    assert priced.amount == 0
    assert priced.details["tiers"][0]["price"] == "100"


def test_beyond_a_closed_last_tier_uses_the_last_tier():
    closed = rule((Tier(D(10), D(100)), Tier(D(20), D(80))))
    assert price(closed, D(30)).amount == D(2400)  # 30 x 80


def test_cpm():
    cpm = rule((Tier(D(1000000), D("2.50")), Tier(None, D("1.50"))), per=1000)
    # 1,000,000 impressions: exactly the bound, 1000 x 2.50 = 2500
    assert price(cpm, D(1000000)).amount == D(2500)
    # 1,500,000 impressions: all at 1.50, 1500 x 1.50 = 2250
    assert price(cpm, D(1500000)).amount == D(2250)


def test_multiplier_zero_and_half():
    assert price(rule(), D(25), D(0)).amount == 0
    assert price(rule(), D(15), D("0.5")).amount == D(600)  # 15 x 80 x 0.5
