"""Re-importing rate files: the same values change nothing; a changed rate is stored unless a
closed period used it."""

from __future__ import annotations

from datetime import date

from tests.conftest import Books
from tests.fx.ecb_samples import DAILY_CODES, TYPICAL, daily_csv, hist_csv, write, zipped
from tests.fx.test_ecb_files import RECENT, april_books, april_history


def test_reimporting_the_same_file_changes_nothing(books: Books) -> None:
    archive = april_books(books, april_history())
    first = books.ok("fx", "import", archive)
    before = books.digest()
    again = books.cli("fx", "import", archive)
    assert again.exit_code == 0
    assert (
        again.stdout
        == f"imported {first['rates']} rates: 0 new, {first['rates']} unchanged, 0 updated\n"
    )
    assert books.digest() == before


def test_an_overlapping_file_adds_only_what_is_new(books: Books) -> None:
    thirteenth = date(2026, 4, 13)
    daily = write(books.files / "eurofxref.csv", daily_csv(thirteenth, TYPICAL))
    assert books.ok("fx", "import", daily)["new"] == len(DAILY_CODES)
    # the history repeats 13 April (without BGN, N/A there) and adds 14 April
    history = {thirteenth: RECENT, date(2026, 4, 14): RECENT | {"USD": "1.0950"}}
    hist = zipped(write(books.files / "eurofxref-hist.csv", hist_csv(history)))
    assert books.ok("fx", "import", hist) == {
        "rates": 2 * len(RECENT),
        "new": len(RECENT),
        "unchanged": len(RECENT),
        "updated": [],
    }


def test_numerically_equal_values_are_unchanged(books: Books) -> None:
    books.ok("fx", "import", books.write("a.csv", "Date,USD,\n2026-04-30,1.0800,\n"))
    assert books.ok("fx", "import", books.write("b.csv", "Date,USD,\n2026-04-30,1.08,\n")) == {
        "rates": 1,
        "new": 0,
        "unchanged": 1,
        "updated": [],
    }


def close_april(books: Books) -> None:
    books.ok("fx", "import", april_books(books, april_history()))
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")


def test_a_changed_rate_used_by_a_closed_period_is_refused(books: Books) -> None:
    close_april(books)
    before = books.digest()
    changed = books.write(
        "usd.csv", "Date,USD,JPY,\n2026-05-04,1.1001,163.42,\n2026-04-30,1.0999,163.42,\n"
    )
    message = books.refused("fx", "import", changed)
    assert message == (
        f"error: {changed}: USD on 2026-04-30: closed period 2026-04 used the rate 1.0912; "
        "refusing to change it to 1.0999"
    )
    assert books.digest() == before  # nothing of the file stored, not even the 4 May change
    # GBP too: the agency's commission was converted with it
    gbp = books.write("gbp.csv", "Date,GBP,\n2026-04-30,0.86200,\n")
    assert books.refused("fx", "import", gbp) == (
        f"error: {gbp}: GBP on 2026-04-30: closed period 2026-04 used the rate 0.8612; "
        "refusing to change it to 0.862"
    )


def test_a_changed_rate_no_closed_period_used_is_updated_and_said_so(books: Books) -> None:
    close_april(books)
    # 4 May comes after April; 29 April was not April's last rate
    changed = books.write(
        "c.csv", "Date,USD,\n2026-05-04,1.1001,\n2026-04-29,1.0901,\n2026-04-30,1.0912,\n"
    )
    result = books.cli("fx", "import", changed)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "imported 3 rates: 0 new, 1 unchanged, 2 updated",
        "updated USD 2026-04-29: 1.09 -> 1.0901 (no closed period used it)",
        "updated USD 2026-05-04: 1.1 -> 1.1001 (no closed period used it)",
    ]
    again = books.write("d.csv", "Date,USD,\n2026-05-04,1.1002,\n")
    assert books.ok("fx", "import", again)["updated"] == [
        {"currency": "USD", "date": "2026-05-04", "old": "1.1001", "new": "1.1002"}
    ]


def test_a_new_rate_that_would_replace_a_closed_periods_rate_is_refused(books: Books) -> None:
    history = april_history()
    del history[date(2026, 4, 30)]  # April closes with the rates of the 29th
    books.ok("fx", "import", april_books(books, history))
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    late = books.write("late.csv", "Date,USD,\n2026-04-30,1.0912,\n")
    assert books.refused("fx", "import", late) == (
        f"error: {late}: USD on 2026-04-30: closed period 2026-04 used the USD rate of "
        "2026-04-29; refusing a new rate 1.0912 that would stand in its place"
    )
    # a currency April had no rate for (so could not convert) takes a rate for 30 April
    assert (
        books.ok("fx", "import", books.write("aed.csv", "Date,AED,\n2026-04-30,4.0075,\n"))["new"]
        == 1
    )


def test_the_output_lists_the_first_20_updated_rates(books: Books) -> None:
    days = [f"2026-03-{d:02d}" for d in range(2, 27)]  # 25 dates, no period closed
    books.ok(
        "fx", "import", books.write("a.csv", "Date,USD,\n" + "".join(f"{d},1.08,\n" for d in days))
    )
    result = books.cli(
        "fx", "import", books.write("b.csv", "Date,USD,\n" + "".join(f"{d},1.09,\n" for d in days))
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "imported 25 rates: 0 new, 0 unchanged, 25 updated"
    assert lines[1] == "updated USD 2026-03-02: 1.08 -> 1.09 (no closed period used it)"
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "... and 5 more updated (see --json)"
    one = books.cli("fx", "import", books.write("c.csv", "Date,USD,\n2026-03-02,1.090,\n"))
    assert one.stdout == "imported 1 rate: 0 new, 1 unchanged, 0 updated\n"
