from datetime import date

import pytest

from ledger.economics.periods import calendar_span, months_between, period_bounds, period_of


def test_period_bounds():
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(ValueError):
        period_bounds("2026-13")


def test_months_between():
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_between("2026-03", "2026-03") == ["2026-03"]
    assert months_between("2026-04", "2026-03") == []
    assert period_of(date(2026, 7, 31)) == "2026-07"


def test_calendar_spans():
    term = (date(2026, 2, 15), date(2027, 5, 20))
    assert calendar_span("quarter", date(2026, 2, 28), term) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert calendar_span("quarter", date(2026, 12, 1), term) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert calendar_span("year", date(2027, 5, 1), term) == (date(2027, 1, 1), date(2027, 12, 31))
    assert calendar_span("term", date(2026, 6, 1), term) == term
