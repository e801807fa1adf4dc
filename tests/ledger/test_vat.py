"""VAT cases and rates (SPEC 4.3.1) as pure functions, worked by hand."""

from __future__ import annotations

from decimal import Decimal

from ledger.domain import Address
from ledger.settlement.vat import STANDARD_RATES, treatment, vat_amount
from ledger.vat_rates import parse_rates


def at(country: str) -> Address:
    return Address(("Street 1",), None, "City", country)


def test_each_case_and_its_category() -> None:
    rates = STANDARD_RATES
    domestic = treatment(True, at("FI"), at("FI"), rates)
    assert (domestic.case, domestic.category, domestic.rate) == ("domestic", "S", Decimal("0.255"))
    reverse = treatment(True, at("SE"), at("DE"), rates)
    assert (reverse.case, reverse.category, reverse.rate, reverse.country) == (
        "reverse_charge",
        "AE",
        Decimal(0),
        "SE",
    )
    assert treatment(True, at("SE"), at("JP"), rates).case == "outside_eu"
    assert treatment(True, at("NO"), at("SE"), rates).case == "outside_scope"
    assert treatment(False, None, at("SE"), rates).case == "not_registered"
    assert treatment(True, at("NO"), at("NO"), rates).case == "unknown"  # no Norwegian rate
    norway = treatment(True, at("NO"), at("NO"), {"NO": Decimal("0.25")})
    assert (norway.case, norway.rate) == ("domestic", Decimal("0.25"))


def test_vat_is_rounded_once_half_even_in_minor_units() -> None:
    assert vat_amount(Decimal("12.50"), Decimal("0.25"), "EUR") == Decimal("3.12")  # 3.125
    assert vat_amount(Decimal("12.70"), Decimal("0.25"), "EUR") == Decimal("3.18")  # 3.175
    assert vat_amount(Decimal("-10.00"), Decimal("0.25"), "EUR") == Decimal("-2.50")
    assert vat_amount(Decimal("1001"), Decimal("0.1"), "JPY") == Decimal("100")  # 100.1


def test_workspace_rates_override_the_shipped_ones_and_bad_ones_are_named() -> None:
    rates, problem = parse_rates({"SE": "0.12", "NO": "0.25"})
    assert problem is None
    assert (rates["SE"], rates["NO"], rates["DE"]) == (
        Decimal("0.12"),
        Decimal("0.25"),
        Decimal("0.19"),
    )
    assert parse_rates({"SE": 0.25})[1] == '[vat] SE: write the rate as a string such as "0.25"'
    assert parse_rates({"se": "0.25"})[1] == "[vat] se: a key is an ISO 3166-1 alpha-2 country code"
    assert parse_rates({"SE": "1.5"})[1] == (
        "[vat] SE: '1.5' must be from 0 to below 1, at most 6 places"
    )
    assert parse_rates({"SE": "abc"})[1] == "[vat] SE: 'abc' is not a number"
