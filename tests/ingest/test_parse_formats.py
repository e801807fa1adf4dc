"""parse_log on canonical and profiled CSV, JSON Lines and Parquet logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from ledger.ingest.parse import ParsedLog, iter_parse_log, parse_log, preview
from ledger.ingest.profile import Profile, load_profile
from ledger.ingest.schema import EVENT_SCHEMA, REJECTED_SCHEMA

HEADER = (
    "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,duration_s,"
    "campaign,category,ai_disclosure,content_hash"
)
TWINS = {"liv-s-twin-1", "liv-s-twin-2"}


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def parse(path: Path, profile: Profile | None = None) -> ParsedLog:
    parsed = parse_log(path, brand_category="apparel", twins=TWINS, profile=profile)
    assert parsed.events.schema == EVENT_SCHEMA
    assert parsed.rejected.schema == REJECTED_SCHEMA
    total = parsed.events.height + parsed.in_file_duplicates + parsed.rejected.height
    assert parsed.rows_read == total
    return parsed


def row(parsed: ParsedLog, event_id: str) -> dict[str, object]:
    return parsed.events.filter(pl.col("event_id") == event_id).to_dicts()[0]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


CANONICAL_CSV = (
    HEADER + "\n"
    "r1,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,spring,,,sha256:ab\n"
    "p1,2026-03-02 11:30:00+01:00,publication,liv-s-twin-1,a1,social,se,video,1,12.5,"
    '"SS26, ""big""",Apparel,yes,\n'
    "i1,2026-03-03T00:00:00,impressions,liv-s-twin-2,a1,web,NO,,25000,,,,,\n"
)


def test_canonical_csv(tmp_path: Path) -> None:
    parsed = parse(write(tmp_path, "log.csv", CANONICAL_CSV))
    assert parsed.rows_read == 3 and parsed.rejected.height == 0
    assert row(parsed, "r1") == {
        "event_id": "r1",
        "occurred_at": utc(2026, 3, 1, 10),
        "kind": "render",
        "twin_id": "liv-s-twin-1",
        "asset_id": "a1",
        "channel": None,
        "territory": None,
        "media": "still",
        "quantity": 1,
        "duration_s": None,
        "campaign": "spring",
        "category": "apparel",
        "ai_disclosure": None,
        "content_hash": "sha256:ab",
        "line_no": 2,
    }
    assert row(parsed, "p1") == {
        "event_id": "p1",
        "occurred_at": utc(2026, 3, 2, 10, 30),
        "kind": "publication",
        "twin_id": "liv-s-twin-1",
        "asset_id": "a1",
        "channel": "social",
        "territory": "SE",
        "media": "video",
        "quantity": 1,
        "duration_s": Decimal("12.500"),
        "campaign": 'SS26, "big"',
        "category": "apparel",
        "ai_disclosure": True,
        "content_hash": None,
        "line_no": 3,
    }
    impressions = row(parsed, "i1")
    assert impressions["quantity"] == 25000 and impressions["line_no"] == 4
    assert impressions["occurred_at"] == utc(2026, 3, 3)
    assert parsed.file_sha256 and len(parsed.file_sha256) == 64


def test_csv_quoted_line_breaks_keep_physical_line_numbers(tmp_path: Path) -> None:
    text = (
        HEADER + "\n"
        'r1,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,"two\nlines",,,\n'
        "\n"
        "r2,2026-03-01T10:00:00Z,render,nobody,a1,,,,,,,,,\n"
    )
    parsed = parse(write(tmp_path, "log.csv", text))
    assert row(parsed, "r1")["campaign"] == "two\nlines"
    assert row(parsed, "r1")["line_no"] == 2
    assert parsed.rejected.to_dicts() == [
        {
            "line_no": 5,
            "original": "r2,2026-03-01T10:00:00Z,render,nobody,a1,,,,,,,,,",
            "reason": "UNKNOWN_TWIN",
            "message": "unknown twin 'nobody'",
        }
    ]


GERMAN_PROFILE = """
delimiter = ";"
decimal_separator = ","
timezone = "Europe/Berlin"
timestamp_format = "%d.%m.%Y %H:%M"
ignore = ["Bemerkung"]

[columns]
"Ereignis" = "event_id"
"Zeitpunkt" = "occurred_at"
"Art" = "kind"
"Zwilling" = "twin_id"
"Motiv" = "asset_id"
"Kanal" = "channel"
"Land" = "territory"
"Medium" = "media"
"Anzahl" = "quantity"
"Dauer" = "duration_s"
"KI-Hinweis" = "ai_disclosure"

[values.kind]
"Veröffentlichung" = "publication"
"Rendering" = "render"

[values.channel]
IG = "social"

[values.ai_disclosure]
ja = true
nein = false
"""


