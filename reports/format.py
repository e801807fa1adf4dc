"""Locale-aware text for amounts, numbers, rates, dates and periods (Babel).

Amounts always show the exact ISO 4217 minor unit of their currency (from ``ledger.money``, not
CLDR's display digits) and always carry the currency code: "SEK 11 095,20", "JPY 500,000".
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.numbers import NumberPattern, parse_pattern

from ledger.money import dec, minor_units, round_money

NBSP = "\u00a0"
MINUS = "\u2212"


@cache
def _locale(tag: str) -> Locale:
    try:
        return Locale.parse((tag or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


@cache
def _pattern(tag: str, min_frac: int, max_frac: int) -> NumberPattern:
    locale = _locale(tag)
    decimal = locale.decimal_formats[None]
    base = decimal if isinstance(decimal, NumberPattern) else parse_pattern(str(decimal))
    pattern = copy.copy(base)
    pattern.frac_prec = (min_frac, max_frac)
    return pattern


def _digits(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class Formats:
    """Formatting for one party's locale (e.g. "sv", "de", "en", "ja")."""

    def __init__(self, locale: str | None = "en") -> None:
        self.tag = locale or "en"
        self.locale = _locale(self.tag)

    def _apply(self, value: Decimal, min_frac: int, max_frac: int) -> str:
        pattern = _pattern(self.tag, min_frac, max_frac)
        text = pattern.apply(abs(value), self.locale, decimal_quantization=True)
        return text if value >= 0 else MINUS + text

    def money(self, value: object, currency: str) -> str:
        """Only the number, at the currency's minor unit: "11 095,20"."""
        digits = minor_units(currency)
        return self._apply(round_money(dec(value), currency), digits, digits)

    def amount(self, value: object, currency: str) -> str:
        """Currency code and number: "SEK 11 095,20", "EUR −246,90"."""
        return f"{currency}{NBSP}{self.money(value, currency)}"

    def number(self, value: object, min_frac: int = 0) -> str:
        """A quantity or price with every digit it was given: "1 800", "0,0025"."""
        number = dec(value)
        digits = max(min_frac, _digits(number))
        return self._apply(number, min_frac, digits)

    def price(self, value: object, currency: str) -> str:
        """A unit price: at least the currency's minor digits, more if the contract has them."""
        return f"{currency}{NBSP}{self.number(value, minor_units(currency))}"

    def fx_rate(self, value: object, significant: int = 10) -> str:
        """An exchange rate as the ledger multiplies by it: up to 10 significant digits
        ("11.2815", "1.162655505"), so a reader can redo each conversion."""
        number = dec(value)
        if number == 0:
            return self.number(number)
        shown = number.quantize(Decimal(1).scaleb(number.adjusted() - significant + 1))
        return self.number(shown.normalize() if shown != shown.to_integral() else shown.quantize(1))

    def percent(self, value: object) -> str:
        number = dec(value) * 100
        return f"{self.number(number.normalize() if number == number.to_integral() else number)}%"

    def date(self, value: object) -> str:
        """A date in the locale's medium form: "Apr 1, 2026", "1 apr. 2026", "01.04.2026"."""
        text = str(value or "")
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            return text
        return format_date(day, "medium", locale=self.locale)

    def period(self, value: object) -> str:
        """A month: "March 2026", "März 2026", "mars 2026", "2026年3月"."""
        text = str(value or "")
        try:
            month = dt.date.fromisoformat(f"{text[:7]}-01")
        except ValueError:
            return text
        return format_skeleton("yMMMM", month, locale=self.locale)
