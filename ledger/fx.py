"""Foreign-exchange reference rates (SPEC 1.3, 4.3).

Rates are kept as the ECB publishes them: units of a currency per 1 EUR, per date. A cross rate goes
through EUR, and a conversion on a date uses, for each currency, the rate of the last date on or
before it that has one, if that rate is at most ``max_age_days`` old. A missing or older rate is an
error naming the currency and the date of the last rate seen, never a silent 1.

Reading the ECB's files is ``ledger.refdata.ecb``'s job; this module holds the table and the
bounds every stored rate keeps.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal

from ledger.errors import LedgerError
from ledger.money import round_money

BASE = "EUR"
# A rate older than this (days before the date asked for) is stale; `[fx] max_age_days` in
# workspace.toml sets it per workspace.
DEFAULT_MAX_AGE_DAYS = 7
# Plausible rates: units per 1 EUR between these bounds, with at most RATE_DIGITS significant
# digits and at most RATE_PLACES decimal places (the stored column's scale). The ECB's own
# extremes (IDR around 17,000; TRL around 1,900,000 before 2005) sit well inside.
RATE_MIN = Decimal("0.000001")
RATE_MAX = Decimal("1000000000")
RATE_DIGITS = 12
RATE_PLACES = 12
# Cross rates are quotients; this context fixes their precision whatever the caller's context is.
CROSS = Context(prec=10)
"""A cross rate keeps 10 significant digits: the rate a conversion multiplies by is the rate the
statement prints, so the printed amount x the printed rate gives the printed result."""
EXACT = Context(prec=60)


class FxMissing(LedgerError):
    """No rate for a currency on or before a date, or only one older than the table allows."""


def rate_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be a rate in units per 1 EUR, or None if it can."""
    if not value.is_finite() or value <= 0:
        return "a rate must be a positive number"
    if not RATE_MIN <= value <= RATE_MAX:
        return f"a rate must lie between {RATE_MIN} and {RATE_MAX:.0f} units per EUR"
    _, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > RATE_DIGITS:
        return f"a rate has at most {RATE_DIGITS} significant digits"
    if -exponent > RATE_PLACES:
        return f"a rate has at most {RATE_PLACES} decimal places"
    return None


@dataclass(frozen=True)
class FxRate:
    """``rate`` units of ``to_currency`` per 1 ``from_currency``.

    ``date`` is the newest rate date used (the requested date for a same-currency rate);
    ``on`` the date the rate was asked for.
    """

    from_currency: str
    to_currency: str
    rate: Decimal
    date: datetime.date
    on: datetime.date


@dataclass(frozen=True)
class _Series:
    dates: tuple[date, ...]
    per_eur: tuple[Decimal, ...]


@dataclass(frozen=True)
class FxTable:
    """Units of each currency per 1 EUR by date; immutable once built.

    A conversion on a date uses a rate at most ``max_age_days`` older than that date.
    """

    series: Mapping[str, _Series] = field(default_factory=dict)
    max_age_days: int = DEFAULT_MAX_AGE_DAYS

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[date, str, Decimal]],
        max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    ) -> FxTable:
        """Build from (date, currency, units per EUR) rows in any order.

        The same (date, currency) twice with different values is refused, and so is a rate
        outside the plausible bounds (`rate_problem`).
        """
        by_currency: dict[str, dict[date, Decimal]] = {}
        for day, currency, per_eur in rows:
            if not isinstance(per_eur, Decimal):
                raise TypeError(f"{currency} on {day}: rate must be a Decimal")
            wrong = rate_problem(per_eur)
            if wrong:
                raise LedgerError(f"{currency} on {day}: {wrong}, got {per_eur}")
            known = by_currency.setdefault(currency, {})
            if day in known and known[day] != per_eur:
                raise LedgerError(
                    f"{currency} on {day}: two different rates ({known[day]} and {per_eur})"
                )
            known[day] = per_eur
        series = {}
        for currency, values in sorted(by_currency.items()):
            days = tuple(sorted(values))
            series[currency] = _Series(days, tuple(values[d] for d in days))
        return cls(series, max_age_days)

    def rows(self) -> Iterator[tuple[date, str, Decimal]]:
        """Every stored rate as (date, currency, units per EUR), by currency then date."""
        for currency, line in self.series.items():
            yield from (
                (day, currency, value) for day, value in zip(line.dates, line.per_eur, strict=True)
            )

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(self.series)

    def _per_eur(self, currency: str, on: date, pair: str) -> tuple[Decimal, date | None]:
        if currency == BASE:
            return Decimal(1), None
        line = self.series.get(currency)
        index = bisect_right(line.dates, on) if line else 0
        if line is None or index == 0:
            raise FxMissing(f"no {pair} rate for {currency} on or before {on.isoformat()}")
        day = line.dates[index - 1]
        if (on - day).days > self.max_age_days:
            raise FxMissing(
                f"no {pair} rate for {currency} on {on.isoformat()}: the last {currency} rate "
                f"is of {day.isoformat()}, more than {self.max_age_days} days before"
            )
        return line.per_eur[index - 1], day

    def rate(self, from_currency: str, to_currency: str, on: date) -> FxRate:
        """Units of ``to_currency`` per 1 ``from_currency`` on ``on`` (cross rate via EUR)."""
        if from_currency == to_currency:
            return FxRate(from_currency, to_currency, Decimal(1), on, on)
        pair = f"{from_currency}->{to_currency}"
        from_per_eur, from_date = self._per_eur(from_currency, on, pair)
        to_per_eur, to_date = self._per_eur(to_currency, on, pair)
        value = CROSS.divide(to_per_eur, from_per_eur)
        used = max(d for d in (from_date, to_date) if d is not None)
        return FxRate(from_currency, to_currency, value, used, on)

    def convert(
        self, amount: Decimal, from_currency: str, to_currency: str, on: date
    ) -> tuple[Decimal, FxRate]:
        """``amount`` in ``to_currency``, rounded once (half-even) to its minor unit."""
        fx = self.rate(from_currency, to_currency, on)
        return round_money(EXACT.multiply(amount, fx.rate), to_currency), fx


__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "FxMissing",
    "FxRate",
    "FxTable",
    "rate_problem",
]
