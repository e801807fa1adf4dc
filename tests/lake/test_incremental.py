"""Incremental settlement equals a full recompute: on generated multi-month histories (late
batches, restatements, a withdrawn batch, an amendment, every exception kind), every month is
settled with ``--full`` and incrementally before it is closed, and both drafts must be the same
to the byte: figures, statements, exceptions and the settle document."""

from __future__ import annotations

import random
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text
from sqlmodel import insert

from ledger import audit
from ledger.period import Period
from ledger.rating.incremental import Reuse
from ledger.rating.measure import LINE_SCHEMA
from ledger.settlement.compute import carried_through
from ledger.settlement.service import _gather
from ledger.settlement.snapshot import load_reuse
from ledger.storage.db import reading, writing
from ledger.storage.repo import all_batches, load_contracts, load_parties
from ledger.storage.tables import MeasuredLineRow
from tests.conftest import Books
from tests.lake.histories import PARTIES, k1, log, play


def _draft(books: Books, period: str) -> dict[str, Any]:
    with books.workspace.engine.connect() as conn:
        settlements = [
            tuple(r)
            for r in conn.execute(
                text("SELECT * FROM contract_settlements WHERE period = :p ORDER BY 1, 2, 3"),
                {"p": period},
            )
        ]
        statements = [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT party_type, party_id, statement_id, verification_code, document "
                    "FROM statements WHERE period = :p ORDER BY 1, 2"
                ),
                {"p": period},
            )
        ]
    exceptions = books.root / "settlements" / period / "exceptions.parquet"
    return {
        "settlements": settlements,
        "statements": statements,
        "exceptions": exceptions.read_bytes(),
    }


def _reuse(books: Books, period: str) -> Reuse | None:
    with reading(books.workspace.engine) as session:
        return load_reuse(
            books.workspace,
            session,
            period,
            load_contracts(session),
            load_parties(session),
            all_batches(session),
        )


def _reused_through(books: Books, period: str) -> str | None:
    reuse = _reuse(books, period)
    return None if reuse is None else reuse.through


def check(books: Books, period: str) -> None:
    full = books.ok("settle", "run", period, "--full")
    full_draft = _draft(books, period)
    incremental = books.ok("settle", "run", period)
    assert incremental == full
    assert _draft(books, period) == full_draft
    assert full_draft["settlements"], "a month of a generated history settles something"
    earlier = f"{period[:5]}{int(period[5:]) - 1:02d}"
    assert _reused_through(books, period) == (None if period == "2026-01" else earlier)


def _play_and_verify(books: Books, seed: int, months: int = 4) -> None:
    play(books, seed, check, months)
    deep = audit.verify(books.workspace, deep=True)
    assert deep["ok"], deep["problems"]


def test_incremental_settlement_equals_full_on_two_generated_months(books: Books) -> None:
    _play_and_verify(books, 0, months=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(24))
def test_incremental_settlement_equals_full_on_many_histories(books: Books, seed: int) -> None:
    _play_and_verify(books, seed)


def test_a_price_only_amendment_reprices_stored_quantities_without_measuring(
    books: Books,
) -> None:
    play(books, 1, check, months=2)
    books.ok("settle", "close", "2026-02")
    # K1's render price changes back to its start, nothing else: the quantities stored at
    # February's close stay valid and are priced again at the new price
    books.write("K1-repriced.toml", k1("1.40", guarantee=False))
    books.ok("contracts", "import", books.files / "K1-repriced.toml", "--amend")
    reuse = _reuse(books, "2026-03")
    assert reuse is not None
    assert reuse.renamed == {"K1@r1v0": "K1@r2v0"}
    assert not {(m, b) for m, b in reuse.dirty if b == "b1"}  # b1's months are not re-read
    # February's close stored the first render of every asset: no earlier month is read again
    assert reuse.renders is not None and reuse.renders.num_rows > 0
    check(books, "2026-03")  # and the result is the full recompute's, to the byte
    contracts = books.ok("statements", "data", "2026-03", "--party", "b1")["contracts"]
    [k1_block] = [c for c in contracts if c["contract"] == "K1"]
    assert k1_block["prior_period_adjustments"], "the new render price corrects earlier months"


