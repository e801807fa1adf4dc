"""Settlement periods: calendar months written YYYY-MM (SPEC 4.1), as one value.

``Period`` is a ``str`` ("2026-03"), so it is stored, compared, sorted and printed as the text it
is; it can only be built from a real month of a year from 0001 to 9999.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from ledger.errors import LedgerError

_FORM = re.compile(r"([0-9]{4})-([0-9]{2})")


class PeriodError(LedgerError, ValueError):
    """Text that is not a period."""


class Period(str):
    """A calendar month, e.g. ``Period.parse("2026-03")``; ordered as its text is."""

    __slots__ = ()

    def __new__(cls, text: str) -> Period:
        match = _FORM.fullmatch(text) if isinstance(text, str) else None
        if not match or int(match.group(1)) < 1 or not 1 <= int(match.group(2)) <= 12:
            raise PeriodError(f"{text!r} is not a period; expected YYYY-MM, e.g. 2026-03")
        return super().__new__(cls, text)

    @classmethod
    def parse(cls, text: str) -> Period:
        return text if isinstance(text, Period) else cls(text)

    @classmethod
    def of(cls, day: date) -> Period:
        """The month containing ``day``."""
        return cls(f"{day.year:04d}-{day.month:02d}")

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def month(self) -> int:
        return int(self[5:])

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Period:
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return Period(f"{year:04d}-{month:02d}")

    def previous(self) -> Period:
        year, month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
        return Period(f"{year:04d}-{month:02d}")

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Period({str.__repr__(self)})"
