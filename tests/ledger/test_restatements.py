"""Ad-platform exports restate earlier days: the newest version of each (brand, event_id) counts,
in the open month or as a prior-period adjustment once the month is closed (SPEC 2.4)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import xlsxwriter

from tests.conftest import Books

PARTIES = """
    [[agencies]]
    id = "ag"
    name = "Agency"
    currency = "EUR"
    commission = "0.20"

    [[talents]]
    id = "t1"
    name = "Zoë"
    agency = "ag"
    payout_currency = "EUR"

    [[brands]]
    id = "b1"
    name = "Brand One"
    currency = "EUR"

    [[twins]]
    id = "zoe-twin"
    talent = "t1"
"""

CONTRACT = """
    id = "K1"
    brand = "b1"
    twin = "zoe-twin"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["WORLD"]
    channels = ["*"]

    [[rates]]
    metric = "impressions"
    per = 1000
    price = "2.50"
"""

PROFILE = """
    thousands_separator = ","
    encoding = "cp1252"
    sheet = "Report"
    ignore = ["Reporting ends", "Link clicks", "Amount spent (EUR)"]

    [identity]
    columns = ["Reporting starts", "Ad name", "Country"]

    [[drop]]
    column = "Ad name"
    equals = "Total"

    [extract."Ad name"]
    pattern = '^(?P<twin_id>[^_]+)__(?P<asset_id>[^_]+)__(?P<channel>.+)$'

    [columns]
    "Reporting starts" = "occurred_at"
    "Country" = "territory"
    "Impressions" = "quantity"

    [values.channel]
    IG_feed = "social"
    IG_story = "social"

    [defaults]
    kind = "impressions"
"""

HEADER = [
    "Reporting starts",
    "Reporting ends",
    "Ad name",
    "Country",
    "Impressions",
    "Link clicks",
    "Amount spent (EUR)",
]
ADS = [
    ("2026-03-01", "zoe-twin__Z-Å1__IG_feed", "SE"),
    ("2026-03-02", "zoe-twin__Z-Å1__IG_feed", "SE"),
    ("2026-03-02", "zoe-twin__Z-B2__IG_story", "DK"),
]


def export_csv(books: Books, name: str, impressions: list[int]) -> Path:
    """An Ads Manager export in Windows-1252: thousands separators, a euro sign, a totals row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for (day, ad, country), count in zip(ADS, impressions, strict=True):
        writer.writerow([day, day, ad, country, f"{count:,}", 12, "€5.00"])
    writer.writerow(["", "", "Total", "", f"{sum(impressions):,}", "", ""])
    path = books.files / name
    path.write_bytes(out.getvalue().encode("cp1252"))
    return path


def export_xlsx(books: Books, name: str, impressions: list[int]) -> Path:
    path = books.files / name
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Report")
    sheet.write_row(0, 0, HEADER)
    for row, ((day, ad, country), count) in enumerate(zip(ADS, impressions, strict=True), 1):
        sheet.write_row(row, 0, [day, day, ad, country])
        sheet.write_number(row, 4, count)
        sheet.write_number(row, 6, 5.0)
    sheet.write_row(len(ADS) + 1, 2, ["Total", "", sum(impressions)])
    book.close()
    return path


def ingest(books: Books, path: Path, *flags: str) -> dict[str, Any]:
    result: dict[str, Any] = books.ok(
        "ingest", path, "--brand", "b1", "--profile", books.files / "ads.toml", *flags
    )
    assert result["rows_read"] == (
        result["accepted"]
        + result["duplicates"]
        + result["restated"]
        + result["rejected"]
        + result["skipped"]
    )
    assert result["conflicts"] <= result["duplicates"]
    return result


def counts(result: dict[str, Any]) -> tuple[int, ...]:
    keys = ("rows_read", "accepted", "duplicates", "restated", "rejected", "skipped", "conflicts")
    return tuple(result[key] for key in keys)


def usage(books: Books, period: str) -> dict[str, Any]:
    [contract] = books.ok("statements", "data", period, "--party", "t1")["contracts"]
    return contract  # type: ignore[no-any-return]


