"""The Spark engine settles exactly as DuckDB does. Generated multi-month histories (tiers, a
minimum guarantee or a cap, a retainer and an advance, every exception kind, late batches,
restatements, a withdrawn batch, an amendment) are settled month by month with both engines:
the drafts (contract figures, statement documents, exceptions, the settle document) must be the
same to the byte. Then each month is closed by Spark in the workspace and by DuckDB in a copy
of it (`backup`), and the closed figures, documents and journal entries must be the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ledger.backup import backup
from ledger.workspace import SETTINGS_FILE, Workspace
from tests.conftest import Books
from tests.lake.histories import play
from tests.lake.test_incremental import _draft

pytestmark = pytest.mark.usefixtures("spark")


def _closed(workspace: Workspace, period: str) -> dict[str, Any]:
    """What a close writes: figures, documents and the journal (without times and hashes)."""
    with workspace.engine.connect() as conn:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(text(sql), {"p": period})]

        return {
            "settlements": rows(
                "SELECT * FROM contract_settlements WHERE period = :p ORDER BY 1, 2, 3"
            ),
            "statements": rows(
                "SELECT party_type, party_id, statement_id, verification_code, document "
                "FROM statements WHERE period = :p ORDER BY 1, 2"
            ),
            "journal": rows(
                "SELECT seq, kind, reference, memo FROM journal_entries WHERE period = :p "
                "ORDER BY seq"
            ),
            "postings": rows(
                "SELECT e.seq, p.line, p.account, p.currency, p.debit, p.credit FROM postings p "
                "JOIN journal_entries e ON e.seq = p.entry_seq WHERE e.period = :p "
                "ORDER BY 1, 2"
            ),
        }


def _both_engines(books: Books, period: str) -> None:
    """Draft ``period`` with DuckDB, then with Spark: the same to the byte."""
    duck = books.ok("settle", "run", period, "--engine", "duckdb")
    duck_draft = _draft(books, period)
    spark = books.ok("settle", "run", period, "--engine", "spark")
    assert spark == duck
    assert _draft(books, period) == duck_draft
    assert duck_draft["settlements"], "a month of a generated history settles something"


def _close_both(books: Books, copy: Path, period: str) -> None:
    """Close ``period`` with Spark here and with DuckDB in a copy: the same books."""
    backup(books.workspace, copy)
    duck = Books(Workspace.open(copy), books.files)
    assert duck.ok("settle", "close", period, "--engine", "duckdb")["status"] == "closed"
    assert books.ok("settle", "close", period, "--engine", "spark")["status"] == "closed"
    mine = _closed(books.workspace, period)
    assert mine["journal"] and mine["postings"] and mine["statements"]
    assert mine == _closed(duck.workspace, period)


def test_spark_settles_and_closes_a_generated_month_as_duckdb_does(
    books: Books, tmp_path: Path
) -> None:
    """Kept small for the default run: the history's second month (late events, a restatement,
    prior-period adjustments, every exception kind) is drafted and closed by both engines."""

    def check(books: Books, period: str) -> None:
        if period == "2026-02":
            _both_engines(books, period)
        else:
            books.ok("settle", "run", period)

    play(books, 4, check, months=2)
    _close_both(books, tmp_path / "duckdb", "2026-02")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_spark_settles_and_closes_many_histories_as_duckdb_does(
    books: Books, tmp_path: Path, seed: int
) -> None:
    """Every month of four-month histories, drafted by both engines; the history closes each
    with Spark (the workspace's engine) and a copy taken before closes it with DuckDB."""
    settings = books.root / SETTINGS_FILE
    settings.write_text('engine = "spark"\n' + settings.read_text(encoding="utf-8"))
    books.workspace = Workspace.open(books.root)
    copies: list[tuple[str, Books]] = []

    def check(books: Books, period: str) -> None:
        _both_engines(books, period)
        backup(books.workspace, tmp_path / period)
        copy = Books(Workspace.open(tmp_path / period), books.files)
        assert copy.ok("settle", "close", period, "--engine", "duckdb")["status"] == "closed"
        copies.append((period, copy))

    play(books, seed, check, months=4)
    closed = [(period, copy) for period, copy in copies if period != "2026-04"]
    assert [period for period, _ in closed] == ["2026-01", "2026-02", "2026-03"]
    for period, copy in closed:
        assert _closed(books.workspace, period) == _closed(copy.workspace, period), period
