"""VAT rates per country (SPEC 4.3.1): the EU standard rates shipped with twinledger, and the
`[vat]` table of workspace.toml that overrides or adds to them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

EU: frozenset[str] = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
"""The EU member states (ISO 3166-1 alpha-2; Greece's VAT ids say EL)."""

STANDARD_RATES: Mapping[str, Decimal] = {
    country: Decimal(rate)
    for country, rate in {
        "AT": "0.20",
        "BE": "0.21",
        "BG": "0.20",
        "CY": "0.19",
        "CZ": "0.21",
        "DE": "0.19",
        "DK": "0.25",
        "EE": "0.24",
        "ES": "0.21",
        "FI": "0.255",
        "FR": "0.20",
        "GR": "0.24",
        "HR": "0.25",
        "HU": "0.27",
        "IE": "0.23",
        "IT": "0.22",
        "LT": "0.21",
        "LU": "0.17",
        "LV": "0.21",
        "MT": "0.18",
        "NL": "0.21",
        "PL": "0.23",
        "PT": "0.23",
        "RO": "0.21",
        "SE": "0.25",
        "SI": "0.22",
        "SK": "0.23",
    }.items()
}
"""The EU standard VAT rates in force in 2026; `[vat]` in workspace.toml overrides or adds."""


def parse_rates(table: Mapping[str, object]) -> tuple[dict[str, Decimal], str | None]:
    """The shipped standard rates overridden by a `[vat]` table (`SE = "0.25"`), or the first
    problem with it."""
    rates = dict(STANDARD_RATES)
    for country, value in table.items():
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            return rates, f"[vat] {country}: a key is an ISO 3166-1 alpha-2 country code"
        if not isinstance(value, str):
            return rates, f'[vat] {country}: write the rate as a string such as "0.25"'
        try:
            rate = Decimal(value)
        except ArithmeticError:
            return rates, f"[vat] {country}: {value!r} is not a number"
        if not rate.is_finite() or not 0 <= rate < 1 or -rate.as_tuple().exponent > 6:  # type: ignore[operator]
            return rates, f"[vat] {country}: {value!r} must be from 0 to below 1, at most 6 places"
        rates[country] = rate
    return rates, None
