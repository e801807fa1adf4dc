"""The ECB's reference-rate files (SPEC 1.3), as the ECB publishes them.

Two layouts, each as a CSV or as a zip archive holding one CSV:

- the history, ``eurofxref-hist.csv``: ``Date,USD,JPY,BGN,CYP,...,`` then one line a business
  day, newest first, ``2026-04-13,1.0912,163.42,N/A,N/A,...,``: a column for every currency the
  ECB ever quoted (withdrawn ones such as CYP or HRK are ``N/A`` after their withdrawal) and a
  trailing comma on every line;
- the daily file, ``eurofxref.csv``: ``Date, USD, JPY, ...`` with a space after each comma and
  one line ``13 April 2026, 1.0912, 163.42, ...``.

Values are units of a currency per 1 EUR; ``N/A`` or empty is no rate. A column may name an
active or a withdrawn ISO 4217 code. Every problem names the file, the line and the column, and
the good cells are kept. A file is read only if it is a regular file of at most ``MAX_BYTES``
(the CSV inside a zip too), and no value longer than ``MAX_CELL`` characters is parsed.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
import zlib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ledger.errors import Problem
from ledger.fx import BASE, FxTable, rate_problem
from ledger.money import is_currency, is_withdrawn_currency

MAX_BYTES = 64 * 1024 * 1024
MAX_CELL = 32
MAX_PROBLEMS = 100
NO_RATE = ("", "N/A")
MONTHS = {
    name: number
    for number, name in enumerate(
        "January February March April May June July August September October November "
        "December".split(),
        start=1,
    )
}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class _Refused(Exception):
    """The file cannot be read at all; the message says why."""


def _show(text: str) -> str:
    """``text`` quoted for a message, cut short if long."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + f"... ({len(text)} characters)"


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES; devices, FIFOs and directories refused."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _Refused("no such file") from None
    except OSError as error:
        raise _Refused(f"cannot read: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _Refused(f"{_kind(info.st_mode)}, not a regular file: refusing to read it")
    if info.st_size > MAX_BYTES:
        raise _Refused(f"{info.st_size} bytes; an FX file may have at most {MAX_BYTES} (64 MiB)")
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it does not
        # wait for a writer, and the second check below refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise _Refused("not a regular file: refusing to read it")
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise _Refused(f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise _Refused(f"more than {MAX_BYTES} bytes; an FX file may have at most 64 MiB")
    return data


def _unzip(data: bytes) -> tuple[str, bytes]:
    """The name and bytes of the one CSV inside a zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1 or not members[0].filename.lower().endswith(".csv"):
                names = ", ".join(_show(m.filename) for m in members[:5]) or "nothing"
                raise _Refused(f"a zip archive must hold exactly one CSV file; it holds {names}")
            member = members[0]
            if member.file_size > MAX_BYTES:
                raise _Refused(
                    f"{member.filename}: {member.file_size} bytes uncompressed; "
                    f"an FX file may have at most {MAX_BYTES} (64 MiB)"
                )
            with archive.open(member) as handle:
                content = handle.read(MAX_BYTES + 1)
    except _Refused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as error:
        # RuntimeError: an encrypted member, or (NotImplementedError) an unknown compression
        raise _Refused(f"not a readable zip archive: {error}") from None
    if len(content) > MAX_BYTES:
        raise _Refused(
            f"{member.filename}: more than {MAX_BYTES} bytes uncompressed; "
            "an FX file may have at most 64 MiB"
        )
    return member.filename, content


def _parse_date(raw: str) -> date | None:
    """``2026-04-13`` (history) or ``13 April 2026`` (daily file); None if neither."""
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    parts = raw.split()
    if len(parts) == 3 and parts[1] in MONTHS and parts[0].isdigit() and parts[2].isdigit():
        try:
            return date(int(parts[2]), MONTHS[parts[1]], int(parts[0]))
        except ValueError:
            return None
    return None


def _columns(header: list[str], problem: _Problems) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, code in enumerate(header[1:], start=1):
        where = f"column {index + 1} ({code})" if code and len(code) <= 8 else f"column {index + 1}"
        if not code:
            if index != len(header) - 1:
                problem(1, where, "a column without a currency code")
        elif code == BASE:
            problem(1, where, "EUR is the base currency (1 EUR = 1 EUR); drop the column")
        elif not (is_currency(code) or is_withdrawn_currency(code)):
            problem(1, where, f"{_show(code)} is not an ISO 4217 currency code")
        elif code in columns.values():
            problem(1, where, f"{code} appears twice in the header")
        else:
            columns[index] = code
    return columns


class _Problems:
    """Collects problems of one file, up to MAX_PROBLEMS."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[Problem] = []

    def __call__(self, line: int | None, column: str | None, message: str) -> None:
        self.found.append(Problem(self.name, f"line {line}" if line else None, column, message))

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_PROBLEMS


def _parse(name: str, text: str) -> tuple[FxTable, list[Problem]]:
    problem = _Problems(name)
    rows: list[tuple[date, str, Decimal]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            problem(1, None, "empty file: expected a header `Date,USD,JPY,...`")
            return FxTable(), problem.found
        header = [cell.strip() for cell in header]
        if not header or header[0] != "Date":
            first = header[0] if header else ""
            problem(1, "column 1", f"expected `Date`, found {_show(first)}")
            return FxTable(), problem.found
        columns = _columns(header, problem)
        seen: dict[date, int] = {}
        for cells in reader:
            if problem.full:
                problem(None, None, f"stopped reading after {MAX_PROBLEMS} problems")
                break
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            raw_day = cells[0].strip()
            day = _parse_date(raw_day)
            if day is None:
                problem(
                    line,
                    "column 1 (Date)",
                    f"{_show(raw_day)} is not a date (2026-04-13 or 13 April 2026)",
                )
                continue
            if day in seen:
                problem(line, "column 1 (Date)", f"{day} already given on line {seen[day]}")
                continue
            seen[day] = line
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                problem(line, f"column {len(header) + 1}", "more values than header columns")
            for index, code in columns.items():
                raw = cells[index].strip() if index < len(cells) else ""
                if raw.upper() in NO_RATE:
                    continue
                where = f"column {index + 1} ({code})"
                if len(raw) > MAX_CELL:
                    problem(line, where, f"{_show(raw)} is not a rate: too long")
                    continue
                try:
                    value = Decimal(raw)
                except InvalidOperation:
                    problem(line, where, f"{_show(raw)} is not a number")
                    continue
                wrong = rate_problem(value)
                if wrong:
                    problem(line, where, f"{wrong}, got {_show(raw)}")
                    continue
                rows.append((day, code, Decimal(f"{value:f}")))  # 1e5 kept as 100000
    except csv.Error as error:
        problem(reader.line_num or 1, None, f"not a readable CSV line: {error}")
    return FxTable.from_rows(rows), problem.found


def read_ecb_file(path: Path) -> tuple[FxTable, list[Problem]]:
    """The rates of an ECB history or daily file (CSV, or a zip holding one) and its problems."""
    name = str(path)
    try:
        data = _read_file(path)
        if data.startswith(_ZIP_MAGIC):
            member, data = _unzip(data)
            name = f"{name}:{member}"
        text = data.decode("utf-8-sig")
    except _Refused as refused:
        return FxTable(), [Problem(name, None, None, str(refused))]
    except UnicodeDecodeError as error:
        return FxTable(), [Problem(name, None, None, f"not UTF-8 text: {error.reason}")]
    return _parse(name, text)


__all__ = ["MAX_BYTES", "read_ecb_file"]
