"""One period value (``ledger.period.Period``): what is a period, and the months around it."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import LedgerError
from ledger.period import Period, PeriodError

NOT_PERIODS = ["2026-03\n", "2026-3", "0000-01", "2026-13", "2026-00", " 2026-03", "٢٠٢٦-03", ""]


@pytest.mark.parametrize("text", NOT_PERIODS)
def test_what_is_not_a_period_is_refused(text: str) -> None:
    with pytest.raises(PeriodError) as refused:
        Period.parse(text)
    assert str(refused.value) == f"{text!r} is not a period; expected YYYY-MM, e.g. 2026-03"
    assert isinstance(refused.value, LedgerError)
    assert "\n" not in str(refused.value)


def test_next_and_previous_cross_years() -> None:
    assert Period.parse("2026-12").next() == "2027-01"
    assert Period.parse("2027-01").previous() == "2026-12"
    assert Period.parse("2026-03").next() == "2026-04"
    assert Period.parse("2026-03").previous() == "2026-02"
    assert Period.parse("0001-01").next().previous() == "0001-01"
    with pytest.raises(PeriodError):
        Period.parse("0001-01").previous()
    with pytest.raises(PeriodError):
        Period.parse("9999-12").next()


def test_days_order_and_text() -> None:
    feb = Period.parse("2028-02")
    assert (feb.first_day, feb.last_day) == (date(2028, 2, 1), date(2028, 2, 29))
    assert Period.parse("2026-02").last_day == date(2026, 2, 28)
    assert Period.of(date(2026, 7, 31)) == "2026-07"
    assert sorted([Period("2027-01"), Period("2026-12"), Period("2026-02")]) == [
        "2026-02",
        "2026-12",
        "2027-01",
    ]
    assert str(feb) == "2028-02" and type(str(feb)) is str
    assert Period.parse(feb) is feb
