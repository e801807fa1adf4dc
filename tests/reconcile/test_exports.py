"""CSV and XLSX exports: the same numbers as --json, and text never turned into a formula."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reports import exports
from tests.conftest import Books

from .conftest import HYPERLINK, PERIOD
from .test_reconcile import BRAND_REPORT

Month = tuple[Books, dict[str, Any]]
NUMBERS = ("quantity", "amount", "reported_quantity", "reported_amount")
NUMBERS += ("quantity_difference", "amount_difference")
LEDGER_NUMBERS = ("ledger_quantity", "ledger_amount", *NUMBERS[2:])
DANGEROUS = [HYPERLINK, "@SUM(A1)", "+1", "-2", "\tx", "\rx", "\nx"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(path)[name]
    header, *rows = [[c.value for c in r] for r in sheet.iter_rows()]
    return [dict(zip(header, r, strict=True)) for r in rows]


def reconcile(books: Books, tmp_path: Path) -> tuple[dict[str, Any], Path, Path]:
    report = books.write("zephyr-report.csv", BRAND_REPORT)
    csv_file, xlsx_file = tmp_path / "out" / "rec.csv", tmp_path / "out" / "rec.xlsx"
    args = ("reconcile", PERIOD, "--agency", "nordlys", "--brand-report", report)
    doc = books.ok(*args, "--csv", csv_file, "--xlsx", xlsx_file)
    return doc, csv_file, xlsx_file


def test_csv_has_the_json_numbers(month: Month, tmp_path: Path) -> None:
    books, _ = month
    doc, csv_file, _ = reconcile(books, tmp_path)
    rows = read_csv(csv_file)
    usage = [r for r in rows if r["section"] == "usage"]
    assert [
        (r["talent"], r["brand"], r["metric"], r["currency"], r["quantity"], r["amount"])
        for r in usage
    ] == [
        (c["talent"], c["brand"], c["metric"], c["currency"], c["quantity"], c["amount"])
        for c in doc["matrix"]
    ]
    differences = [r for r in rows if r["section"] == "difference"]
    assert [
        (r["kind"], r["contract"].lstrip("'"), *(r[k] for k in NUMBERS)) for r in differences
    ] == [
        (d["status"], d["contract"], *(d[k] or "" for k in LEDGER_NUMBERS))
        for d in doc["brand_report"]["differences"]
    ]
    exceptions = [r for r in rows if r["section"] == "exception"]
    expected = [e for b in doc["exceptions"] for e in b["exceptions"]]
    assert [(r["kind"], r["brand"], r["occurred_at"], r["detail"]) for r in exceptions] == [
        (e["kind"], e["brand"], e["occurred_at"], e["detail"]) for e in expected
    ]


def test_xlsx_has_the_json_numbers_as_numbers(month: Month, tmp_path: Path) -> None:
    books, _ = month
    doc, _, xlsx_file = reconcile(books, tmp_path)
    usage = sheet_rows(xlsx_file, "Usage")
    assert [(r["talent"], r["brand"], r["metric"], r["currency"]) for r in usage] == [
        (c["talent"], c["brand"], c["metric"], c["currency"]) for c in doc["matrix"]
    ]
    for row, cell in zip(usage, doc["matrix"], strict=True):
        assert isinstance(row["quantity"], int | float) and isinstance(row["amount"], int | float)
        assert Decimal(str(row["quantity"])) == Decimal(cell["quantity"])
        assert Decimal(str(row["amount"])) == Decimal(cell["amount"])
    counts = sheet_rows(xlsx_file, "Exception counts")
    assert [(r["brand"], r["total"]) for r in counts] == [
        (b["brand"], sum(b["counts"].values())) for b in doc["exceptions"]
    ]
    differences = sheet_rows(xlsx_file, "Differences")
    assert [r["status"] for r in differences] == [
        d["status"] for d in doc["brand_report"]["differences"]
    ]
    publications = differences[2]
    assert (publications["ledger_amount"], publications["amount_difference"]) == (600, -50)


def test_formulas_stay_literal_text(month: Month, tmp_path: Path) -> None:
    books, _ = month
    _, csv_file, xlsx_file = reconcile(books, tmp_path)
    rows = read_csv(csv_file)
    event_ids = [r["event_id"] for r in rows if r["section"] == "exception"]
    assert "'" + HYPERLINK in event_ids and "'@SUM(A1)" in event_ids and "'+1" in event_ids
    assert HYPERLINK not in event_ids
    assert [r["contract"] for r in rows if r["kind"] == "extra"] == ["'@SUM(A1)"]

    book = openpyxl.load_workbook(xlsx_file)
    cells = [c for r in book["Exceptions"].iter_rows(min_row=2) for c in r if c.column == 6]
    assert [c.value for c in cells][:4] == [HYPERLINK, "@SUM(A1)", "@SUM(A1)", "+1"]
    assert all(c.data_type == "s" for c in cells)
    extra = book["Differences"]["D2"]
    assert (extra.value, extra.data_type) == ("@SUM(A1)", "s")


def test_exceptions_csv(month: Month, tmp_path: Path) -> None:
    books, _ = month
    out = tmp_path / "exceptions.csv"
    doc = books.ok("exceptions", PERIOD, "--brand", "hanami", "--csv", out)
    rows = read_csv(out)
    assert [r["event_id"] for r in rows] == ["'" + HYPERLINK, "'@SUM(A1)", "'@SUM(A1)", "'+1"]
    assert [{**r, "event_id": r["event_id"][1:]} for r in rows] == [
        {k: v or "" for k, v in e.items()} for e in doc["exceptions"]
    ]
    result = books.cli("exceptions", PERIOD, "--csv", out)
    assert result.exit_code == 0 and "11 exception(s) written to" in result.stdout


@pytest.mark.parametrize("text", DANGEROUS)
def test_every_formula_start_is_neutralised(tmp_path: Path, text: str) -> None:
    table = exports.Table("T", ("text", "number"), [(text, Decimal("-1.50")), ("plain", None)])
    exports.write_csv(tmp_path / "t.csv", table)
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["text", "number"], ["'" + text, "-1.50"], ["plain", ""]]
    exports.write_xlsx(tmp_path / "t.xlsx", [table])
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["T"]
    # openpyxl leaves the OOXML escape of a carriage return (_x000D_) as it is; Excel reads CR.
    assert sheet["A2"].value in (text, text.replace("\r", "_x000D_"))
    assert sheet["A2"].data_type == "s"
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-1.5, "n")


def test_xlsx_numbers_are_exact_or_text(tmp_path: Path) -> None:
    values = [
        Decimal("4358.39"),
        Decimal("500000"),
        Decimal("1.250"),
        Decimal("0.1234567890123456789"),
    ]
    exports.write_xlsx(tmp_path / "n.xlsx", [exports.Table("N", ("n",), [(v,) for v in values])])
    sheet = openpyxl.load_workbook(tmp_path / "n.xlsx")["N"]
    cells = [sheet.cell(row=n, column=1) for n in range(2, 6)]
    assert [c.value for c in cells] == [4358.39, 500000, 1.25, "0.1234567890123456789"]
    assert [c.number_format for c in cells[:3]] == ["0.00", "0", "0.000"]


def test_a_format_in_the_registry_is_written_by_reconcile_export(
    month: Month, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.exports_support import TSV

    books, _ = month
    monkeypatch.setitem(exports.EXPORT_FORMATS, "tsv", TSV)
    tsv_file, csv_file = tmp_path / "rec.tsv", tmp_path / "rec.csv"
    args = ("reconcile", PERIOD, "--agency", "nordlys")
    doc = books.ok(*args, "--export", f"tsv={tsv_file}", "--export", f"csv={csv_file}")
    tsv_rows = [line.split("\t") for line in tsv_file.read_text(encoding="utf-8").splitlines()]
    csv_rows = [list(r.values()) for r in read_csv(csv_file)]
    assert tsv_rows[1:] == csv_rows
    usage = [r for r in tsv_rows[1:] if r[0] == "usage"]
    assert len(usage) == len(doc["matrix"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pdf=out.pdf", "unknown export format 'pdf'; expected one of csv, xlsx"),
        ("out.csv", "'out.csv' is not FORMAT=FILE"),
    ],
)
def test_an_unknown_export_format_is_a_usage_error(
    month: Month, tmp_path: Path, value: str, expected: str
) -> None:
    books, _ = month
    result = books.cli("reconcile", PERIOD, "--agency", "nordlys", "--export", value)
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.replace("│", " ").split())
    assert not (tmp_path / "out.pdf").exists()