def test_german_csv_with_bom_crlf_semicolon_and_decimal_comma(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "zephyr-de.toml").write_text(GERMAN_PROFILE, encoding="utf-8")
    profile = load_profile("zephyr-de", profiles)
    text = (
        "Ereignis;Zeitpunkt;Art;Zwilling;Motiv;Kanal;Land;Medium;Anzahl;Dauer;KI-Hinweis;Bemerkung\r\n"
        "d1;01.07.2026 12:00;Veröffentlichung;liv-s-twin-1;m1;IG;de;Video;2;7,25;ja;größer\r\n"
        "d2;15.01.2026 08:15;Rendering;liv-s-twin-2;m1;;;;;;;\r\n"
        "d3;25.10.2026 02:30;Rendering;liv-s-twin-2;m1;;;;;;;\r\n"
    )
    path = write(tmp_path, "nutzung.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    parsed = parse(path, profile)
    d1 = row(parsed, "d1")
    assert d1["occurred_at"] == utc(2026, 7, 1, 10)
    assert (d1["kind"], d1["channel"], d1["territory"], d1["media"]) == (
        "publication",
        "social",
        "DE",
        "video",
    )
    assert (d1["quantity"], d1["duration_s"], d1["ai_disclosure"]) == (2, Decimal("7.25"), True)
    assert d1["line_no"] == 2
    assert row(parsed, "d2")["occurred_at"] == utc(2026, 1, 15, 7, 15)
    assert parsed.rejected.select("line_no", "reason", "original").to_dicts() == [
        {
            "line_no": 4,
            "reason": "AMBIGUOUS_TIME",
            "original": "d3;25.10.2026 02:30;Rendering;liv-s-twin-2;m1;;;;;;;",
        }
    ]


def test_canonical_jsonl(tmp_path: Path) -> None:
    lines = [
        {"event_id": "j1", "occurred_at": "2026-03-01T10:00:00+02:00", "kind": "publication",
         "twin_id": "liv-s-twin-1", "asset_id": "a1", "channel": "web", "territory": "fi",
         "media": "still", "quantity": 3, "ai_disclosure": False},
        {"event_id": "j2", "occurred_at": "2026-03-01T10:00:00Z", "kind": "render",
         "twin_id": "liv-s-twin-1", "asset_id": "a2", "duration_s": 1.5},
    ]  # fmt: skip
    text = json.dumps(lines[0]) + "\r\n\r\n" + json.dumps(lines[1]) + "\r\n"
    parsed = parse(write(tmp_path, "log.jsonl", text))
    j1 = row(parsed, "j1")
    assert j1["occurred_at"] == utc(2026, 3, 1, 8)
    assert (j1["territory"], j1["quantity"], j1["ai_disclosure"], j1["line_no"]) == (
        "FI",
        3,
        False,
        1,
    )
    j2 = row(parsed, "j2")
    assert (j2["duration_s"], j2["line_no"], j2["quantity"]) == (Decimal("1.5"), 3, 1)


NESTED_PROFILE = """
format = "jsonl"
ignore = ["source"]

[columns]
"id" = "event_id"
"ts" = "occurred_at"
"meta.twin.id" = "twin_id"
"meta.asset" = "asset_id"
"where.channel" = "channel"
"where.country" = "territory"
"meta.disclosed" = "ai_disclosure"

[defaults]
kind = "publication"
"""


def test_jsonl_nested_fields_flattened_by_profile(tmp_path: Path) -> None:
    profile_path = write(tmp_path, "nested.toml", NESTED_PROFILE)
    profile = load_profile(str(profile_path), tmp_path / "unused")
    first = {
        "id": "n1",
        "ts": "2026-04-01T09:00:00Z",
        "source": {"app": "x"},
        "meta": {"twin": {"id": "liv-s-twin-2"}, "asset": "a9", "disclosed": True},
        "where": {"channel": "email", "country": "dk"},
    }
    second = {"id": "n2", "ts": "2026-04-01T09:00:00Z",
              "meta": {"twin": {"id": "liv-s-twin-2"}, "asset": "a9", "disclosed": True},
              "where": {"country": "dk"}}  # fmt: skip
    text = json.dumps(first) + "\n" + json.dumps(second) + "\n"
    parsed = parse(write(tmp_path, "events.log", text), profile)
    n1 = row(parsed, "n1")
    assert (n1["twin_id"], n1["asset_id"], n1["channel"], n1["territory"]) == (
        "liv-s-twin-2",
        "a9",
        "email",
        "DK",
    )
    assert (n1["kind"], n1["ai_disclosure"], n1["line_no"]) == ("publication", True, 1)
    assert parsed.rejected.select("line_no", "reason", "message", "original").to_dicts() == [
        {
            "line_no": 2,
            "reason": "MISSING_VALUE",
            "message": "missing value for column 'channel'",
            "original": json.dumps(second),
        }
    ]


def test_parquet_with_other_column_names(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "id": ["q1", "q2", "q3"],
            "when": [utc(2026, 5, 1, 12), utc(2026, 5, 2, 12), utc(2026, 5, 3, 12)],
            "type": ["publication", "impressions", "publication"],
            "twin": ["liv-s-twin-1", "liv-s-twin-1", "liv-s-twin-1"],
            "asset": ["a1", "a1", "a1"],
            "placement": ["IG", "web", "web"],
            "country": ["SE", "SE", "SE"],
            "count": [1, 1_000_000, 1],
            "seconds": [Decimal("4.250"), None, None],
            "format": ["video", "still", "video"],
            "disclosed": [True, None, True],
        },
        schema_overrides={"seconds": pl.Decimal(10, 3)},
    )
    path = tmp_path / "log.parquet"
    frame.write_parquet(path)
    profile = Profile(
        columns=(
            ("asset", "asset_id"),
            ("count", "quantity"),
            ("country", "territory"),
            ("disclosed", "ai_disclosure"),
            ("format", "media"),
            ("id", "event_id"),
            ("placement", "channel"),
            ("seconds", "duration_s"),
            ("twin", "twin_id"),
            ("type", "kind"),
            ("when", "occurred_at"),
        ),
        values=(("channel", (("IG", "social"),)),),
    )
    parsed = parse(path, profile)
    q1 = row(parsed, "q1")
    assert (q1["occurred_at"], q1["channel"], q1["duration_s"], q1["line_no"]) == (
        utc(2026, 5, 1, 12),
        "social",
        Decimal("4.250"),
        1,
    )
    assert row(parsed, "q2")["quantity"] == 1_000_000
    rejected = parsed.rejected.to_dicts()
    assert [(r["line_no"], r["reason"]) for r in rejected] == [(3, "MISSING_VALUE")]
    original = json.loads(rejected[0]["original"])
    assert original["id"] == "q3" and original["seconds"] is None


