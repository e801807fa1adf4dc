"""`twinledger reconcile`: the cross-brand matrix, exceptions by brand and brand-report
differences of the three-brand month, checked cell by cell against the figures in conftest."""

from __future__ import annotations

from typing import Any

from tests.conftest import Books

from .conftest import HYPERLINK, PERIOD

Month = tuple[Books, dict[str, Any]]

LIV = ("liv-s", "Liv Sandström")
ZOE = ("zoe-l", "Zoë Łukasiewicz")

MATRIX = [
    (LIV, "hanami", "Hanami Denim", "publications", "JPY", "2", "20000", ["HAN-1"]),
    (LIV, "zephyr", "Zephyr & Co", "renders", "EUR", "3", "3.00", ["ZEP-1"]),
    (LIV, "zephyr", "Zephyr & Co", "publications", "EUR", "8", "600.00", ["ZEP-1"]),
    (LIV, "zephyr", "Zephyr & Co", "impressions", "EUR", "150500", "451.50", ["ZEP-1"]),
    (LIV, "zephyr", "Zephyr & Co", "video_seconds", "EUR", "30", "15.00", ["ZEP-1"]),
    (ZOE, "smith", "Smith & Sons", "publications", "GBP", "2", "330.00", ["SMI-1"]),
    (ZOE, "smith", "Smith & Sons", "impressions", "GBP", "2500", "5.00", ["SMI-1"]),
]

BRAND_REPORT = """
    period,brand,twin,contract,metric,quantity,amount,currency
    2026-09,zephyr,liv-s-twin-1,ZEP-1,renders,4,3.00,EUR
    2026-09,zephyr,liv-s-twin-1,ZEP-1,publications,7,550.00,EUR
    2026-09,zephyr,liv-s-twin-1,ZEP-1,impressions,150500,450.00,EUR
    2026-09,zephyr,liv-s-twin-1,@SUM(A1),publications,2,100.00,EUR
"""


def difference(status: str, contract: str, metric: str, line: int | None, **values: str | None):
    keys = (
        "currency",
        "ledger_quantity",
        "ledger_amount",
        "reported_currency",
        "reported_quantity",
        "reported_amount",
        "quantity_difference",
        "amount_difference",
    )
    return {
        "status": status,
        "brand": "zephyr",
        "twin": "liv-s-twin-1",
        "contract": contract,
        "metric": metric,
        "line": line,
        **{k: values.get(k) for k in keys},
    }


DIFFERENCES = [
    difference(
        "extra",
        "@SUM(A1)",
        "publications",
        5,
        reported_currency="EUR",
        reported_quantity="2",
        reported_amount="100.00",
    ),
    difference(
        "quantity_differs",
        "ZEP-1",
        "renders",
        2,
        currency="EUR",
        ledger_quantity="3",
        ledger_amount="3.00",
        reported_currency="EUR",
        reported_quantity="4",
        reported_amount="3.00",
        quantity_difference="1",
        amount_difference="0.00",
    ),
    difference(
        "quantity_and_amount_differ",
        "ZEP-1",
        "publications",
        3,
        currency="EUR",
        ledger_quantity="8",
        ledger_amount="600.00",
        reported_currency="EUR",
        reported_quantity="7",
        reported_amount="550.00",
        quantity_difference="-1",
        amount_difference="-50.00",
    ),
    difference(
        "amount_differs",
        "ZEP-1",
        "impressions",
        4,
        currency="EUR",
        ledger_quantity="150500",
        ledger_amount="451.50",
        reported_currency="EUR",
        reported_quantity="150500",
        reported_amount="450.00",
        quantity_difference="0",
        amount_difference="-1.50",
    ),
    difference(
        "missing",
        "ZEP-1",
        "video_seconds",
        None,
        currency="EUR",
        ledger_quantity="30",
        ledger_amount="15.00",
    ),
]


