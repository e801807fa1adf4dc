"""The one output path of the CLI: a JSON document on stdout, or a table for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


FREE_TEXT = frozenset({"file", "name", "detail", "reason", "memo", "title", "note", "source"})
"""Columns of free text: the only ones a table may shorten (with an ellipsis) to fit."""
MIN_TEXT = 12  # a shortened free-text column keeps at least this many characters
BORDERS = 3  # rich's table: a separator and a space either side, per column


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Sequence[str] = (),
    text: Sequence[str] | None = None,
) -> None:
    """Print rows as a table; columns named in ``right`` are right-aligned (amounts).

    No amount, id, date or status is ever split across lines. When the table is wider than the
    terminal, the free-text columns (``text``, by default those named in ``FREE_TEXT``) are
    shortened with an ellipsis; if that is not enough, each row is printed as a record, one
    field per line. Output that is not a terminal gets the table at its full width.
    """
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    free = set(FREE_TEXT if text is None else text)
    natural = [
        max([cell_len(name)] + [_longest_line(row[i]) for row in cells])
        for i, name in enumerate(columns)
    ]
    needed = sum(natural) + BORDERS * len(columns) + 1
    if not console.is_terminal:
        width = max(needed, cell_len(title or ""))
        _print_table(Console(highlight=False, width=width), title, columns, cells, right)
        return
    excess = needed - console.width
    if excess <= 0:
        _print_table(console, title, columns, cells, right)
        return
    shrinkable = [i for i, name in enumerate(columns) if name in free and natural[i] > MIN_TEXT]
    if sum(natural[i] - MIN_TEXT for i in shrinkable) < excess:
        _print_records(title, columns, cells)
        return
    limits: dict[int, int] = {}
    for i in sorted(shrinkable, key=lambda i: -natural[i]):  # shorten the widest first
        cut = min(excess, natural[i] - MIN_TEXT)
        limits[i], excess = natural[i] - cut, excess - cut
    _print_table(console, title, columns, cells, right, limits)


def _longest_line(value: str) -> int:
    return max((cell_len(part) for part in value.splitlines()), default=0)


def _print_table(
    target: Console,
    title: str | None,
    columns: Sequence[str],
    cells: Sequence[Sequence[str]],
    right: Sequence[str],
    limits: dict[int, int] | None = None,
) -> None:
    out = Table(title=title, title_justify="left", show_lines=False)
    for i, name in enumerate(columns):
        limit = (limits or {}).get(i)
        out.add_column(
            name,
            justify="right" if name in right else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=limit,
        )
    for row in cells:
        out.add_row(*row)
    target.print(out)


def _print_records(
    title: str | None, columns: Sequence[str], cells: Sequence[Sequence[str]]
) -> None:
    """One field per line, a blank line between rows: for tables too wide for the terminal."""
    if title:
        line(title)
    label = max(cell_len(name) for name in columns)
    for n, row in enumerate(cells):
        if n:
            line("")
        for name, value in zip(columns, row, strict=True):
            line(f"{name.ljust(label)}  {value}")


def line(text: str) -> None:
    console.print(text, markup=False)


def words(text: str) -> None:
    """A line of prose: wrapped between words to a terminal's width, whole elsewhere."""
    console.print(text, markup=False, soft_wrap=not console.is_terminal)


def warn(text: str) -> None:
    errors.print(f"warning: {text}", markup=False)


def fail(text: str) -> None:
    errors.print(f"error: {text}", markup=False)