def _carried(books: Books, period: str) -> dict[str, str]:
    with reading(books.workspace.engine) as session:
        inputs = _gather(books.workspace, session, period).inputs
    relevant = [c for c in inputs.contracts if c.start <= Period(period).last_day]
    return carried_through(inputs, relevant)


def test_months_nothing_changed_since_the_close_are_carried_not_recomputed(books: Books) -> None:
    play(books, 0, check, months=2)
    books.ok("settle", "close", "2026-02")
    # nothing arrived since February's close: every contract resumes after it
    assert _carried(books, "2026-03") == {"K1": "2026-02", "K2": "2026-02", "K3": "2026-02"}
    late = log(random.Random(7), "late2", "b1", [1], 4)
    books.ok("ingest", books.write("b1-late-jan.csv", late), "--brand", "b1")
    # b1's January changed: its contracts are settled again from January, b2's are not
    assert _carried(books, "2026-03") == {"K1": "2025-12", "K2": "2026-02", "K3": "2025-12"}
    check(books, "2026-03")  # and the result is the full recompute's, to the byte


def test_a_commission_changed_since_the_close_settles_its_contracts_again(books: Books) -> None:
    play(books, 2, check, months=2)
    books.ok("settle", "close", "2026-02")
    books.ok("parties", "import", books.write("parties.toml", PARTIES.replace('"0.15"', '"0.25"')))
    # t1's agency takes more from now on, and from every month recomputed: K1 (w1, t1) is
    # settled again from its start; K2 and K3 belong to t2, who has no agency
    assert _carried(books, "2026-03") == {"K2": "2026-02", "K3": "2026-02"}
    check(books, "2026-03")
    contracts = books.ok("statements", "data", "2026-03", "--party", "b1")["contracts"]
    [k1_block] = [c for c in contracts if c["contract"] == "K1"]
    assert k1_block["prior_period_adjustments"], "the new commission corrects earlier months"


def test_the_stored_quantities_are_used_only_as_the_close_wrote_them(books: Books) -> None:
    play(books, 3, check, months=2)
    books.ok("settle", "close", "2026-02")
    kept = books.root / "settlements" / "2026-02" / "measured_lines.parquet"
    reuse = _reuse(books, "2026-03")
    assert reuse is not None
    assert reuse.stored.equals(pq.read_table(kept).cast(LINE_SCHEMA))
    assert set(reuse.stored.column("month").to_pylist()) == {"2026-01", "2026-02"}
    # quantities stored as rows by a close made before the file was kept are read as rows
    books.tampered = True  # the snapshot is rewritten by hand, as an older close left it
    with books.workspace.engine.begin() as conn:
        conn.execute(text("UPDATE measure_snapshots SET lines_sha256 = NULL"))
    with writing(books.workspace.engine) as session:
        rows = [
            r | {"period": "2026-02", "quantity": str(r["quantity"])}
            for r in reuse.stored.to_pylist()
        ]
        session.execute(insert(MeasuredLineRow), rows)
    from_rows = _reuse(books, "2026-03")
    assert from_rows is not None and from_rows.stored.equals(reuse.stored)
    # a file that is not as the close wrote it is not used: everything is measured again
    with books.workspace.engine.begin() as conn:
        conn.execute(text("UPDATE measure_snapshots SET lines_sha256 = :d"), {"d": "0" * 64})
    assert _reuse(books, "2026-03") is None
    assert books.ok("settle", "run", "2026-03") == books.ok("settle", "run", "2026-03", "--full")


def test_the_lake_listed_once_gives_each_batch_the_files_of_its_glob(books: Books) -> None:
    from ledger.storage.events import event_files, is_lake_path, lake_index

    play(books, 1, check, 2)
    index = lake_index(books.root / "events")
    with reading(books.workspace.engine) as session:
        batches = [b for b in all_batches(session) if b.events_path]
    assert batches and all(is_lake_path(str(b.events_path)) for b in batches)
    for batch in batches:
        assert index.get(batch.id, []) == event_files(books.root / str(batch.events_path))
    assert sum(map(len, index.values())) == len(list((books.root / "events").rglob("*.parquet")))
