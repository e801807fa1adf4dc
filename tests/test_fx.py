"""FX reference rates: the ECB CSV layout, lookup on or before a date, cross rates via EUR."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.fx import FxMissing, FxTable
from ledger.refdata.ecb import read_ecb_file

# 2026-03-27 is a Friday; the 28th and 29th are a weekend without rates.
ECB_CSV = (
    "\ufeffDate,USD,JPY,GBP,SEK,\n"
    "2026-03-31,1.0800,162.50,0.8500,11.2000,\n"
    "2026-03-30,1.0790,N/A,0.8490,11.1500,\n"
    "2026-03-27,1.0750,161.00,,11.1000,\n"
)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(ECB_CSV, encoding="utf-8")
    table, problems = read_ecb_file(path)
    assert problems == []
    return table


def test_trailing_comma_and_na(table):
    assert table.currencies == ("GBP", "JPY", "SEK", "USD")
    rows = set(table.rows())
    assert (date(2026, 3, 31), "JPY", D("162.50")) in rows
    assert not any(d == date(2026, 3, 30) and c == "JPY" for d, c, _ in rows)  # N/A
    assert not any(d == date(2026, 3, 27) and c == "GBP" for d, c, _ in rows)  # empty
    assert len(rows) == 3 + 2 + 2 + 3  # USD, JPY (one N/A), GBP (one empty), SEK


def test_weekend_uses_the_previous_date(table):
    fx = table.rate("EUR", "USD", date(2026, 3, 29))
    assert (fx.rate, fx.date, fx.on) == (D("1.0750"), date(2026, 3, 27), date(2026, 3, 29))


def test_na_falls_back_per_currency(table):
    # JPY has no rate on the 30th: its 27th rate is used
    fx = table.rate("EUR", "JPY", date(2026, 3, 30))
    assert (fx.rate, fx.date) == (D("161.00"), date(2026, 3, 27))


def test_cross_rates(table):
    assert table.rate("EUR", "GBP", date(2026, 3, 31)).rate == D("0.8500")
    # GBP -> EUR: 1 / 0.85 = 1.176470588235..., kept to 10 significant digits (the rate a
    # statement prints is the rate the conversion multiplies by)
    assert table.rate("GBP", "EUR", date(2026, 3, 31)).rate == D("1.176470588")
    # JPY -> SEK: 11.2000 / 162.50 = 0.06892307692307... to 10 significant digits
    fx = table.rate("JPY", "SEK", date(2026, 3, 31))
    assert fx.rate == D("0.06892307692")
    # a reader redoes the conversion from the printed figures
    amount, used = table.convert(D("2296.00"), "GBP", "EUR", date(2026, 3, 31))
    assert (amount, used.rate) == (D("2701.18"), D("1.176470588"))
    assert (D("2296.00") * D("1.176470588")).quantize(D("0.01")) == amount
    assert (fx.from_currency, fx.to_currency) == ("JPY", "SEK")
    assert table.rate("SEK", "SEK", date(2000, 1, 1)).rate == 1


def test_convert_rounds_once_to_the_target_minor_unit(table):
    # 1000 JPY x 0.068923... = 68.923... SEK -> 68.92
    amount, fx = table.convert(D(1000), "JPY", "SEK", date(2026, 3, 31))
    assert (amount, fx.date) == (D("68.92"), date(2026, 3, 31))
    # 123.45 EUR x 162.50 = 20060.625 JPY -> 20061 (0 decimals)
    assert table.convert(D("123.45"), "EUR", "JPY", date(2026, 3, 31))[0] == D(20061)
    # 0.125 EUR -> 0.125 EUR (same currency) rounds half-even -> 0.12
    assert table.convert(D("0.125"), "EUR", "EUR", date(2026, 3, 31))[0] == D("0.12")


def test_missing_rate_names_currency_and_date(table):
    with pytest.raises(FxMissing, match=r"no EUR->GBP rate for GBP on or before 2026-03-27"):
        table.rate("EUR", "GBP", date(2026, 3, 27))
    with pytest.raises(FxMissing, match=r"no CHF->EUR rate for CHF on or before 2026-03-31"):
        table.convert(D(1), "CHF", "EUR", date(2026, 3, 31))
    assert issubclass(FxMissing, LedgerError)


@given(
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.sampled_from(["JPY", "SEK", "GBP", "USD"]),
)
def test_round_trip_within_one_minor_unit(amount, currency):
    table = FxTable.from_rows(
        [
            (date(2026, 3, 31), "JPY", D("162.50")),
            (date(2026, 3, 31), "SEK", D("11.2000")),
            (date(2026, 3, 31), "GBP", D("0.8500")),
            (date(2026, 3, 31), "USD", D("1.0800")),
        ]
    )
    on = date(2026, 4, 3)  # three days after the rates' date
    there, _ = table.convert(amount, "EUR", currency, on)
    back, _ = table.convert(there, currency, "EUR", on)
    assert abs(back - amount) <= D("0.01")


def test_from_rows_refuses_conflicting_duplicates():
    day = date(2026, 3, 31)
    assert FxTable.from_rows([(day, "USD", D("1.08")), (day, "USD", D("1.08"))])
    with pytest.raises(LedgerError, match="two different rates"):
        FxTable.from_rows([(day, "USD", D("1.08")), (day, "USD", D("1.09"))])


def test_problems_name_file_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Date,USD,XYZ,GBP,\n"
        "2026-03-31,1.08,1,abc,\n"
        "31/03/2026,1.07,1,0.85,\n"
        "2026-03-30,-1,1,0.85,\n",
        encoding="utf-8",
    )
    table, problems = read_ecb_file(path)
    assert [(p.record, p.field) for p in problems] == [
        ("line 1", "column 3 (XYZ)"),
        ("line 2", "column 4 (GBP)"),
        ("line 3", "column 1 (Date)"),
        ("line 4", "column 2 (USD)"),
    ]
    assert str(problems[1]) == f"{path}: line 2: column 4 (GBP): 'abc' is not a number"
    # the good cells are kept
    assert table.rate("EUR", "USD", date(2026, 3, 31)).rate == D("1.08")


def test_missing_date_header(tmp_path):
    path = tmp_path / "nodate.csv"
    path.write_text("Day,USD\n2026-03-31,1.08\n", encoding="utf-8")
    table, problems = read_ecb_file(path)
    assert table.currencies == ()
    assert (problems[0].record, problems[0].field) == ("line 1", "column 1")


def test_a_rate_older_than_max_age_days_is_stale():
    rows = [(date(2026, 3, 31), "USD", D("1.08")), (date(2026, 3, 20), "GBP", D("0.85"))]
    table = FxTable.from_rows(rows)  # 7 days by default
    assert table.rate("EUR", "USD", date(2026, 4, 7)).date == date(2026, 3, 31)
    with pytest.raises(FxMissing) as stale:
        table.rate("EUR", "USD", date(2026, 4, 8))
    assert str(stale.value) == (
        "no EUR->USD rate for USD on 2026-04-08: the last USD rate is of 2026-03-31, "
        "more than 7 days before"
    )
    # a cross rate is as old as its older side
    with pytest.raises(FxMissing, match="the last GBP rate is of 2026-03-20"):
        table.rate("USD", "GBP", date(2026, 3, 31))
    same_day = FxTable.from_rows(rows, max_age_days=0)
    assert same_day.rate("EUR", "USD", date(2026, 3, 31)).rate == D("1.08")
    with pytest.raises(FxMissing, match="more than 0 days before"):
        same_day.rate("EUR", "USD", date(2026, 4, 1))


def test_from_rows_refuses_implausible_rates():
    day = date(2026, 3, 31)
    with pytest.raises(LedgerError) as refused:
        FxTable.from_rows([(day, "USD", D("1e400"))])
    assert str(refused.value) == (
        "USD on 2026-03-31: a rate must lie between 0.000001 and 1000000000 units per EUR, "
        "got 1E+400"
    )
    with pytest.raises(LedgerError, match="at most 12 significant digits"):
        FxTable.from_rows([(day, "USD", D("1.0800000000001"))])
