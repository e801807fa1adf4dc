"""Big logs are ingested chunk by chunk; repeats across chunks and files follow the same rules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ledger.imports import import_parties
from ledger.ingest import parse
from ledger.ingest.batch import ingest_file
from tests.conftest import Books
from tests.ledger import fixtures

H = fixtures.HEADER


def _events(books: Books) -> list[tuple[str, int, str]]:
    with books.workspace.engine.connect() as conn:
        paths = [r[0] for r in conn.exec_driver_sql("SELECT events_path FROM batches") if r[0]]
    files = [str(books.root / p) for p in paths]
    return duckdb.sql(
        f"SELECT event_id, line_no, asset_id FROM read_parquet({files}) ORDER BY event_id"
    ).fetchall()


def _log(books: Books, name: str, *rows: str) -> Path:
    return books.write(name, "\n".join([H, *rows]) + "\n")


def test_repeats_across_chunks(books: Books) -> None:
    import_parties(books.workspace, books.write("parties.toml", fixtures.PARTIES))
    render = "{},2026-03-01T10:00:00Z,render,w1,{},,,still,,"
    log = _log(
        books,
        "b1.csv",
        render.format("e1", "a1"),
        render.format("e2", "a1"),
        render.format("e3", "a1"),
        render.format("e1", "a1"),  # identical repeat, in a later chunk
        render.format("e2", "a9"),  # same id, other content: a conflict
        render.format("e4", "a1"),
        render.format("e4", "a1"),  # identical repeat within one chunk
    )
    result = ingest_file(books.workspace, log, "b1", chunk_rows=2)
    counts = (result.rows_read, result.accepted, result.duplicates, result.rejected)
    assert counts == (7, 4, 2, 1)
    assert _events(books) == [("e1", 2, "a1"), ("e2", 3, "a1"), ("e3", 4, "a1"), ("e4", 7, "a1")]
    quarantine = (books.root / str(result.quarantine)).read_text(encoding="utf-8").splitlines()
    assert quarantine[1].startswith("6,CONFLICTING_DUPLICATE,event_id 'e2' repeats line 3")
    assert quarantine[1].endswith(f'"{render.format("e2", "a9")}"')
    parts = list(books.workspace.path("events").glob("month=*/*.parquet"))
    assert len(parts) >= 2 and not list(books.workspace.path("tmp").glob("*.stage"))


def test_a_second_file_stores_only_new_event_ids(books: Books) -> None:
    import_parties(books.workspace, books.write("parties.toml", fixtures.PARTIES))
    render = "{},2026-03-01T10:00:00Z,render,w1,a1,,,still,,"
    first = _log(books, "one.csv", *(render.format(f"e{i}") for i in range(5)))
    second = _log(books, "two.csv", *(render.format(f"e{i}") for i in range(3, 9)))
    ingest_file(books.workspace, first, "b1", chunk_rows=2)
    result = ingest_file(books.workspace, second, "b1", chunk_rows=2)
    assert (result.rows_read, result.accepted, result.duplicates) == (6, 4, 2)
    assert [e for e, _, _ in _events(books)] == [f"e{i}" for i in range(9)]


def test_progress_is_reported_block_by_block(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "BLOCK_BYTES", 2048)
    import_parties(books.workspace, books.write("parties.toml", fixtures.PARTIES))
    render = "{},2026-03-01T10:00:00Z,render,w1,a1,,,still,,"
    log = _log(books, "big.csv", *(render.format(f"e{i}") for i in range(400)))
    seen: list[tuple[int, int]] = []
    result = ingest_file(books.workspace, log, "b1", progress=lambda d, t: seen.append((d, t)))
    assert result.accepted == 400
    size = log.stat().st_size
    assert seen[0] == (0, size) and seen[-1] == (size, size)
    assert len(seen) > 5  # one report per 2 KiB block, though all 400 rows are one part
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