def test_restated_days_settle_the_difference_open_then_as_adjustments(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT))
    books.write("ads.toml", PROFILE)

    first = ingest(books, export_csv(books, "march.csv", [10_000, 12_500, 4_200]))
    assert counts(first) == (4, 3, 0, 0, 0, 1, 0)
    # the same report as XLSX: the same event ids and content, so all duplicates
    again = ingest(books, export_xlsx(books, "march.xlsx", [10_000, 12_500, 4_200]))
    assert counts(again) == (4, 0, 3, 0, 0, 1, 0)

    books.ok("settle", "run", "2026-03")
    # 26,700 impressions x 2.50 per 1000 = 66.75
    assert usage(books, "2026-03")["usage"] == "66.75"

    # a week later the platform restates two days with higher counts
    restated = export_csv(books, "march-restated.csv", [11_000, 12_500, 5_200])
    plain = ingest(books, restated)
    assert counts(plain) == (4, 0, 3, 0, 0, 1, 2)
    listed = (books.root / plain["conflicts_file"]).read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in listed] == ["line_no", "2", "4"]
    assert first["batch_id"] in listed[1]
    books.ok("settle", "run", "2026-03")
    assert usage(books, "2026-03")["usage"] == "66.75"  # nothing changed silently

    books.ok("batches", "void", plain["batch_id"], "--reason", "a restatement", "--by", "ops")
    applied = ingest(books, restated, "--restate")
    assert counts(applied) == (4, 0, 1, 2, 0, 1, 0)
    assert applied["conflicts_file"] is None
    before = books.digest()
    assert ingest(books, restated, "--restate")["status"] == "already_ingested"
    assert books.digest() == before
    batches = books.ok("batches", "list")["batches"]
    [listed_batch] = [b for b in batches if b["batch_id"] == applied["batch_id"]]
    assert (listed_batch["restated"], listed_batch["skipped"], listed_batch["periods"]) == (
        2,
        1,
        ["2026-03"],
    )

    books.ok("settle", "run", "2026-03")
    # 28,700 impressions x 2.50 per 1000 = 71.75: exactly the 2,000 restated impressions more
    march = usage(books, "2026-03")
    assert (march["usage"], march["commission"], march["talent_net"]) == (
        "71.75",
        "14.35",
        "57.40",
    )
    [line] = march["lines"]
    explained = books.ok("explain", line["line_id"])
    assert explained["quantity"] == "28700"
    versions = sorted(
        (e["occurred_at"][:10], e["territory"], e["quantity"], e["batch_id"], e["superseded_by"])
        for e in explained["events"]
    )
    assert versions == [
        ("2026-03-01", "SE", "10000", first["batch_id"], applied["batch_id"]),
        ("2026-03-01", "SE", "11000", applied["batch_id"], None),
        ("2026-03-02", "DK", "4200", first["batch_id"], applied["batch_id"]),
        ("2026-03-02", "DK", "5200", applied["batch_id"], None),
        ("2026-03-02", "SE", "12500", first["batch_id"], None),
    ]

    # after the close, a further restatement lands in April as a prior-period adjustment
    books.ok("settle", "close", "2026-03")
    later = ingest(
        books, export_csv(books, "march-restated-2.csv", [11_000, 14_500, 5_200]), "--restate"
    )
    assert counts(later) == (4, 0, 2, 1, 0, 1, 0)
    books.ok("settle", "run", "2026-04")
    april = usage(books, "2026-04")
    # 2,000 impressions x 2.50 per 1000 = 5.00; commission 20 % = 1.00
    assert april["usage"] == "0.00"
    assert april["prior_period_adjustments"] == [{
        "period": "2026-03", "usage": "5.00", "retainer": "0.00", "cap_adjustment": "0.00",
        "minimum_guarantee_topup": "0.00", "earned": "5.00", "advance_paid": "0.00",
        "advance_recouped": "0.00", "brand_due": "5.00", "commission": "1.00",
        "withholding": "0.00", "talent_net": "4.00",
    }]  # fmt: skip
    assert usage(books, "2026-03")["usage"] == "71.75"  # the closed month as issued

    # withdrawing the later restatement lets the version it replaced count again
    books.ok("batches", "void", later["batch_id"], "--reason", "sent twice", "--by", "ops")
    books.ok("settle", "run", "2026-04")
    assert usage(books, "2026-04")["prior_period_adjustments"] == []


def test_a_profile_can_make_every_ingest_a_restatement(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT))
    books.write("ads.toml", "restate = true\n" + PROFILE)
    ingest(books, export_csv(books, "march.csv", [10_000, 12_500, 4_200]))
    later = ingest(books, export_xlsx(books, "march.xlsx", [10_000, 13_000, 4_200]))
    assert counts(later) == (4, 0, 2, 1, 0, 1, 0)
    books.ok("settle", "run", "2026-03")
    # 27,200 impressions x 2.50 per 1000 = 68.00
    assert usage(books, "2026-03")["usage"] == "68.00"
