"""Foreign-exchange reference rates (SPEC 1.3, 4.3).

Rates are kept as the ECB publishes them: units of a currency per 1 EUR, per date. A cross rate goes
through EUR, and a conversion on a date uses, for each currency, the rate of the last date on or
before it that has one. A missing rate is an error naming the currency and date, never a silent 1.
"""

from __future__ import annotations

import csv
import datetime
import io
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path

from ledger.errors import LedgerError, Problem
from ledger.money import is_currency, round_money

BASE = "EUR"
NO_RATE = ("", "N/A")
# Cross rates are quotients; this context fixes their precision whatever the caller's context is.
CROSS = Context(prec=28)
EXACT = Context(prec=60)


class FxMissing(LedgerError):
    """No rate for a currency on or before a date."""


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
    """Units of each currency per 1 EUR by date; immutable once built."""

    series: Mapping[str, _Series] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[date, str, Decimal]]) -> FxTable:
        """Build from (date, currency, units per EUR) rows in any order.

        The same (date, currency) twice with different values is refused.
        """
        by_currency: dict[str, dict[date, Decimal]] = {}
        for day, currency, per_eur in rows:
            if not isinstance(per_eur, Decimal):
                raise TypeError(f"{currency} on {day}: rate must be a Decimal")
            if per_eur <= 0:
                raise LedgerError(f"{currency} on {day}: rate must be positive, got {per_eur}")
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
        return cls(series)

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
        return line.per_eur[index - 1], line.dates[index - 1]

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


def parse_ecb_csv(path: Path) -> tuple[FxTable, list[Problem]]:
    """Read an ECB reference-rate CSV (``Date,USD,JPY,...``; values per 1 EUR).

    Blank or ``N/A`` cells have no rate; an unnamed trailing column (the ECB's trailing comma) is
    ignored. Every problem names the file, the line and the column; good cells are kept.
    """
    name = str(path)
    problems: list[Problem] = []
    rows: list[tuple[date, str, Decimal]] = []

    def problem(line: int, column: str | None, message: str) -> None:
        problems.append(Problem(name, f"line {line}", column, message))

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(name, None, None, f"cannot read: {error}"))
        return FxTable(), problems
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problem(1, None, "empty file: expected a header `Date,USD,JPY,...`")
        return FxTable(), problems
    header = [cell.strip() for cell in header]
    if not header or header[0] != "Date":
        problem(1, "column 1", f"expected `Date`, found {header[0] if header else ''!r}")
        return FxTable(), problems
    columns: dict[int, str] = {}
    for index, code in enumerate(header[1:], start=1):
        where = f"column {index + 1} ({code})" if code else f"column {index + 1}"
        if not code:
            if index != len(header) - 1:
                problem(1, where, "a column without a currency code")
        elif code == BASE:
            problem(1, where, "EUR is the base currency (1 EUR = 1 EUR); drop the column")
        elif not is_currency(code):
            problem(1, where, f"{code!r} is not an ISO 4217 currency code")
        elif code in columns.values():
            problem(1, where, f"{code} appears twice in the header")
        else:
            columns[index] = code
    seen: dict[date, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        raw_day = cells[0].strip()
        try:
            if len(raw_day) != 10:
                raise ValueError(raw_day)
            day = date.fromisoformat(raw_day)
        except ValueError:
            problem(line, "column 1 (Date)", f"{raw_day!r} is not a date (YYYY-MM-DD)")
            continue
        if day in seen:
            problem(line, "column 1 (Date)", f"{day} already given on line {seen[day]}")
            continue
        seen[day] = line
        if len(cells) > len(header):
            extra = [c for c in cells[len(header) :] if c.strip()]
            if extra:
                problem(line, f"column {len(header) + 1}", "more values than header columns")
        for index, code in columns.items():
            raw = cells[index].strip() if index < len(cells) else ""
            if raw.upper() in NO_RATE:
                continue
            where = f"column {index + 1} ({code})"
            try:
                value = Decimal(raw)
            except InvalidOperation:
                problem(line, where, f"{raw!r} is not a number")
                continue
            if not value.is_finite() or value <= 0:
                problem(line, where, f"rate must be a positive number, got {raw!r}")
                continue
            rows.append((day, code, value))
    return FxTable.from_rows(rows), problems


__all__ = ["FxMissing", "FxRate", "FxTable", "parse_ecb_csv"]