def test_matrix_cell_by_cell(month: Month) -> None:
    books, _ = month
    doc = books.ok("reconcile", PERIOD, "--agency", "nordlys")
    assert doc["period"] == PERIOD and doc["status"] == "draft"
    assert doc["agency"] == {"id": "nordlys", "name": "Nordlys Model Management", "currency": "SEK"}
    assert doc["talents"] == [{"id": t, "name": n} for t, n in (LIV, ZOE)]
    assert doc["matrix"] == [
        {
            "talent": talent,
            "talent_name": name,
            "brand": brand,
            "brand_name": brand_name,
            "metric": metric,
            "currency": currency,
            "quantity": quantity,
            "amount": amount,
            "contracts": contracts,
        }
        for (
            talent,
            name,
        ), brand, brand_name, metric, currency, quantity, amount, contracts in MATRIX
    ]
    assert doc["brand_report"] is None


def test_matrix_ties_to_each_contracts_usage(month: Month) -> None:
    books, _ = month
    doc = books.ok("reconcile", PERIOD, "--agency", "nordlys")
    statement = books.ok("statements", "data", PERIOD, "--party", "nordlys")
    from decimal import Decimal

    for block in statement["contracts"]:
        cells = [c for c in doc["matrix"] if c["contracts"] == [block["contract"]]]
        assert sum(Decimal(c["amount"]) for c in cells) == Decimal(block["usage"])


def test_exceptions_by_brand(month: Month) -> None:
    books, _ = month
    doc = books.ok("reconcile", PERIOD, "--agency", "nordlys")
    summary = [
        (b["brand"], b["counts"], [r["event_id"] for r in b["exceptions"]])
        for b in doc["exceptions"]
    ]
    assert summary == [
        (
            "hanami",
            {"RESTRICTED_CATEGORY": 1, "OUT_OF_SCOPE": 1, "EXCLUSIVITY_CONFLICT": 2},
            [HYPERLINK, "@SUM(A1)", "@SUM(A1)", "+1"],
        ),
        ("smith", {"UNLICENSED": 2, "UNPRICED": 1}, ["S-P3", "S-P5", "S-P4"]),
        (
            "zephyr",
            {"OUT_OF_SCOPE": 1, "MISSING_DISCLOSURE": 1, "UNVERIFIED_ASSET": 2},
            ["Z-P5", "Z-P6", "Z-P7", "Z-P8"],
        ),
    ]
    unlicensed = doc["exceptions"][1]["exceptions"][1]
    assert unlicensed == {
        "kind": "UNLICENSED",
        "brand": "smith",
        "twin": "liv-s-twin-1",
        "talent": "liv-s",
        "contract": None,
        "event_id": "S-P5",
        "occurred_at": "2026-09-06T12:00:00Z",
        "detail": "no contract licenses twin liv-s-twin-1 to brand smith on 2026-09-06",
    }


def test_brand_report_differences_line_by_line(month: Month) -> None:
    books, _ = month
    report = books.write("zephyr-report.csv", BRAND_REPORT)
    doc = books.ok("reconcile", PERIOD, "--agency", "nordlys", "--brand-report", report)
    check = doc["brand_report"]
    assert check["file"] == str(report)
    assert check["brands"] == ["zephyr"]
    assert (check["rows_read"], check["rows_other_talents"], check["matched"]) == (4, 0, 0)
    assert check["differences"] == DIFFERENCES


def test_brand_report_lines_that_agree(month: Month) -> None:
    books, _ = month
    report = books.write(
        "smith.csv",
        """
        period,brand,twin,contract,metric,quantity,amount,currency
        2026-09,smith,zoe-l-twin-1,SMI-1,publications,2.0,330,GBP
        2026-09,smith,zoe-l-twin-1,SMI-1,impressions,2500,,
        """,
    )
    check = books.ok("reconcile", PERIOD, "--agency", "nordlys", "--brand-report", report)[
        "brand_report"
    ]
    assert (check["matched"], check["differences"]) == (2, [])


