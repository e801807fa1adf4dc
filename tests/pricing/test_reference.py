"""Graduated and volume pricing agree with a unit-by-unit reference on generated tiers."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain import RateRule, Tier
from ledger.pricing import price


@st.composite
def tier_lists(draw):
    bounds = sorted(draw(st.sets(st.integers(1, 60), min_size=0, max_size=4)))
    prices = draw(
        st.lists(
            st.decimals(min_value=0, max_value=500, places=2),
            min_size=len(bounds) + 1,
            max_size=len(bounds) + 1,
        )
    )
    open_last = draw(st.booleans()) or not bounds
    tiers = [Tier(D(b), p) for b, p in zip(bounds, prices, strict=False)]
    if open_last:
        tiers.append(Tier(None, prices[-1]))
    return tuple(tiers)


def tier_of(tiers, unit_no):
    """The tier the n-th unit (1-based) falls in."""
    for tier in tiers:
        if tier.up_to is None or unit_no <= tier.up_to:
            return tier
    return tiers[-1]


@given(tier_lists(), st.integers(0, 100), st.sampled_from([D(1), D(1000)]))
def test_graduated_matches_unit_by_unit(tiers, units, per):
    rule = RateRule(1, "impressions", per=per, tiers=tiers, tier_mode="graduated")
    expected = sum((tier_of(tiers, n).price for n in range(1, units + 1)), D(0))
    assert price(rule, D(units)).amount == expected / per


@given(tier_lists(), st.integers(0, 100), st.sampled_from([D(1), D(1000)]))
def test_volume_matches_unit_by_unit(tiers, units, per):
    rule = RateRule(1, "impressions", per=per, tiers=tiers, tier_mode="volume")
    reached = tier_of(tiers, max(units, 1))
    expected = sum((reached.price for _ in range(units)), D(0))
    assert price(rule, D(units)).amount == expected / per
