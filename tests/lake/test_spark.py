"""The Spark engine settles exactly as DuckDB does, on generated multi-month histories (tiers, a
minimum guarantee or a cap, a retainer and an advance, late batches, restatements, a withdrawn
batch, an amendment; the default test adds uses of the exception kinds their logs lack). A month
closed by Spark in the workspace and by DuckDB in a copy of it (`backup`) must give the same
settle document, figures, statement documents, journal entries and exceptions file; in the slow
run every month is also drafted by both engines, the drafts the same to the byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ledger.backup import backup
from ledger.domain import EXCEPTION_KINDS
from ledger.workspace import SETTINGS_FILE, Workspace
from tests import shared
from tests.conftest import Books
from tests.lake.histories import play
from tests.lake.test_incremental import _draft
from tests.provenance.signing import plain_png

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


def _sqlite_only(books: Books) -> None:
    """The DuckDB side closes a copy taken with `twinledger backup`, which copies SQLite
    workspaces only; which relational store holds the books does not touch the engines."""
    if books.workspace.engine.dialect.name != "sqlite":
        pytest.skip("the DuckDB copy is a `twinledger backup`, which copies SQLite workspaces")


def _close_both(books: Books, copy: Path, period: str) -> None:
    """Close ``period`` with Spark here and with DuckDB in a copy: the same settle document,
    figures, documents, journal and exceptions file."""
    backup(books.workspace, copy)
    duck = Books(Workspace.open(copy), books.files)
    duck_closed = duck.ok("settle", "close", period, "--engine", "duckdb")
    assert duck_closed["status"] == "closed"
    assert books.ok("settle", "close", period, "--engine", "spark") == duck_closed
    mine = _closed(books.workspace, period)
    assert mine["journal"] and mine["postings"] and mine["statements"]
    assert mine == _closed(duck.workspace, period)
    exceptions = Path("settlements", period, "exceptions.parquet")
    assert (books.root / exceptions).read_bytes() == (duck.root / exceptions).read_bytes()
    assert sum(duck_closed["exceptions"].values()) > 0


K4 = shared.contract(
    "K4", "b2", "w3", "EUR", shared.rate("publications", price="40.00"), start="2026-02-01"
).replace("\n    id =", "\n    disclosure_required = true\n    id =", 1)
"""Brand b2 licenses twin w3, which brand b1 holds exclusively for apparel (K3), and must
disclose AI use."""

ODD_USES = (
    shared.HEADER
    + ",category\n"
    + "\n".join(
        [
            "x1,2026-02-10T10:00:00Z,render,w3,z1,,,still,,,apparel",
            "x2,2026-02-11T10:00:00Z,publication,w3,z1,social,SE,still,,false,apparel",
            "x3,2026-02-12T10:00:00Z,publication,w2,z2,social,SE,still,,true,tobacco",
            "x4,2026-02-13T10:00:00Z,publication,w3,z1,social,SE,still,,true,apparel",
        ]
    )
    + "\n"
)
"""The exception kinds the generated logs lack: an exclusivity conflict and a missing disclosure
(x2), a category the talent restricts (x3), a disclosure no content credential backs (x4: b2
has an asset on file, unsigned)."""


@pytest.mark.slow  # a Spark session starts: over a minute on two cores
def test_spark_closes_a_generated_month_as_duckdb_does(books: Books, tmp_path: Path) -> None:
    """Kept small for the default run (one Spark settlement): the history's second month (late
    events, a restatement, prior-period adjustments) with uses of every exception kind is
    closed by both engines."""
    _sqlite_only(books)
    play(books, 4, lambda books, period: books.ok("settle", "run", period), months=2)
    books.ok("contracts", "import", books.write("K4.toml", K4))
    books.ok("ingest", books.write("b2-odd.csv", ODD_USES), "--brand", "b2")
    books.ok("assets", "verify", plain_png(tmp_path / "z9.png"), "--brand", "b2")
    drafted = books.ok("settle", "run", "2026-02")
    assert sorted(drafted["exceptions"]) == sorted(EXCEPTION_KINDS)
    _close_both(books, tmp_path / "duckdb", "2026-02")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_spark_settles_and_closes_many_histories_as_duckdb_does(
    books: Books, tmp_path: Path, seed: int
) -> None:
    """Every month of four-month histories, drafted by both engines; the history closes each
    with Spark (the workspace's engine) and a copy taken before closes it with DuckDB."""
    _sqlite_only(books)
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
