"""Calendar months ("YYYY-MM") and the calendar-aligned periods of caps and minimum guarantees."""

from __future__ import annotations

import functools
from datetime import date

from ledger.period import Period


def period_of(day: date) -> str:
    return Period.of(day)


@functools.cache
def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of the month: ``period_bounds("2028-02")`` is Feb 1 and Feb 29, 2028.

    Kept per month: the economics of every contract ask for every month of its term."""
    value = Period.parse(period)
    return value.first_day, value.last_day


def days_in_month(period: str) -> int:
    first, last = period_bounds(period)
    return (last - first).days + 1


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` through ``last``, inclusive and in order (empty if reversed)."""
    return list(_months(first, last))


@functools.cache
def _months(first: str, last: str) -> tuple[str, ...]:
    """Kept per range: every contract asks for every month of its term at each settlement."""
    month, end = Period.parse(first), Period.parse(last)
    months: list[str] = []
    while month <= end:
        months.append(month)
        if month == end:
            break
        month = month.next()
    return tuple(months)


def days(first: date, last: date) -> int:
    """Days from ``first`` through ``last`` inclusive (0 when the range is empty)."""
    return max(0, (last - first).days + 1)


def overlap(a: tuple[date, date], b: tuple[date, date]) -> tuple[date, date] | None:
    first, last = max(a[0], b[0]), min(a[1], b[1])
    return (first, last) if first <= last else None


def calendar_span(kind: str, day: date, term: tuple[date, date]) -> tuple[date, date]:
    """The calendar-aligned month, quarter or year containing ``day``, or the whole ``term``."""
    if kind == "month":
        return period_bounds(period_of(day))
    if kind == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        first = date(day.year, first_month, 1)
        last = period_bounds(period_of(date(day.year, first_month + 2, 1)))[1]
        return first, last
    if kind == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if kind == "term":
        return term
    raise ValueError(f"unknown period {kind!r}; expected month, quarter, year or term")
