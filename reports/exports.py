"""CSV and XLSX exports: the one place that writes them.

Cells are text (``str``), numbers (``Decimal`` or ``int``) or empty (``None``). Text that a
spreadsheet would run as a formula (it starts with = + - @ tab, CR or LF) is neutralised: in CSV it
is prefixed with a single quote, in XLSX it is written as a string cell with the quote-prefix
style, so it shows its own text and is never evaluated. Numbers are written exactly: a ``Decimal``
goes into the XLSX as its own decimal text (never through a binary float here); one with more
significant digits than a spreadsheet keeps is written as text instead.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ledger.domain import EXCEPTION_KINDS
from ledger.errors import LedgerError
from ledger.money import round_money
from ledger.reconcile import EXCEPTION_KEYS, ContractProvenance, Difference, Reconciliation

Cell = str | Decimal | int | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
SPREADSHEET_DIGITS = 15


@dataclass(frozen=True)
class Table:
    """Rows under named columns; ``name`` becomes the XLSX sheet name (31 characters at most)."""

    name: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def decimal_text(value: Decimal) -> str:
    """Plain positional notation: never an exponent."""
    return format(value, "f")


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int):
        return str(value)
    return "'" + value if is_formula_like(value) else value


def write_csv(path: Path, table: Table) -> Path:
    """One table as UTF-8 CSV with a header row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_cell(c) for c in table.columns])
        writer.writerows([csv_cell(c) for c in row] for row in table.rows)
    return path


