"""The one output path of the CLI: a JSON document on stdout, or a table for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Sequence[str] = (),
) -> None:
    """Print rows as a table; columns named in ``right`` are right-aligned (amounts)."""
    out = Table(title=title, title_justify="left", show_lines=False)
    for name in columns:
        out.add_column(name, justify="right" if name in right else "left", overflow="fold")
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    console.print(out)


def line(text: str) -> None:
    console.print(text, markup=False)


def warn(text: str) -> None:
    errors.print(f"warning: {text}", markup=False)


def fail(text: str) -> None:
    errors.print(f"error: {text}", markup=False)
