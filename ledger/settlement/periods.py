"""Settlement periods: calendar months written YYYY-MM (SPEC 4.1)."""

from __future__ import annotations

import re

from ledger.errors import LedgerError

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_period(period: str) -> str:
    if not PERIOD_RE.match(period):
        raise LedgerError(f"{period!r} is not a period; expected YYYY-MM, e.g. 2026-03")
    return period
