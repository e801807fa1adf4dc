"""CLI tables at any width: no amount, id, date or status is ever split across lines.

Every table command runs in an 80-column terminal and with output that is not a terminal; each
value its JSON document holds must appear whole on one line of the printed text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from ledger.cli import output
from tests.conftest import Books
from tests.ledger.fixtures import load

LONG_ID = "zephyr-and-company-international-brand-with-a-long-id"


def _commands(books: Books) -> list[tuple[str, ...]]:
    line = books.ok("statements", "data", "2026-03", "--party", "t1")["contracts"][0]["lines"][0]
    return [
        ("batches", "list"),
        ("balances",),
        ("contracts", "list"),
        ("exceptions", "2026-03"),
        ("statements", "data", "2026-03", "--party", "t1"),
        ("statements", "data", "2026-03", "--party", "b1"),
        ("reconcile", "2026-03", "--agency", "ag"),
        ("explain", line["line_id"]),
        ("access", "list"),
        ("access", "log"),
        ("settle", "status", "2026-03"),
    ]


def _values(doc: Any) -> Iterator[str]:
    """Every amount, id, date and status in a JSON document: the strings a table must keep."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key not in ("name", "detail", "memo", "reason", "source_file", "brand_name"):
                yield from _values(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _values(item)
    elif isinstance(doc, str) and re.fullmatch(r"[\w.:@+-]{4,}", doc) and not doc.isalpha():
        yield doc


@pytest.fixture
def settled(books: Books) -> Books:
    load(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.ok("access", "grant", "--party", "t1")
    return books


def test_every_table_keeps_values_whole_at_80_columns(
    settled: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    narrow = Console(
        force_terminal=True, width=80, highlight=False, soft_wrap=True, color_system=None
    )
    for args in _commands(settled):
        doc = settled.ok(*args)
        wide = settled.cli(*args)  # not a terminal: the table at its full width
        assert wide.exit_code == 0, (args, wide.stderr)
        shown = [
            v for v in set(_values(doc)) if any(v in line for line in wide.stdout.splitlines())
        ]
        assert shown or args == ("access", "log"), (args, wide.stdout)  # no download yet
        with monkeypatch.context() as m:
            m.setattr(output, "console", narrow)
            result = settled.cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        lines = result.stdout.splitlines()
        table = [line for line in lines if line[:1] in "┏┃┡│└"]
        assert all(len(line) <= 80 for line in table), (args, result.stdout)
        split = [v for v in shown if not any(v in line for line in lines)]
        assert not split, (args, split, result.stdout)


def test_a_table_too_wide_for_the_terminal_becomes_records(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = Console(
        force_terminal=True, width=40, highlight=False, soft_wrap=True, color_system=None
    )
    monkeypatch.setattr(output, "console", narrow)
    with narrow.capture() as captured:
        output.table(
            "Batches",
            ["batch", "brand", "file", "accepted"],
            [("B20261129045553-1b1abd55", LONG_ID, "a-very-long-file-name-2026-03.csv", 1234567)],
            right=["accepted"],
        )
    assert captured.get().splitlines() == [
        "Batches",
        "batch     B20261129045553-1b1abd55",
        f"brand     {LONG_ID}",
        "file      a-very-long-file-name-2026-03.csv",
        "accepted  1234567",
    ]


def test_free_text_is_shortened_before_a_table_turns_into_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    narrow = Console(
        force_terminal=True, width=60, highlight=False, soft_wrap=True, color_system=None
    )
    monkeypatch.setattr(output, "console", narrow)
    with narrow.capture() as captured:
        output.table(
            None,
            ["batch", "file", "accepted"],
            [("B20261129045553-1b1abd55", "a-very-long-file-name-of-a-log-2026-03.csv", 12)],
            right=["accepted"],
        )
    [row] = [line for line in captured.get().splitlines() if "B2026" in line]
    assert len(row) <= 60
    assert "B20261129045553-1b1abd55" in row and "…" in row and row.rstrip("│ ").endswith("12")
