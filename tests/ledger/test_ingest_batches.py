"""Ingest is idempotent, counts every row and keeps lineage (SPEC 2.4)."""

from __future__ import annotations

import duckdb

from tests.conftest import Books
from tests.ledger import fixtures


def _identity(doc: dict[str, object]) -> None:
    assert doc["rows_read"] == doc["accepted"] + doc["duplicates"] + doc["rejected"]  # type: ignore[operator]


def _stored_events(books: Books) -> list[tuple[str, str]]:
    files = [books.root / b["events_path"] for b in _batch_rows(books) if b["events_path"]]
    if not files:
        return []
    return duckdb.sql(
        f"SELECT brand, event_id FROM read_parquet({[str(f) for f in files]}) ORDER BY ALL"
    ).fetchall()


def _batch_rows(books: Books) -> list[dict[str, object]]:
    with books.workspace.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, events_path FROM batches WHERE status = 'committed'"
        ).fetchall()
    return [{"id": r[0], "events_path": r[1]} for r in rows]


def test_same_file_twice_changes_nothing(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    log = books.write("b1.csv", fixtures.B1_LOG)
    first = books.ok("ingest", log, "--brand", "b1")
    assert first | {"batch_id": None, "quarantine": None} == {
        "batch_id": None,
        "status": "committed",
        "rows_read": 9,
        "accepted": 9,
        "duplicates": 0,
        "rejected": 0,
        "quarantine": None,
        "restated": 0,
        "skipped": 0,
        "conflicts": 0,
        "conflicts_file": None,
    }
    events = _stored_events(books)
    batches = books.ok("batches", "list")
    again = books.ok("ingest", log, "--brand", "b1")
    assert again["status"] == "already_ingested"
    assert again["batch_id"] == first["batch_id"]
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 9, 0)
    _identity(again)
    assert _stored_events(books) == events
    assert books.ok("batches", "list") == batches
    human = books.cli("ingest", log, "--brand", "b1")
    assert "already ingested" in human.stdout and human.exit_code == 0


def test_repeated_event_ids_are_duplicates_per_brand(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    books.ok("ingest", books.write("b1.csv", fixtures.B1_LOG), "--brand", "b1")
    # p1..p3 repeat (one with other content: identity is the event id), n1 is new
    resend = books.write(
        "b1-resend.csv",
        fixtures.HEADER
        + """
p1,2026-03-02T10:00:00Z,publication,w1,a1,social,SE,still,,true
p2,2026-03-03T10:00:00Z,publication,w1,a1,social,NO,still,,yes
p3,2026-03-09T10:00:00Z,publication,w1,a1,web,DK,still,,1
n1,2026-03-09T10:00:00Z,render,w1,a5,,,still,,
""",
    )
    doc = books.ok("ingest", resend, "--brand", "b1")
    assert (
        doc["status"],
        doc["rows_read"],
        doc["accepted"],
        doc["duplicates"],
        doc["rejected"],
    ) == ("committed", 4, 1, 3, 0)
    _identity(doc)
    # the same event ids from another brand are other events
    other = books.ok(
        "ingest",
        books.write(
            "b2.csv",
            fixtures.HEADER
            + """
p1,2026-03-02T10:00:00Z,publication,w2,a9,social,SE,still,,true
""",
        ),
        "--brand",
        "b2",
    )
    assert (other["accepted"], other["duplicates"]) == (1, 0)
    events = _stored_events(books)
    assert len(events) == len(set(events)) == 11


def test_rejected_rows_go_to_quarantine_with_line_numbers(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    log = books.write(
        "mixed.csv",
        fixtures.HEADER
        + """
ok1,2026-03-02T10:00:00Z,render,w1,a1,,,still,,
bad1,2026-03-02T10:00:00Z,render,nobody,a1,,,still,,
bad2,not-a-time,render,w1,a1,,,still,,
ok2,2026-03-03T10:00:00Z,impressions,w1,a1,social,SE,still,-5,
""",
    )
    doc = books.ok("ingest", log, "--brand", "b1")
    assert (doc["rows_read"], doc["accepted"], doc["duplicates"], doc["rejected"]) == (4, 1, 0, 3)
    quarantine = (books.root / doc["quarantine"]).read_text(encoding="utf-8").splitlines()
    assert quarantine[0] == "line_no,reason,message,original"
    reasons = [(row.split(",")[0], row.split(",")[1]) for row in quarantine[1:]]
    assert reasons == [("3", "UNKNOWN_TWIN"), ("4", "BAD_TIMESTAMP"), ("5", "NEGATIVE_QUANTITY")]
    assert "bad1,2026-03-02T10:00:00Z,render,nobody" in quarantine[1]


def test_strict_rejects_the_whole_file(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    log = books.write(
        "mixed.csv",
        fixtures.HEADER
        + """
ok1,2026-03-02T10:00:00Z,render,w1,a1,,,still,,
bad1,2026-03-02T10:00:00Z,render,nobody,a1,,,still,,
""",
    )
    result = books.cli("ingest", log, "--brand", "b1", "--strict", "--json")
    assert result.exit_code == 1
    doc = result.json
    assert (doc["status"], doc["rows_read"], doc["accepted"], doc["rejected"]) == (
        "rejected",
        2,
        0,
        2,
    )
    assert "rejected under --strict" in result.stderr
    assert _stored_events(books) == []


def test_lineage_on_every_stored_event(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    log = books.write("b2.csv", fixtures.B2_LOG)
    doc = books.ok("ingest", log, "--brand", "b2")
    [batch] = books.ok("batches", "list")["batches"]
    [row] = _batch_rows(books)
    lineage = duckdb.sql(
        f"SELECT DISTINCT batch_id, source_file, file_sha256 FROM "
        f"read_parquet('{books.root / str(row['events_path'])}')"
    ).fetchall()
    assert lineage == [(doc["batch_id"], "b2.csv", batch["file_sha256"])]
    lines = duckdb.sql(
        f"SELECT event_id, line_no FROM read_parquet('{books.root / str(row['events_path'])}') "
        "ORDER BY line_no"
    ).fetchall()
    assert lines == [("r1", 2), ("r2", 3), ("r3", 4), ("p1", 5), ("p2", 6)]
    assert batch["periods"] == ["2026-03"]
