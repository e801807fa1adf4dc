"""Files in the exact layouts the ECB publishes, built from a few rates.

The history file (``eurofxref-hist.csv``) has a column for every currency the ECB ever quoted,
withdrawn ones included, ``N/A`` where there is no rate and a trailing comma on every line, newest
date first. The daily file (``eurofxref.csv``) has a space after each comma, a date such as
``13 April 2026`` and a trailing ``", "``. Both are shipped zipped, one CSV in each archive.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

HIST_CODES = (
    "USD JPY BGN CYP CZK DKK EEK GBP HUF LTL LVL MTL PLN ROL RON SEK SIT SKK CHF ISK NOK HRK "
    "RUB TRL TRY AUD BRL CAD CNY HKD IDR ILS INR KRW MXN MYR NZD PHP SGD THB ZAR"
).split()
DAILY_CODES = (
    "USD JPY BGN CZK DKK GBP HUF PLN RON SEK CHF ISK NOK TRY AUD BRL CAD CNY HKD IDR ILS INR "
    "KRW MXN MYR NZD PHP SGD THB ZAR"
).split()
# A plausible value for every currency still quoted; the withdrawn ones are N/A on recent dates.
TYPICAL = dict(
    zip(
        DAILY_CODES,
        "1.0912 163.42 1.9558 25.100 7.4601 0.86120 390.10 4.2683 4.9776 11.0015 0.9421 144.90 "
        "11.8415 43.6289 1.7797 6.4566 1.5754 8.2773 8.8089 19140.75 4.1124 97.0205 1634.83 "
        "22.2874 4.9676 1.9063 63.918 1.4930 38.091 20.1010".split(),
        strict=True,
    )
)
MONTHS = "January February March April May June July August September October November December"


def hist_csv(rows: dict[date, dict[str, str]]) -> str:
    """``eurofxref-hist.csv``: every HIST_CODES column, N/A where a row gives no value."""
    lines = ["Date," + ",".join(HIST_CODES) + ","]
    for day in sorted(rows, reverse=True):
        values = rows[day]
        lines.append(
            day.isoformat() + "," + ",".join(values.get(c, "N/A") for c in HIST_CODES) + ","
        )
    return "\n".join(lines) + "\n"


def daily_csv(day: date, values: dict[str, str]) -> str:
    """``eurofxref.csv``: one date written ``13 April 2026``, every DAILY_CODES column."""
    spoken = f"{day.day:02d} {MONTHS.split()[day.month - 1]} {day.year}"
    header = "Date, " + ", ".join(DAILY_CODES) + ", "
    row = spoken + ", " + ", ".join(values[c] for c in DAILY_CODES) + ", "
    return header + "\n" + row + "\n"


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("ascii"))
    return path


def zipped(csv_path: Path) -> Path:
    """The CSV inside a zip of the same name, as the ECB ships it."""
    archive = csv_path.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, csv_path.name)
    return archive
