"""One rejected row per reason code: its reason, physical line number and original text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.ingest.parse import parse_log
from ledger.ingest.profile import Profile
from ledger.ingest.schema import REASONS

HEADER = (
    "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,duration_s,"
    "campaign,category,ai_disclosure,content_hash"
)
GOOD = "ok,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,social,SE,still,1,,,,true,"

CASES = {
    "UNKNOWN_TWIN": "x,2026-03-01T10:00:00Z,render,ghost,a1,,,,,,,,,",
    "BAD_TIMESTAMP": "x,2026-02-30T10:00:00Z,render,liv-s-twin-1,a1,,,,,,,,,",
    "AMBIGUOUS_TIME": "x,2026-10-25T02:30:00,render,liv-s-twin-1,a1,,,,,,,,,",
    "NONEXISTENT_TIME": "x,2026-03-29T02:30:00,render,liv-s-twin-1,a1,,,,,,,,,",
    "NEGATIVE_QUANTITY": "x,2026-03-01T10:00:00Z,impressions,liv-s-twin-1,a1,web,SE,,-3,,,,,",
    "BAD_QUANTITY": "x,2026-03-01T10:00:00Z,impressions,liv-s-twin-1,a1,web,SE,,1.5,,,,,",
    "BAD_DURATION": "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,web,SE,video,1,1.2345,,,0,",
    "UNKNOWN_KIND": "x,2026-03-01T10:00:00Z,repost,liv-s-twin-1,a1,,,,,,,,,",
    "UNKNOWN_CHANNEL": "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,radio,SE,,,,,,yes,",
    "UNKNOWN_TERRITORY": "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,web,XX,,,,,,yes,",
    "UNKNOWN_MEDIA": "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,web,SE,audio,,,,,yes,",
    "BAD_BOOLEAN": "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,web,SE,,,,,,maybe,",
    "MISSING_VALUE": "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,,web,SE,,,,,,yes,",
    "CONFLICTING_DUPLICATE": "ok,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,,,,",
    "TOO_LONG": f"x,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,{'c' * 1025},,,",
    "DATE_OUT_OF_RANGE": "x,1999-12-31T23:59:59Z,render,liv-s-twin-1,a1,,,,,,,,,",
    "QUANTITY_TOO_LARGE": (
        "x,2026-03-01T10:00:00Z,impressions,liv-s-twin-1,a1,web,SE,,2000000000000,,,,,"
    ),
}


def parse(tmp_path: Path, *rows: str, profile: Profile | None = None):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8", newline="")
    parsed = parse_log(path, brand_category="apparel", twins={"liv-s-twin-1"}, profile=profile)
    total = parsed.events.height + parsed.in_file_duplicates + parsed.rejected.height
    assert parsed.rows_read == total == len(rows)
    return parsed


def test_every_reason_code_has_a_case() -> None:
    # EXTRACT_NO_MATCH needs a profile's [extract]: tests/ingest/test_ad_exports.py
    assert set(CASES) == set(REASONS) - {"EXTRACT_NO_MATCH"}


@pytest.mark.parametrize("reason", list(CASES))
def test_reason(tmp_path: Path, reason: str) -> None:
    parsed = parse(tmp_path, GOOD, CASES[reason], profile=Profile(timezone="Europe/Berlin"))
    assert parsed.events["line_no"].to_list() == [2]
    assert parsed.rejected.select("line_no", "original", "reason").to_dicts() == [
        {"line_no": 3, "original": CASES[reason], "reason": reason}
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (CASES["MISSING_VALUE"], "missing value for column 'asset_id'"),
        (
            "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,web,SE,,,,,,,",
            "missing value for column 'ai_disclosure'",
        ),
        (
            "x,2026-03-01T10:00:00Z,publication,liv-s-twin-1,a1,web,SE,Video,,,,,yes,",
            "missing value for column 'duration_s'",
        ),
        (
            "x,2026-03-01T10:00:00Z,impressions,liv-s-twin-1,a1,,SE,,5,,,,,",
            "missing value for column 'channel'",
        ),
        (
            "  ,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,,,,,,,,,",
            "missing value for column 'event_id'",
        ),
    ],
)
def test_missing_value_names_the_column(tmp_path: Path, row: str, message: str) -> None:
    parsed = parse(tmp_path, row)
    assert parsed.rejected.select("reason", "message").to_dicts() == [
        {"reason": "MISSING_VALUE", "message": message}
    ]


def test_first_failing_reason_wins(tmp_path: Path) -> None:
    row = "x,not-a-time,publication,ghost,a1,radio,XX,,-1,,,,maybe,"
    parsed = parse(tmp_path, row)
    assert parsed.rejected["reason"].to_list() == ["UNKNOWN_TWIN"]


def test_renders_ignore_channel_and_territory(tmp_path: Path) -> None:
    parsed = parse(tmp_path, "x,2026-03-01T10:00:00Z,render,liv-s-twin-1,a1,radio,XX,,,,,,,")
    assert parsed.rejected.height == 0
    assert parsed.events.select("channel", "territory").row(0) == (None, None)


def test_quantity_forms(tmp_path: Path) -> None:
    rows = [
        f"i{n},2026-03-01T10:00:00Z,impressions,liv-s-twin-1,a1,web,SE,,{q},,,,,"
        for n, q in enumerate(["0", "+7", "12.0", "-0", '" 3 "'])
    ]
    parsed = parse(tmp_path, *rows)
    assert parsed.rejected.height == 0
    assert parsed.events["quantity"].to_list() == [0, 7, 12, 0, 3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", "2026-03-01T00:00:00+00:00"),
        ("2026-03-01T10:00", "2026-03-01T10:00:00+00:00"),
        ("2026-03-01 10:00:00.25", "2026-03-01T10:00:00.250000+00:00"),
        ("2026-03-01T10:00:00.5Z", "2026-03-01T10:00:00.500000+00:00"),
        ("2026-03-01T10:00:00+0130", "2026-03-01T08:30:00+00:00"),
        ("2026-03-01T10:00:00-05", "2026-03-01T15:00:00+00:00"),
        ("2026-03-01T10:00:00z", "2026-03-01T10:00:00+00:00"),
    ],
)
def test_iso_timestamp_forms(tmp_path: Path, text: str, expected: str) -> None:
    parsed = parse(tmp_path, f"x,{text},render,liv-s-twin-1,a1,,,,,,,,,")
    assert parsed.events["occurred_at"][0].isoformat() == expected
