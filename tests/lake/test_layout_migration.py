"""A workspace written before the lake (events under ``events/<brand>/``, a closed and sealed
month) is upgraded by `twinledger init`: its events move into ``events/month=YYYY-MM/``, its seals
still verify (the moves are in the journal), closed statements stay byte-identical, and a move
killed at any step completes when run again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from alembic import command
from sqlalchemy import text

from ledger import audit, lake
from ledger.storage.db import _alembic_config, migrate
from ledger.storage.events import event_files, events_sha256
from tests import shared
from tests.conftest import Books

PARTIES = shared.one_talent()
CONTRACT = shared.contract(
    "K1",
    "b1",
    "w1",
    "EUR",
    shared.rate("publications", price="100.00"),
    shared.rate("renders", price="2.00"),
)


def _log(prefix: str, months: list[int], count: int) -> str:
    rows = [shared.HEADER]
    for n in range(count):
        month = months[n % len(months)]
        rows.append(
            f"{prefix}r{n},2026-{month:02d}-{n % 27 + 1:02d}T08:00:00Z,render,w1,a{n},,,still,,"
        )
        rows.append(
            f"{prefix}p{n},2026-{month:02d}-{n % 27 + 1:02d}T09:00:00Z,publication,w1,a{n},"
            "social,SE,still,,true"
        )
    return "\n".join(rows) + "\n"


def _to_old_layout(books: Books, parts: bool = False) -> None:
    """Rewrite every batch as the layout before the lake stored it: one file per batch under
    ``events/<brand>/`` (or, with ``parts``, the first batch as a folder of two parts)."""
    with books.workspace.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT id, brand, events_path FROM batches WHERE events_path IS NOT NULL "
                "ORDER BY source_file"
            )
        ).all()
        for number, (batch, brand, events_path) in enumerate(rows):
            files = event_files(books.root / events_path)
            table = pa.concat_tables([pq.read_table(f) for f in files]).sort_by("line_no")
            if parts and number == 0:
                folder = books.root / "events" / brand / batch
                folder.mkdir(parents=True)
                half = table.num_rows // 2
                pq.write_table(table.slice(0, half), folder / "part-00001.parquet")
                pq.write_table(table.slice(half), folder / "part-00002.parquet")
                old = f"events/{brand}/{batch}/*.parquet"
            else:
                target = books.root / "events" / brand / f"{batch}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, target)
                old = f"events/{brand}/{batch}.parquet"
            for f in files:
                f.unlink()
            conn.execute(
                text("UPDATE batches SET events_path = :p, events_sha256 = :s WHERE id = :id"),
                {"p": old, "s": events_sha256(books.root / old), "id": batch},
            )
    for folder in books.root.glob("events/month=*"):
        folder.rmdir()


def _old_workspace(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT))
    books.ok("ingest", books.write("jan-feb.csv", _log("a", [1, 2], 12)), "--brand", "b1")
    books.ok("ingest", books.write("jan.csv", _log("b", [1], 5)), "--brand", "b1")
    _to_old_layout(books, parts=True)
    books.ok("settle", "run", "2026-01")
    books.ok("settle", "close", "2026-01")
    books.ok("ingest", books.write("feb.csv", _log("c", [2], 4)), "--brand", "b1")
    _to_old_layout_of_new(books)
    with books.workspace.engine.begin() as conn:  # the schema before 0014
        command.downgrade(_alembic_config(conn), "0013")


def _to_old_layout_of_new(books: Books) -> None:
    """The batch ingested after the close, also in the old layout."""
    with books.workspace.engine.begin() as conn:
        [(batch, events_path)] = conn.execute(
            text("SELECT id, events_path FROM batches WHERE events_path LIKE 'events/month=%'")
        ).all()
        [file] = event_files(books.root / events_path)
        target = books.root / "events" / "b1" / f"{batch}.parquet"
        shutil.move(file, target)
        conn.execute(
            text("UPDATE batches SET events_path = :p, events_sha256 = :s WHERE id = :id"),
            {"p": f"events/b1/{batch}.parquet", "s": events_sha256(target), "id": batch},
        )
    for folder in books.root.glob("events/month=*"):
        folder.rmdir()


def _lake(books: Books) -> list[str]:
    return sorted(p.relative_to(books.root / "events").as_posix()
                  for p in books.root.glob("events/**/*.parquet"))  # fmt: skip


def test_init_moves_an_old_workspace_into_the_lake(books: Books, tmp_path: Path) -> None:
    _old_workspace(books)
    assert books.cli("settle", "run", "2026-02").exit_code == 1  # the schema is behind
    before_pdf = tmp_path / "before"
    assert books.cli("init").exit_code == 0
    books.ok("statements", "render", "2026-01", "--out", before_pdf)
    data_before = books.ok("statements", "data", "2026-01", "--party", "t1")
    # init upgraded the schema and moved every batch (the first was a folder of parts)
    batches = {b["source_file"]: b["batch_id"] for b in books.ok("batches", "list")["batches"]}
    ids = sorted(batches.values())
    a, b, c = batches["jan-feb.csv"], batches["jan.csv"], batches["feb.csv"]
    assert _lake(books) == sorted(
        [
            f"month=2026-01/{a}.00001.parquet",
            f"month=2026-01/{a}.00002.parquet",
            f"month=2026-02/{a}.00001.parquet",
            f"month=2026-02/{a}.00002.parquet",
            f"month=2026-01/{b}.parquet",
            f"month=2026-02/{c}.parquet",
        ]
    )
    assert not (books.root / "events" / "b1").exists()
    with books.workspace.engine.connect() as conn:
        paths = dict(conn.execute(text("SELECT id, events_path FROM batches")).all())
        closed = conn.execute(
            text("SELECT batches FROM periods WHERE period = '2026-01'")
        ).scalar_one()
        moves = (
            conn.execute(
                text("SELECT reference FROM journal_entries WHERE kind = 'relocate' ORDER BY seq")
            )
            .scalars()
            .all()
        )
    assert paths == {i: f"events/month=*/{i}.*parquet" for i in ids}
    assert len(json.loads(closed)) == 2  # the two sealed batches
    assert sorted(moves) == sorted(f"relocate:{i}" for i in json.loads(closed))
    assert audit.verify(books.workspace, deep=True)["ok"]
    # closed statements are byte-identical, and later months settle incrementally as in full
    after_pdf = tmp_path / "after"
    books.ok("statements", "render", "2026-01", "--out", after_pdf)
    assert books.ok("statements", "data", "2026-01", "--party", "t1") == data_before
    assert {p.name: p.read_bytes() for p in before_pdf.glob("*.pdf")} == {
        p.name: p.read_bytes() for p in after_pdf.glob("*.pdf")
    }
    full = books.ok("settle", "run", "2026-02", "--full")
    assert books.ok("settle", "run", "2026-02") == full
    assert full["events_rated"] == 2 * (6 + 4)
    assert books.cli("init").exit_code == 0  # nothing left to move: a no-op


class Killed(BaseException):
    pass


@pytest.mark.parametrize(
    "step",
    [
        "publish",
        pytest.param("link", marks=pytest.mark.slow),
        pytest.param("_remove", marks=pytest.mark.slow),
    ],
)
def test_a_move_killed_at_any_step_completes_when_run_again(
    books: Books, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_workspace(books)
    migrate(books.workspace.engine)
    calls = []

    def kill(*args: object) -> None:
        calls.append(args)
        raise Killed

    if step == "link":
        monkeypatch.setattr(lake.os, "link", kill)
    else:
        monkeypatch.setattr(lake, step, kill)
    with pytest.raises(Killed):
        lake.migrate_layout(books.workspace)
    monkeypatch.undo()
    assert calls
    assert audit.verify(books.workspace)["ok"]  # a half-done move leaves verifiable books
    moved = lake.migrate_layout(books.workspace)
    assert len(moved) == (3 if step == "publish" else 2)  # the first batch splits by month
    assert not (books.root / "events" / "b1").exists()
    assert audit.verify(books.workspace, deep=True)["ok"]
    full = books.ok("settle", "run", "2026-02", "--full")
    assert books.ok("settle", "run", "2026-02") == full
