from __future__ import annotations

import pytest

from reports.format import Formats


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "expected"),
    [
        ("sv", "11095.20", "SEK", "SEK 11 095,20"),
        ("de", "1234.50", "EUR", "EUR 1.234,50"),
        ("en", "1234.50", "EUR", "EUR 1,234.50"),
        ("ja", "500000", "JPY", "JPY 500,000"),
        ("en", "1234.5", "EUR", "EUR 1,234.50"),
        ("en", "-246.90", "EUR", "EUR \u2212246.90"),
        ("en", "1234", "HUF", "HUF 1,234.00"),
        ("en", "1234", "IDR", "IDR 1,234.00"),
        ("en", "1234", "COP", "COP 1,234.00"),
        ("en", "1.5", "IQD", "IQD 1.500"),
        ("de", "0.125", "BHD", "BHD 0,125"),
        ("en", "0.005", "EUR", "EUR 0.00"),
        ("en", "0.015", "EUR", "EUR 0.02"),
    ],
)
def test_amounts(locale: str, amount: str, currency: str, expected: str) -> None:
    assert _plain(Formats(locale).amount(amount, currency)) == expected


@pytest.mark.parametrize(
    ("locale", "date", "period"),
    [
        ("en", "Apr 1, 2026", "March 2026"),
        ("de", "01.04.2026", "März 2026"),
        ("sv", "1 apr. 2026", "mars 2026"),
        ("ja", "2026/04/01", "2026年3月"),
    ],
)
def test_dates_and_periods(locale: str, date: str, period: str) -> None:
    fmt = Formats(locale)
    assert fmt.date("2026-04-01") == date
    assert fmt.period("2026-03") == period


def test_numbers_keep_their_digits() -> None:
    fmt = Formats("de")
    assert fmt.number("11.2345") == "11,2345"
    assert _plain(fmt.number("1250000")) == "1.250.000"
    assert fmt.price("0.0025", "EUR") == "EUR\u00a00,0025"
    assert fmt.percent("0.20") == "20%"


def test_unknown_locale_falls_back_to_english() -> None:
    assert Formats("xx-YY").amount("1", "EUR") == "EUR\u00a01.00"
    assert Formats(None).period("2026-03") == "March 2026"


def test_floats_are_refused() -> None:
    with pytest.raises(ValueError):
        Formats("en").amount(1.5, "EUR")
