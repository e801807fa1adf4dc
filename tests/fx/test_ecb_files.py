"""The ECB's own files (history and daily, plain and zipped) import, and a month converts at the
rate of its last day, no older than `[fx] max_age_days`."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from ledger.refdata.ecb import read_ecb_file
from tests import shared
from tests.conftest import Books
from tests.fx.ecb_samples import DAILY_CODES, TYPICAL, daily_csv, hist_csv, write, zipped

RECENT = {c: v for c, v in TYPICAL.items() if c != "BGN"}  # BGN is N/A since 2026 in the history
# 2004: the withdrawn currencies still quoted; RON and TRY not yet
OLD = {"USD": "1.2309", "JPY": "133.14", "BGN": "1.9558", "CYP": "0.58700", "EEK": "15.6466",
       "LTL": "3.4528", "LVL": "0.6565", "MTL": "0.4248", "ROL": "40750", "SIT": "238.31",
       "SKK": "40.125", "TRL": "1784600", "GBP": "0.66830", "CHF": "1.5560"}  # fmt: skip


def april_history() -> dict[date, dict[str, str]]:
    """Wed 29 and Thu 30 April 2026 (Fri 1 May is a holiday), Mon 4 May, and a 2004 day."""
    return {
        date(2004, 4, 13): OLD,
        date(2026, 4, 29): RECENT | {"USD": "1.0900", "GBP": "0.86000"},
        date(2026, 4, 30): RECENT | {"USD": "1.0912", "GBP": "0.86120"},
        date(2026, 5, 4): RECENT | {"USD": "1.1000", "GBP": "0.87000"},
    }


def test_history_file_with_withdrawn_columns_na_and_trailing_commas(tmp_path: Path) -> None:
    path = write(tmp_path / "eurofxref-hist.csv", hist_csv(april_history()))
    first, second = path.read_text().splitlines()[:2]
    assert first.startswith("Date,USD,JPY,BGN,CYP,CZK,DKK,EEK,GBP,") and first.endswith("ZAR,")
    assert second.startswith("2026-05-04,1.1000,163.42,N/A,N/A,25.100,") and second.endswith(",")
    table, problems = read_ecb_file(path)
    assert problems == []
    rows = set(table.rows())
    assert len(rows) == 3 * len(RECENT) + len(OLD)
    assert (date(2004, 4, 13), "CYP", D("0.58700")) in rows
    assert (date(2004, 4, 13), "TRL", D("1784600")) in rows
    assert not any(c in ("CYP", "BGN") and d.year == 2026 for d, c, _ in rows)  # N/A: no rate
    # April converts at the rate of its last day; Saturday 2 May at Thursday's
    assert table.rate("EUR", "USD", date(2026, 4, 30)).rate == D("1.0912")
    fx = table.rate("EUR", "USD", date(2026, 5, 2))
    assert (fx.rate, fx.date) == (D("1.0912"), date(2026, 4, 30))


def test_daily_file_with_spaced_commas_and_spelled_date(tmp_path: Path) -> None:
    text = daily_csv(date(2026, 4, 13), TYPICAL)
    assert text.startswith("Date, USD, JPY, BGN, CZK, DKK, ")
    assert text.splitlines()[1].startswith("13 April 2026, 1.0912, 163.42, 1.9558, ")
    table, problems = read_ecb_file(write(tmp_path / "eurofxref.csv", text))
    assert problems == []
    assert sorted(table.rows()) == sorted(
        (date(2026, 4, 13), c, D(TYPICAL[c])) for c in DAILY_CODES
    )


def test_both_layouts_zipped_as_the_ecb_ships_them(tmp_path: Path) -> None:
    hist = write(tmp_path / "eurofxref-hist.csv", hist_csv(april_history()))
    daily = write(tmp_path / "eurofxref.csv", daily_csv(date(2026, 4, 13), TYPICAL))
    for csv_path in (hist, daily):
        archive = zipped(csv_path)
        assert zipfile.ZipFile(archive).namelist() == [csv_path.name]
        from_zip, problems = read_ecb_file(archive)
        assert problems == []
        assert list(from_zip.rows()) == list(read_ecb_file(csv_path)[0].rows())


def test_a_problem_inside_a_zip_names_the_archive_and_its_member(tmp_path: Path) -> None:
    text = daily_csv(date(2026, 4, 13), TYPICAL).replace("163.42", "16x.42")
    archive = zipped(write(tmp_path / "eurofxref.csv", text))
    _, problems = read_ecb_file(archive)
    assert [str(p) for p in problems] == [
        f"{archive}:eurofxref.csv: line 2: column 3 (JPY): '16x.42' is not a number"
    ]


def test_a_zip_must_hold_exactly_one_csv(tmp_path: Path) -> None:
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.csv", "Date,USD,\n")
        zf.writestr("b.csv", "Date,USD,\n")
    _, problems = read_ecb_file(archive)
    assert [str(p) for p in problems] == [
        f"{archive}: a zip archive must hold exactly one CSV file; it holds 'a.csv', 'b.csv'"
    ]


def test_dates_that_are_neither_layout_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "Date,USD,\n13 Avril 2026,1.09,\n31 April 2026,1.09,\n")
    _, problems = read_ecb_file(path)
    assert [str(p) for p in problems] == [
        f"{path}: line 2: column 1 (Date): '13 Avril 2026' is not a date "
        "(2026-04-13 or 13 April 2026)",
        f"{path}: line 3: column 1 (Date): '31 April 2026' is not a date "
        "(2026-04-13 or 13 April 2026)",
    ]


# -- through the ledger ----------------------------------------------------------------------

PARTIES = shared.parties(
    shared.party("agencies", id="ag", name="London Agency", currency="GBP", commission="0.20"),
    shared.party("talents", id="tess", name="Tess Gray", agency="ag", payout_currency="USD"),
    shared.party("brands", id="b1", name="Euro Brand", currency="EUR"),
    shared.party("twins", id="w1", talent="tess"),
)

CONTRACT = shared.contract("C1", "b1", "w1", "EUR", shared.rate("publications", price="100.00"))

LOG = """
    event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,ai_disclosure
    e1,2026-04-10T12:00:00Z,publication,w1,a1,social,GB,still,,true
    e2,2026-04-20T12:00:00Z,publication,w1,a1,social,GB,still,,true
