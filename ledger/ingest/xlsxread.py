"""Read one sheet of an XLSX workbook into string columns with row numbers and original text.

fastexcel (calamine) reads the sheet into Arrow, every cell as text: a whole number is its digits
(``10000``, never ``10000.0``), another number its shortest decimal form, a boolean ``true`` or
``false``. A date cell is its ISO date (``2026-03-01``) when its time of day is midnight, else its
ISO date and time (``2026-03-01T10:30:00``). Nothing here loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import fastexcel
import polars as pl

from ledger.ingest.profile import SOURCE_LINE, SOURCE_TEXT, Profile
from ledger.ingest.schema import LogUnreadable
from ledger.ingest.textread import Job, Raw

_DATETIME = r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$"


def _cells(column: pl.Expr) -> pl.Expr:
    """A cell's text: dates as ISO 8601 (see the module docstring), other cells as read."""
    midnight = column.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00(?:\.0+)?$", "${1}")
    return midnight.str.replace(_DATETIME, "${1}T${2}")


def _sheet(path: Path, profile: Profile) -> pl.DataFrame:
    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
        if profile.sheet is not None and profile.sheet not in names:
            listed = ", ".join(f"'{name}'" for name in names)
            raise LogUnreadable(path, None, f"no sheet '{profile.sheet}' (sheets: {listed})")
        sheet = reader.load_sheet(
            profile.sheet if profile.sheet is not None else 0, header_row=None, dtypes="string"
        )
        frame = pl.DataFrame(pl.from_arrow(sheet.to_arrow()))
    except fastexcel.FastExcelError as exc:
        detail = str(exc).splitlines()[0]
        raise LogUnreadable(path, None, f"not a readable XLSX file ({detail})") from None
    frame = frame.with_row_index(SOURCE_LINE, offset=1).with_columns(
        pl.col(SOURCE_LINE).cast(pl.Int64)
    )
    values = [name for name in frame.columns if name != SOURCE_LINE]
    if not values:
        return frame.head(0)
    blank = pl.all_horizontal(pl.col(name).str.strip_chars().fill_null("") == "" for name in values)
    return frame.filter(~blank & (pl.col(SOURCE_LINE) > profile.skip_rows))


def _header(path: Path, frame: pl.DataFrame) -> tuple[int, list[str]]:
    if not frame.height:
        raise LogUnreadable(path, 1, "empty file")
    row = frame.row(0, named=True)
    line = int(row.pop(SOURCE_LINE))
    names = [(value or "").strip() for value in row.values()]
    for position, name in enumerate(names):
        if not name:
            raise LogUnreadable(path, line, f"column {position + 1} has no name in the header")
        if name in names[:position]:
            raise LogUnreadable(path, line, f"duplicate column '{name}'", name)
    return line, names


def _xlsx_raw(frame: pl.DataFrame, line: int, done: float) -> Raw:
    return Raw(frame, line, True, progress=done)


def xlsx_chunks(path: Path, profile: Profile, chunk_rows: int, _: int) -> Iterator[Job]:
    """The sheet's rows below its header (the first non-blank row after ``skip_rows``); a row's
    line number is its row number in the sheet, its original text a JSON rendering of its cells."""
    frame = _sheet(path, profile)
    line, header = _header(path, frame)
    sources = [name for name in frame.columns if name != SOURCE_LINE]
    rows = frame.slice(1).select(
        *(
            _cells(pl.col(source).str.strip_chars()).alias(name)
            for source, name in zip(sources, header, strict=True)
        ),
        pl.col(SOURCE_LINE),
    )
    rows = rows.with_columns(pl.struct(header).struct.json_encode().alias(SOURCE_TEXT))
    total = max(rows.height, 1)
    for start in range(0, rows.height, chunk_rows):
        part = rows.slice(start, chunk_rows)
        yield partial(_xlsx_raw, part, line, min((start + part.height) / total, 1.0))
    if not rows.height:
        yield partial(_xlsx_raw, rows, line, 1.0)