def test_canonical_parquet(tmp_path: Path) -> None:
    csv_path = write(tmp_path, "log.csv", CANONICAL_CSV)
    from_csv = parse(csv_path)
    path = tmp_path / "log.parquet"
    pl.read_csv(csv_path, infer_schema=False).write_parquet(path)
    parsed = parse(path)
    assert parsed.events.drop("line_no").equals(from_csv.events.drop("line_no"))
    assert parsed.events["line_no"].to_list() == [1, 2, 3]


def test_duplicates_in_file(tmp_path: Path) -> None:
    good = "r1,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,,,,"
    text = "\n".join([HEADER, good, good + " ", good.replace(",a1,", ",a2,"), good]) + "\n"
    parsed = parse(write(tmp_path, "log.csv", text))
    assert parsed.events["line_no"].to_list() == [2]
    assert parsed.in_file_duplicates == 2
    assert parsed.rejected.select("line_no", "reason", "message").to_dicts() == [
        {
            "line_no": 4,
            "reason": "CONFLICTING_DUPLICATE",
            "message": "event_id 'r1' repeats line 2 with different content",
        }
    ]


def test_chunks_have_continuous_line_numbers(tmp_path: Path) -> None:
    rows = [f"r{n},2026-03-01T10:00:00Z,render,liv-s-twin-1,a{n},,,,,,,,," for n in range(7)]
    rows[4] = rows[4].replace("liv-s-twin-1", "ghost")
    path = write(tmp_path, "log.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    chunks = list(iter_parse_log(path, brand_category="apparel", twins=TWINS, chunk_rows=3))
    assert [chunk.rows_read for chunk in chunks] == [3, 3, 1]
    lines = [n for chunk in chunks for n in chunk.events["line_no"].to_list()]
    assert lines == [2, 3, 4, 5, 7, 8]
    assert chunks[1].rejected["line_no"].to_list() == [6]
    for chunk in chunks:
        assert chunk.rows_read == chunk.events.height + chunk.rejected.height
        assert chunk.file_sha256 == chunks[0].file_sha256


def test_utf16_and_latin1(tmp_path: Path) -> None:
    text = HEADER + "\nr1,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,Été,,,\n"
    for encoding, codec in (("utf-16", "utf-16"), ("latin-1", "latin-1")):
        path = write(tmp_path, f"{encoding}.csv", text.encode(codec))
        parsed = parse(path, Profile(encoding=encoding))
        assert row(parsed, "r1")["campaign"] == "Été"


def test_preview_maps_first_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", CANONICAL_CSV)
    rows = preview(path, n=2)
    assert len(rows) == 2
    assert rows[1]["channel"] == "social"
    assert (rows[0]["line_no"], rows[0]["reason"], rows[1]["territory"]) == (2, None, "se")
