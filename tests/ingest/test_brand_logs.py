"""Three brands' logs in very different shapes ingest through profiles to the expected events,
end to end through `twinledger ingest` into a workspace (SPEC 2.3)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger.storage.events import connect, parquet_list_sql
from tests.conftest import Books
from tests.ledger import fixtures

FIXTURES = Path(__file__).parent / "fixtures"
COLUMNS = (
    "event_id, CAST(occurred_at AS VARCHAR), kind, twin_id, asset_id, channel, territory, media, "
    "quantity, CAST(duration_s AS VARCHAR), campaign, category, ai_disclosure, content_hash, "
    "line_no, brand, source_file"
)

EXPECTED = {
    "zephyr-de.csv": (
        "b1",
        [
            ("Z-1", "2026-03-01 08:15:00+00", "render", "w1", "A-100", None, None, "still", 1,
             None, "Frühling; Sommer", "apparel", None, None, 2),
            ("Z-2", "2026-03-02 09:00:00+00", "publication", "w1", "A-100", "social", "DE",
             "video", 1, "12.500", "Frühling", "apparel", True, None, 3),
            ("Z-3", "2026-03-29 01:30:00+00", "impressions", "w1", "A-100", "in_store", "AT",
             "still", 1500, None, "Frühling", "apparel", None, None, 4),
            ("Z-4", "2026-10-25 03:00:00+00", "publication", "w1", "A-101", "ooh", "CH",
             "still", 1, None, None, "apparel", False, None, 5),
        ],
    ),
    "smith.jsonl": (
        "b2",
        [
            ("S-1", "2026-03-05 03:00:00+00", "render", "w1", "img-1", None, None, "still", 1,
             None, "smith-ss26", "beauty", None, "sha256:ab12", 1),
            ("S-2", "2026-03-06 08:30:00+00", "publication", "w1", "img-1", "social", "JP",
             "still", 1, None, "smith-ss26", "beauty", True, "sha256:ab12", 2),
            ("S-3", "2026-03-07 00:00:00+00", "impressions", "w2", "img-1", "social", "JP",
             "still", 250000, None, "smith-ss26", "beauty", None, None, 4),
        ],
    ),
    "hanami.parquet": (
        "b2",
        [
            ("H-1", "2026-03-10 10:00:00+00", "render", "w2", "vid-9", None, None, "video", 1,
             None, None, "cosmetics", None, None, 1),
            ("H-2", "2026-03-11 23:30:15.25+00", "publication", "w2", "vid-9", "ecommerce",
             "FR", "video", 1, "7.250", None, "cosmetics", True, None, 2),
            ("H-3", "2026-03-31 22:59:59+00", "impressions", "w2", "vid-9", "ooh", "GB",
             "still", 1200, None, None, "cosmetics", None, None, 3),
        ],
    ),
}  # fmt: skip


def _stored(books: Books, batch_id: str) -> list[tuple[object, ...]]:
    with books.workspace.engine.connect() as conn:
        query = text("SELECT events_path FROM batches WHERE id = :id")
        [(path,)] = conn.execute(query, {"id": batch_id}).fetchall()
    con = connect()
    rows = con.execute(
        f"SELECT {COLUMNS}, batch_id, file_sha256 FROM "
        f"read_parquet({parquet_list_sql([books.root / path])}) ORDER BY line_no"
    ).fetchall()
    con.close()
    return rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_brand_log_ingests_to_the_canonical_events(books: Books, name: str) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    brand, expected = EXPECTED[name]
    log = books.files / name
    shutil.copy(FIXTURES / name, log)
    profile = FIXTURES / f"{name.split('.')[0]}.toml"
    if name.endswith(".csv"):
        shutil.copy(profile, books.root / "profiles" / profile.name)
        chosen = profile.stem
    else:
        chosen = str(profile)
    doc = books.ok("ingest", log, "--brand", brand, "--profile", chosen)
    assert (doc["status"], doc["rows_read"], doc["accepted"], doc["rejected"]) == (
        "committed",
        len(expected),
        len(expected),
        0,
    )
    sha = hashlib.sha256(log.read_bytes()).hexdigest()
    lineage = (brand, name, doc["batch_id"], sha)
    assert _stored(books, doc["batch_id"]) == [(*row, *lineage) for row in expected]


def test_profiles_check_shows_the_mapping_before_storing(books: Books) -> None:
    log = FIXTURES / "zephyr-de.csv"
    doc = books.ok(
        "profiles", "check", log, "--profile", FIXTURES / "zephyr-de.toml", "--rows", "2"
    )
    assert [row["line_no"] for row in doc["rows"]] == [2, 3]
    second = doc["rows"][1]
    assert (second["kind"], second["channel"], second["duration_s"]) == (
        "publication",
        "social",
        "12,5",
    )
    assert second["reason"] is None
    human = books.cli("profiles", "check", log, "--profile", FIXTURES / "zephyr-de.toml")
    assert human.exit_code == 0 and "accepted" in human.stdout
    with books.workspace.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM batches").scalar() == 0


def test_profiles_check_names_the_reason_a_row_would_be_rejected(books: Books) -> None:
    log = books.write(
        "bad.csv",
        fixtures.HEADER + "\np1,2026-03-02T10:00:00Z,publication,w1,a1,radio,SE,still,,true\n",
    )
    [row] = books.ok("profiles", "check", log)["rows"]
    assert (row["reason"], row["message"]) == ("UNKNOWN_CHANNEL", "unknown channel 'radio'")
