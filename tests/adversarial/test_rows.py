"""Hostile rows of a usage log are rejected with a reason code, never stored (SPEC 8, 2.4).

Over-long values, dates far outside any contract and absurd quantities go to quarantine and are
counted, so rows_read = accepted + duplicates + rejected holds, and no period is ever created for
them (an event of year 0001 used to block closing every month).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from ledger.ingest.batch import ingest_file
from tests.conftest import Books
from tests.ledger import fixtures

HEADER = f"{fixtures.HEADER},campaign,content_hash"
OK = "p1,2026-03-02T10:00:00Z,publication,w1,a1,social,SE,still,,true,,"


def row(**values: str) -> str:
    cells = dict(zip(HEADER.split(","), OK.split(","), strict=True)) | values
    return ",".join(cells.values())


def last_day() -> str:
    return str(datetime.now(UTC).date() + timedelta(days=366))


def quarantined(books: Books, result: dict[str, object]) -> list[dict[str, str]]:
    frame = pl.read_csv(books.root / str(result["quarantine"]), infer_schema=False)
    return frame.select("line_no", "reason", "message").to_dicts()


def test_events_of_year_0001_and_9999_are_rejected_and_block_no_month(books: Books) -> None:
    fixtures.load(books)
    log = books.write(
        "b1-odd.csv",
        "\n".join(
            [
                HEADER,
                row(event_id="old", occurred_at="0001-01-01T00:00:00Z"),
                row(event_id="late", occurred_at="9999-12-31T23:59:59Z"),
                row(event_id="eve", occurred_at="1999-12-31T23:59:59+00:00"),
                row(event_id="new", occurred_at="2026-03-20T10:00:00Z"),
            ]
        )
        + "\n",
    )
    result = books.ok("ingest", log, "--brand", "b1")
    assert {k: result[k] for k in ("rows_read", "accepted", "duplicates", "rejected")} == {
        "rows_read": 4,
        "accepted": 1,
        "duplicates": 0,
        "rejected": 3,
    }
    window = f"is outside the accepted dates 2000-01-01 to {last_day()}"
    assert quarantined(books, result) == [
        {
            "line_no": "2",
            "reason": "DATE_OUT_OF_RANGE",
            "message": f"occurred_at '0001-01-01T00:00:00Z' {window}",
        },
        {
            "line_no": "3",
            "reason": "DATE_OUT_OF_RANGE",
            "message": f"occurred_at '9999-12-31T23:59:59Z' {window}",
        },
        {
            "line_no": "4",
            "reason": "DATE_OUT_OF_RANGE",
            "message": f"occurred_at '1999-12-31T23:59:59+00:00' {window}",
        },
    ]
    books.ok("settle", "run", "2026-03")
    closed = books.ok("settle", "close", "2026-03")
    assert closed["status"] == "closed"


def test_the_window_edges(books: Books) -> None:
    """2000-01-01T00:00Z is the first accepted instant; the last is the end of the day 366 days
    after today (UTC)."""
    fixtures.load(books)
    last = datetime.now(UTC).date() + timedelta(days=366)
    log = books.write(
        "edges.csv",
        "\n".join(
            [
                HEADER,
                row(event_id="first", kind="render", occurred_at="2000-01-01T00:00:00Z"),
                row(event_id="before", kind="render", occurred_at="1999-12-31T23:59:59.999Z"),
                row(event_id="last", kind="render", occurred_at=f"{last}T23:59:59Z"),
                row(event_id="after", kind="render", occurred_at=f"{last + timedelta(1)}T00:00Z"),
            ]
        )
        + "\n",
    )
    result = books.ok("ingest", log, "--brand", "b1")
    assert (result["accepted"], result["rejected"]) == (2, 2)
    assert [(r["line_no"], r["reason"]) for r in quarantined(books, result)] == [
        ("3", "DATE_OUT_OF_RANGE"),
        ("5", "DATE_OUT_OF_RANGE"),
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"campaign": "c" * 1025}, "campaign is 1025 bytes long; at most 1024"),
        ({"event_id": "e" * 257}, "event_id is 257 bytes long; at most 256"),
        ({"twin_id": "é" * 129}, "twin_id is 258 bytes long; at most 256"),
        ({"content_hash": "h" * 300}, "content_hash is 300 bytes long; at most 256"),
        ({"channel": "s" * 10_000}, "channel is 10000 bytes long; at most 256"),
    ],
)
def test_over_long_values_are_rejected(books: Books, values: dict[str, str], message: str) -> None:
    fixtures.load(books)
    log = books.write("long.csv", f"{HEADER}\n{row(event_id='fine', campaign='c' * 1024)}\n")
    log.write_text(log.read_text(encoding="utf-8") + row(**values) + "\n", encoding="utf-8")
    result = books.ok("ingest", log, "--brand", "b1")
    assert (result["rows_read"], result["accepted"], result["rejected"]) == (2, 1, 1)
    assert quarantined(books, result) == [
        {"line_no": "3", "reason": "TOO_LONG", "message": message}
    ]


def test_over_long_parquet_values_are_rejected(books: Books) -> None:
    """Parquet has no lines to limit: its values are checked alone."""
    fixtures.load(books)
    frame = pl.DataFrame(
        {
            "event_id": ["q1", "q2"],
            "occurred_at": ["2026-03-02T10:00:00Z"] * 2,
            "kind": ["render"] * 2,
            "twin_id": ["w1"] * 2,
            "asset_id": ["a1", "a" * 5_000_000],
        }
    )
    log = books.files / "long.parquet"
    frame.write_parquet(log)
    result = books.ok("ingest", log, "--brand", "b1")
    assert (result["rows_read"], result["accepted"], result["rejected"]) == (2, 1, 1)
    assert quarantined(books, result) == [
        {
            "line_no": "2",
            "reason": "TOO_LONG",
            "message": "asset_id is 5000000 bytes long; at most 256",
        }
    ]


def test_a_quantity_above_a_trillion_is_rejected(books: Books) -> None:
    fixtures.load(books)
    impressions = {"kind": "impressions", "ai_disclosure": ""}
    log = books.write(
        "q.csv",
        "\n".join(
            [
                HEADER,
                row(event_id="max", quantity="1000000000000", **impressions),
                row(event_id="over", quantity="1000000000001", **impressions),
            ]
        )
        + "\n",
    )
    result = books.ok("ingest", log, "--brand", "b1")
    assert (result["accepted"], result["rejected"]) == (1, 1)
    assert quarantined(books, result) == [
        {
            "line_no": "3",
            "reason": "QUANTITY_TOO_LARGE",
            "message": "quantity '1000000000001' is above 1,000,000,000,000",
        }
    ]


def test_counts_add_up_with_every_kind_of_rejected_row(books: Books) -> None:
    """rows_read = accepted + duplicates + rejected, in one chunk and across chunks of 2 rows."""
    fixtures.load(books)
    rows = [
        row(event_id="a"),
        row(event_id="a"),  # exact repeat: a duplicate
        row(event_id="a", territory="NO"),  # conflicting repeat
        row(event_id="b", occurred_at="0001-01-01T00:00:00Z"),
        row(event_id="c", campaign="c" * 2000),
        row(event_id="d", kind="impressions", ai_disclosure="", quantity="9" * 13),
        row(event_id="e", twin_id="ghost"),
        row(event_id="f", occurred_at="2026-03-05T10:00:00Z"),
        row(event_id="p1"),  # stored already by fixtures.load: a duplicate
    ]
    text = "\n".join([HEADER, *rows]) + "\n"
    for chunk_rows, name in ((1_000_000, "one.csv"), (2, "chunked.csv")):
        log = books.write(name, text if name == "one.csv" else text.replace("p1,", "p9,", 1))
        result = ingest_file(books.workspace, log, "b1", chunk_rows=chunk_rows)
        counted = (result.rows_read, result.accepted, result.duplicates, result.rejected)
        assert result.rows_read == result.accepted + result.duplicates + result.rejected
        if name == "one.csv":
            assert counted == (9, 2, 2, 5)
        else:  # a second ingest: a and f are stored now, p9 is new
            assert counted == (9, 1, 3, 5)
        reasons = [r["reason"] for r in quarantined(books, result.as_dict())]
        assert reasons == [
            "CONFLICTING_DUPLICATE",
            "DATE_OUT_OF_RANGE",
            "TOO_LONG",
            "QUANTITY_TOO_LARGE",
            "UNKNOWN_TWIN",
        ]