def test_other_agency_sees_nothing_of_these_talents(month: Month) -> None:
    books, _ = month
    doc = books.ok("reconcile", PERIOD, "--agency", "athena")
    assert (doc["talents"], doc["matrix"], doc["exceptions"]) == ([], [], [])
    report = books.write("zephyr-report.csv", BRAND_REPORT)
    check = books.ok("reconcile", PERIOD, "--agency", "athena", "--brand-report", report)[
        "brand_report"
    ]
    assert (check["rows_other_talents"], check["differences"]) == (4, [])


def test_table_output(month: Month) -> None:
    books, _ = month
    report = books.write("zephyr-report.csv", BRAND_REPORT)
    result = books.cli("reconcile", PERIOD, "--agency", "nordlys", "--brand-report", report)
    assert result.exit_code == 0, result.stderr
    for text in ("Liv Sandström", "451.50", "UNPRICED", "missing", "550.00"):
        assert text in result.stdout


def test_refusals(month: Month) -> None:
    books, _ = month
    assert "unknown agency 'nobody'" in books.refused("reconcile", PERIOD, "--agency", "nobody")
    assert "has not been settled" in books.refused("reconcile", "2026-08", "--agency", "nordlys")
    assert "not a period" in books.refused("reconcile", "2026-9", "--agency", "nordlys")


def refused_report(books: Books, text: str) -> str:
    report = books.write("bad.csv", text)
    message = books.refused("reconcile", PERIOD, "--agency", "nordlys", "--brand-report", report)
    assert message.startswith(f"error: {report}: ")
    return message[len(f"error: {report}: ") :]


HEAD = "period,brand,twin,contract,metric,quantity,amount,currency\n"


def test_brand_report_errors_name_file_line_and_column(month: Month) -> None:
    books, _ = month
    row = "2026-09,zephyr,liv-s-twin-1,ZEP-1,renders,{q},{a},{c}\n"
    cases = [
        (
            HEAD + row.format(q='"1,5"', a="", c=""),
            "line 2: quantity: '1,5' is not a decimal number (use '.')",
        ),
        (
            HEAD + row.format(q="3", a="3.00", c=""),
            "line 2: currency: empty; an amount needs its currency",
        ),
        (
            HEAD + row.format(q="3", a="3.00", c="XXX"),
            "line 2: currency: unknown currency 'XXX' (not an ISO 4217 code)",
        ),
        (HEAD + row.format(q="-3", a="", c=""), "line 2: quantity: -3 is negative"),
        (
            HEAD + row.format(q="3", a="", c="") * 2,
            "line 3: repeats line 2 (zephyr, liv-s-twin-1, ZEP-1, renders)",
        ),
        (
            HEAD + row.format(q="3", a="", c="").replace("2026-09", "2026-08"),
            "line 2: period: '2026-08' is not the reconciled period 2026-09",
        ),
        (
            HEAD + row.format(q="3", a="", c="").replace("renders", "views"),
            "line 2: metric: 'views' is not one of "
            "renders, publications, impressions, video_seconds",
        ),
        (
            HEAD + row.format(q="3", a="", c="").replace("zephyr", "nobody"),
            "line 2: brand: unknown brand 'nobody'",
        ),
        (
            HEAD + row.format(q="3", a="", c="").replace("liv-s-twin-1", "ghost"),
            "line 2: twin: unknown twin 'ghost'",
        ),
        (HEAD + "2026-09,zephyr\n", "line 2: has 2 fields; the header has 8"),
        (
            HEAD.replace("quantity", "qty"),
            "line 1: qty: unknown column; expected period, brand, twin, contract, metric, "
            "quantity, amount, currency (and 1 more problem(s))",
        ),
        (HEAD, "no data rows; nothing to compare"),
        ("", "line 1: empty file; expected a header"),
    ]
    for text, expected in cases:
        assert refused_report(books, text) == expected
