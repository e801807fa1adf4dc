"""A brand's own monthly usage report (docs/reconciliation.md): one CSV row per contract and
metric, parsed into ``ReportLine`` records. Every problem names the file, line and column.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ledger.domain import METRICS, Parties
from ledger.errors import LedgerError, Problem, ValidationFailed
from ledger.files import BRAND_REPORT_BYTES, read_input
from ledger.money import (
    MAX_AMOUNT,
    PRICE_PLACES,
    MoneyError,
    dec,
    decimal_places,
    is_currency,
    shorten,
)

REPORT_COLUMNS = ("period", "brand", "twin", "contract", "metric", "quantity", "amount", "currency")
REQUIRED_COLUMNS = REPORT_COLUMNS[:6]
LineKey = tuple[str, str, str, str]  # brand, twin, contract, metric
MAX_QUANTITY = Decimal(10) ** 15
LIMITS = {"quantity": MAX_QUANTITY, "amount": MAX_AMOUNT}


@dataclass(frozen=True)
class ReportLine:
    """One data row of a brand report. ``amount`` and ``currency`` are None when left empty."""

    line_no: int
    brand: str
    twin: str
    contract: str
    metric: str
    quantity: Decimal
    amount: Decimal | None
    currency: str | None

    @property
    def key(self) -> LineKey:
        return (self.brand, self.twin, self.contract, self.metric)


def _decimal(text: str) -> Decimal:
    if "," in text or "_" in text or text.strip() != text:
        raise MoneyError("not a decimal number")
    return dec(text)


def read_brand_report(
    path: Path, period: str, parties: Parties
) -> tuple[str, tuple[ReportLine, ...]]:
    """Parse a brand's usage report CSV; every problem names the file, line and column."""
    name = str(path)
    try:
        text = read_input(path, BRAND_REPORT_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LedgerError(f"{name}: not UTF-8 text") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ValidationFailed([Problem(name, "line 1", None, "empty file; expected a header")])
    columns = [c.strip() for c in header]
    problems = [
        Problem(name, "line 1", c, f"unknown column; expected {', '.join(REPORT_COLUMNS)}")
        for c in columns
        if c not in REPORT_COLUMNS
    ]
    problems += [
        Problem(name, "line 1", c, "column repeated") for c in set(columns) if columns.count(c) > 1
    ]
    problems += [
        Problem(name, "line 1", c, "required column missing")
        for c in REQUIRED_COLUMNS
        if c not in columns
    ]
    if problems:
        raise ValidationFailed(problems)
    brands = {b.id for b in parties.brands}
    twins = {w.id for w in parties.twins}
    rows: list[ReportLine] = []
    seen: dict[LineKey, int] = {}
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            problems.append(
                Problem(
                    name,
                    f"line {line_no}",
                    None,
                    f"has {len(cells)} fields; the header has {len(columns)}",
                )
            )
            continue
        row = {c: v.strip() for c, v in zip(columns, cells, strict=True)}
        found = _check_row(row, period, brands, twins)
        problems += [Problem(name, f"line {line_no}", col, msg) for col, msg in found]
        if found:
            continue
        amount = _decimal(row["amount"]) if row.get("amount") else None
        line = ReportLine(
            line_no,
            row["brand"],
            row["twin"],
            row["contract"],
            row["metric"],
            _decimal(row["quantity"]),
            amount,
            row.get("currency") or None,
        )
        if line.key in seen:
            problems.append(
                Problem(
                    name,
                    f"line {line_no}",
                    None,
                    f"repeats line {seen[line.key]} ({', '.join(line.key)})",
                )
            )
            continue
        seen[line.key] = line_no
        rows.append(line)
    if problems:
        raise ValidationFailed(problems)
    if not rows:
        raise ValidationFailed([Problem(name, None, None, "no data rows; nothing to compare")])
    return name, tuple(rows)


def _quoted(text: str) -> str:
    """``repr`` of a cell, shortened when huge."""
    return shorten(repr(text))


def _check_row(
    row: Mapping[str, str], period: str, brands: set[str], twins: set[str]
) -> list[tuple[str, str]]:
    """(column, message) for every problem of one brand-report row."""
    found = [(c, "empty; a value is required") for c in REQUIRED_COLUMNS if not row[c]]
    if found:
        return found
    if row["period"] != period:
        found.append(("period", f"{_quoted(row['period'])} is not the reconciled period {period}"))
    if row["brand"] not in brands:
        found.append(("brand", f"unknown brand {_quoted(row['brand'])}"))
    if row["twin"] not in twins:
        found.append(("twin", f"unknown twin {_quoted(row['twin'])}"))
    if row["metric"] not in METRICS:
        found.append(("metric", f"{_quoted(row['metric'])} is not one of {', '.join(METRICS)}"))
    for column in ("quantity", "amount"):
        if row.get(column):
            try:
                value = _decimal(row[column])
            except MoneyError:
                found.append((column, f"{_quoted(row[column])} is not a decimal number (use '.')"))
                continue
            if column == "quantity" and value < 0:
                found.append((column, f"{row[column]} is negative"))
            elif abs(value) > LIMITS[column] or decimal_places(value) > PRICE_PLACES:
                found.append(
                    (
                        column,
                        f"{shorten(row[column])} is out of range: at most {LIMITS[column]} "
                        f"with up to {PRICE_PLACES} decimal places",
                    )
                )
    amount, currency = row.get("amount", ""), row.get("currency", "")
    if amount and not currency:
        found.append(("currency", "empty; an amount needs its currency"))
    if currency and not is_currency(currency):
        found.append(("currency", f"unknown currency {_quoted(currency)} (not an ISO 4217 code)"))
    if currency and not amount:
        found.append(("amount", "empty; a currency is given without an amount"))
    return found