def _number_format(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


def _exact_in_spreadsheet(value: Decimal) -> bool:
    return value.is_finite() and len(value.normalize().as_tuple().digits) <= SPREADSHEET_DIGITS


def write_xlsx(path: Path, tables: Sequence[Table]) -> Path:
    """Each table on its own sheet, header row bold and frozen."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    literal = workbook.add_format({"quote_prefix": True})
    number_formats: dict[str, object] = {}

    def number_format(value: Decimal) -> object:
        code = _number_format(value)
        if code not in number_formats:
            number_formats[code] = workbook.add_format({"num_format": code})
        return number_formats[code]

    for table in tables:
        sheet = workbook.add_worksheet(table.name[:31])
        widths = [len(str(c)) for c in table.columns]
        for col, name in enumerate(table.columns):
            sheet.write_string(0, col, name, literal if is_formula_like(name) else bold)
        for r, row in enumerate(table.rows, start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Decimal) and _exact_in_spreadsheet(value):
                    sheet.write_number(r, col, value, number_format(value))
                elif isinstance(value, int) and not isinstance(value, bool):
                    sheet.write_number(r, col, value)
                else:
                    text = decimal_text(value) if isinstance(value, Decimal) else str(value)
                    sheet.write_string(r, col, text, literal if is_formula_like(text) else None)
                if col < len(widths):
                    widths[col] = max(widths[col], len(csv_cell(value)))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(max(width, 6) + 2, 60))
        sheet.freeze_panes(1, 0)
    workbook.close()
    return path


USAGE_COLUMNS = (
    "talent",
    "talent_name",
    "brand",
    "brand_name",
    "metric",
    "currency",
    "quantity",
    "amount",
    "contracts",
)
DIFFERENCE_COLUMNS = (
    "status",
    "brand",
    "twin",
    "contract",
    "metric",
    "line",
    "currency",
    "ledger_quantity",
    "reported_quantity",
    "quantity_difference",
    "ledger_amount",
    "reported_currency",
    "reported_amount",
    "amount_difference",
)
CSV_COLUMNS = (
    "section",
    "talent",
    "brand",
    "twin",
    "contract",
    "metric",
    "currency",
    "quantity",
    "amount",
    "reported_currency",
    "reported_quantity",
    "reported_amount",
    "quantity_difference",
    "amount_difference",
    "kind",
    "line",
    "event_id",
    "occurred_at",
    "detail",
    "consents",
    "credentials_verified",
    "credentials_uses",
)
CONTRACT_COLUMNS = (
    "talent",
    "brand",
    "twin",
    "contract",
    "consents",
    "credentials_verified",
    "credentials_uses",
)


def _difference_row(d: Difference) -> list[Cell]:
    ledger, reported = d.ledger, d.reported
    return [
        d.status,
        d.brand,
        d.twin,
        d.contract,
        d.metric,
        d.line_no,
        ledger.currency if ledger else None,
        ledger.quantity if ledger else None,
        reported.quantity if reported else None,
        d.quantity_difference,
        round_money(ledger.amount, ledger.currency) if ledger else None,
        reported.currency if reported else None,
        reported.amount if reported else None,
        d.amount_difference,
    ]


def reconciliation_tables(rec: Reconciliation) -> list[Table]:
    """The XLSX sheets: usage matrix, exception counts, exceptions, contracts (consents and
    content credentials), brand-report differences."""
    usage = Table(
        "Usage",
        USAGE_COLUMNS,
        [
            [
                c.talent,
                c.talent_name,
                c.brand,
                c.brand_name,
                c.metric,
                c.currency,
                c.quantity,
                round_money(c.amount, c.currency),
                " ".join(c.contracts),
            ]
            for c in rec.matrix
        ],
    )
    counts = Table(
        "Exception counts",
        ("brand", *EXCEPTION_KINDS, "total"),
        [
            [b.brand, *(b.counts.get(k, 0) for k in EXCEPTION_KINDS), sum(b.counts.values())]
            for b in rec.exceptions
        ],
    )
    rows = Table(
        "Exceptions",
        EXCEPTION_KEYS,
        [[r.get(k) for k in EXCEPTION_KEYS] for b in rec.exceptions for r in b.rows],
    )
    contracts = Table("Contracts", CONTRACT_COLUMNS, [_contract_row(c) for c in rec.contracts])
    tables = [usage, counts, rows, contracts]
    if rec.brand_report is not None:
        tables.append(
            Table(
                "Differences",
                DIFFERENCE_COLUMNS,
                [_difference_row(d) for d in rec.brand_report.differences],
            )
        )
    return tables


def _contract_row(c: ContractProvenance) -> list[Cell]:
    return [
        c.talent,
        c.brand,
        c.twin,
        c.contract,
        " ".join(c.consents) or None,
        c.credentials_verified,
        c.credentials_uses,
    ]


def _csv_row(**values: Cell) -> list[Cell]:
    return [values.get(column) for column in CSV_COLUMNS]


def reconciliation_csv_table(rec: Reconciliation) -> Table:
    """Everything in one CSV table; ``section`` says what a row is: usage, exception,
    difference (``kind`` then holds the exception kind or the difference status) or contract
    (its consents and content credentials)."""
    rows: list[list[Cell]] = [
        _csv_row(
            section="usage",
            talent=c.talent,
            brand=c.brand,
            contract=" ".join(c.contracts),
            metric=c.metric,
            currency=c.currency,
            quantity=c.quantity,
            amount=round_money(c.amount, c.currency),
        )
        for c in rec.matrix
    ]
    rows += [
        _csv_row(section="exception", **{k: r.get(k) for k in EXCEPTION_KEYS})
        for b in rec.exceptions
        for r in b.rows
    ]
    if rec.brand_report is not None:
        for d in rec.brand_report.differences:
            cells = dict(zip(DIFFERENCE_COLUMNS, _difference_row(d), strict=True))
            rows.append(
                _csv_row(
                    section="difference",
                    kind=cells.pop("status"),
                    quantity=cells.pop("ledger_quantity"),
                    amount=cells.pop("ledger_amount"),
                    **cells,
                )
            )
    rows += [
        _csv_row(section="contract", **dict(zip(CONTRACT_COLUMNS, _contract_row(c), strict=True)))
        for c in rec.contracts
    ]
    return Table("Reconciliation", CSV_COLUMNS, rows)


class ExportFormat(NamedTuple):
    """One way to export a reconciliation: its media type and the writer of its file."""

    media_type: str
    write: Callable[[Path, Reconciliation], Path]


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat(
        "text/csv; charset=utf-8",
        lambda path, rec: write_csv(path, reconciliation_csv_table(rec)),
    ),
    "xlsx": ExportFormat(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda path, rec: write_xlsx(path, reconciliation_tables(rec)),
    ),
}
"""Every export format by name (the file extension), served by `reconcile --export` and the
portal alike."""


class UnknownFormat(LedgerError):
    """A format name that is not in ``EXPORT_FORMATS``."""


def export_format(name: str) -> ExportFormat:
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(EXPORT_FORMATS))
        raise UnknownFormat(f"unknown export format {name!r}; expected one of {known}") from None


def write_reconciliation(path: Path, rec: Reconciliation, name: str) -> Path:
    """Write ``rec`` to ``path`` in the export format ``name``."""
    return export_format(name).write(path, rec)