"""


def april_books(books: Books, history: dict[date, dict[str, str]]) -> Path:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("c1.toml", CONTRACT))
    books.ok("ingest", books.write("april.csv", LOG), "--brand", "b1")
    hist = write(books.files / "eurofxref-hist.csv", hist_csv(history))
    return zipped(hist)


def test_april_settles_at_the_rates_of_30_april(books: Books) -> None:
    archive = april_books(books, april_history())
    imported = books.ok("fx", "import", archive)
    assert imported == {
        "rates": 3 * len(RECENT) + len(OLD),
        "new": 3 * len(RECENT) + len(OLD),
        "unchanged": 0,
        "updated": [],
    }
    daily = zipped(write(books.files / "eurofxref.csv", daily_csv(date(2026, 4, 13), TYPICAL)))
    assert books.ok("fx", "import", daily)["new"] == len(DAILY_CODES)
    books.ok("settle", "run", "2026-04")
    # 2 x 100.00 EUR earned; commission 40.00; talent_net 160.00
    tess = books.ok("statements", "data", "2026-04", "--party", "tess")["summary"]
    [fx] = tess["fx_rates"]
    assert (fx["from"], fx["to"], D(fx["rate"]), fx["date"]) == (
        "EUR",
        "USD",
        D("1.0912"),
        "2026-04-30",
    )
    assert tess["payable"] == "174.59"  # 160.00 x 1.0912 = 174.592
    agency = books.ok("statements", "data", "2026-04", "--party", "ag")["summary"]
    assert agency["payable"] == "34.45"  # 40.00 x 0.86120 = 34.448


def test_a_rate_older_than_max_age_days_is_refused_with_its_date(books: Books) -> None:
    history = {
        date(2026, 4, 21): RECENT | {"USD": "1.0850", "GBP": "0.85900"},
        date(2026, 4, 22): RECENT | {"USD": "1.0860"},
    }
    books.ok("fx", "import", april_books(books, history))
    message = books.refused("settle", "run", "2026-04")
    assert message == (
        "error: no EUR->USD rate for USD on 2026-04-30: the last USD rate is of 2026-04-22, "
        "more than 7 days before"
    )
    assert books.ok("settle", "status", "2026-04")["status"] == "open"
    settings = books.root / "workspace.toml"
    settings.write_text(settings.read_text().replace("max_age_days = 7", "max_age_days = 8"))
    books.ok("settle", "run", "2026-04")
    tess = books.ok("statements", "data", "2026-04", "--party", "tess")["summary"]
    assert [f["date"] for f in tess["fx_rates"]] == ["2026-04-22"]
    assert tess["payable"] == "173.76"  # 160.00 x 1.0860


@pytest.mark.parametrize("value", ["-1", "7.5", '"seven"', "true", "400"])
def test_max_age_days_must_be_a_whole_number_of_days(books: Books, value: str) -> None:
    books.ok("fx", "import", april_books(books, april_history()))
    settings = books.root / "workspace.toml"
    settings.write_text(settings.read_text().replace("max_age_days = 7", f"max_age_days = {value}"))
    message = books.refused("settle", "run", "2026-04")
    assert message.startswith(f"error: {settings}: [fx] max_age_days must be a whole number")
